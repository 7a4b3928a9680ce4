"""Cron bodies that keep drafts moving: expiry, reminder DMs, scheduled publishes firing."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import notify
from bot.blocks.digest import reminder_message
from bot.queue import Queue
from bot.jobs.schedules import ScheduleConfig, Sessionmaker, with_permalinks
from bot.slack.pace import PacedPoster, SlackRefused
from storage import config as stored_config
from storage import outbox, scheduled_publish, schedules
from storage.clock import Clock
from storage.schedules import Waiting

log = logging.getLogger("signoff.schedules")


async def expire_drafts(
    client: AsyncWebClient, sessionmaker: Sessionmaker, clock: Clock, config: ScheduleConfig
) -> list[int]:
    """pending → expired past the TTL; each thread message is re-rendered without its buttons."""
    async with sessionmaker.begin() as session:
        expired = await schedules.expire_due(session, now=clock(), ttl_h=config.ttl_h)
    for draft_id in expired:
        try:
            await notify.show_draft(client, sessionmaker, draft_id)
            await notify.refresh_parent(client, sessionmaker, draft_id)
        except Exception as exc:  # the state changed already; clicks are refused by storage anyway
            log.warning("expired draft %d not re-rendered: %s", draft_id, exc)
    return expired


def _key(item: Waiting, threshold_h: float, user_id: str) -> str:
    return f"remind:{item.draft_id}:{threshold_h:g}h:{user_id}"


async def send_reminders(
    client: AsyncWebClient, sessionmaker: Sessionmaker, clock: Clock, config: ScheduleConfig
) -> dict[str, list[int]]:
    """One DM per approver listing drafts that crossed a waiting threshold they were not yet
    reminded of; each (draft, threshold, approver) at most once."""
    thresholds = sorted(config.reminder_after_h)
    if not thresholds:
        return {}
    now = clock()
    async with sessionmaker() as session:
        # Approvers chosen with `/signoff config set approvers` replace the environment's.
        chosen = [user for users in await stored_config.values_for(session, "approvers") for user in users or []]
        items = await schedules.waiting_drafts(
            session, ttl_h=config.ttl_h, older_than=now - timedelta(hours=thresholds[0])
        )
    approvers = tuple(dict.fromkeys(chosen)) or config.approvers
    if not approvers:
        return {}
    poster, reminded = PacedPoster(client, pace_s=config.pace_s), {}
    for user in approvers:
        crossed = {
            item.draft_id: [_key(item, h, user) for h in thresholds if now - item.created_at >= timedelta(hours=h)]
            for item in items
        }
        async with sessionmaker.begin() as session:
            done = await schedules.finished_marks(session, [k for ks in crossed.values() for k in ks])
            claimed = [
                k
                for ks in crossed.values()
                for k in ks
                if k not in done and await schedules.claim_mark(session, k, now=now, lease_s=config.mark_lease_s)
            ]
        due = [item for item in items if set(crossed[item.draft_id]) & set(claimed)]
        if not due:
            continue
        try:
            due = await with_permalinks(client, sessionmaker, due)
            await poster.direct_message(user, *reminder_message(due, now=now))
        except SlackRefused as exc:
            log.warning("reminder to %s not sent, will retry: %s", user, exc.message)
            continue
        async with sessionmaker.begin() as session:
            for key in claimed:
                await schedules.finish_mark(session, key, now=clock())
        reminded[user] = [item.draft_id for item in due]
    return reminded


async def fire_scheduled_publishes(sessionmaker: Sessionmaker, clock: Clock, queue: Queue) -> list[int]:
    """Create the publish job of each approved draft whose `publish_at` has come, then enqueue it
    (if Redis is away the outbox sweep enqueues it later). Returns the outbox ids."""
    async with sessionmaker.begin() as session:
        jobs = await scheduled_publish.fire_due(session, now=clock())
        fired = [outbox.queued(job) for job in jobs]
    for queued in fired:
        await queue.enqueue(queued)
    return [queued.outbox_id for queued in fired]
