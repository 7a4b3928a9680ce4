"""The bodies of the cron jobs: digests, weekly reports, reminders, expiry, scheduled publishes.

Each takes plain arguments (a Slack client, a sessionmaker, a clock, a `ScheduleConfig`) so the
worker's wrappers stay thin and tests call them directly. Anything sent once is guarded by a
schedule mark claimed and committed before the send (see storage/schedules.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks.digest import MAX_LISTED, all_clear_message, digest_messages, weekly_report_message
from bot.slack.pace import PacedPoster, SlackRefused
from bot.parsing.timeparse import Schedule, parse_schedule, zone
from storage import schedules, weekly
from storage.clock import Clock
from storage.schedules import Waiting

log = logging.getLogger("signoff.schedules")
Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class ScheduleConfig:
    """Workspace defaults from settings; a channel's `config_entries` "digest" value overrides them."""

    timezone: str = "UTC"
    digest_schedule: str = "weekdays 09:00"
    digest_channels: tuple[str, ...] = ()
    all_clear: bool = False
    weekly_report: bool = False
    ttl_h: float = 72.0
    reminder_after_h: tuple[float, ...] = ()
    approvers: tuple[str, ...] = ()
    pace_s: float = 1.0
    mark_lease_s: float = 600.0

    def for_channel(self, overrides: dict) -> ScheduleConfig:
        known = {
            k: v for k, v in overrides.items() if k in ("timezone", "all_clear", "weekly_report") and v is not None
        }
        if overrides.get("schedule"):
            known["digest_schedule"] = overrides["schedule"]
        return replace(self, **known)

    @property
    def schedule(self) -> Schedule:
        return parse_schedule(self.digest_schedule)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


async def _channels(sessionmaker: Sessionmaker, config: ScheduleConfig) -> dict[str, ScheduleConfig]:
    async with sessionmaker() as session:
        overrides = await schedules.channel_configs(session)
        listed = list(config.digest_channels) or await schedules.draft_channels(session)
    return {
        ch: config.for_channel(overrides.get(ch, {}))
        for ch in dict.fromkeys(listed + list(overrides))
        if config.digest_channels == () or ch in config.digest_channels
    }


async def with_permalinks(client: AsyncWebClient, sessionmaker: Sessionmaker, items: list[Waiting]) -> list[Waiting]:
    """Fill in missing thread permalinks, once each: they are stored for the next digest."""
    result = []
    for item in items:
        if item.permalink is None and item.parent_ts:
            try:
                answer = await client.chat_getPermalink(channel=item.channel_id, message_ts=item.parent_ts)
                item = replace(item, permalink=answer["permalink"])
                async with sessionmaker.begin() as session:
                    await schedules.set_permalink(session, item.draft_id, item.permalink)
            except SlackApiError as exc:
                log.warning("no permalink for draft %d: %s", item.draft_id, exc.response.get("error"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise SlackRefused(f"could not reach Slack: {exc.__class__.__name__}") from None
        result.append(item)
    return result


async def _send_parts(
    poster: PacedPoster,
    sessionmaker: Sessionmaker,
    clock: Clock,
    key: str,
    channel: str,
    messages: list[tuple[str, list[dict]]],
) -> int:
    """Send each part not sent before (a retry after a failure resumes where it stopped)."""
    parts = [f"{key}:part{i}" for i in range(len(messages))]
    async with sessionmaker() as session:
        done = await schedules.finished_marks(session, parts)
    for part, (text, blocks) in zip(parts, messages):
        if part in done:
            continue
        await poster.post(channel, text, blocks)
        async with sessionmaker.begin() as session:
            await schedules.finish_mark(session, part, now=clock())
    return len(messages)


async def digest_for(
    client: AsyncWebClient, sessionmaker: Sessionmaker, clock: Clock, channel: str, config: ScheduleConfig
) -> list[tuple[str, list[dict]]]:
    async with sessionmaker() as session:
        items = await schedules.waiting_drafts(session, ttl_h=config.ttl_h, channel_id=channel)
    items[:MAX_LISTED] = await with_permalinks(client, sessionmaker, items[:MAX_LISTED])
    messages = digest_messages(items, now=clock(), tz=config.tz)
    if not messages and config.all_clear:
        messages = [all_clear_message(now=clock(), tz=config.tz)]
    return messages


async def send_digests(
    client: AsyncWebClient,
    sessionmaker: Sessionmaker,
    clock: Clock,
    config: ScheduleConfig,
    *,
    poster: PacedPoster | None = None,
) -> list[str]:
    """Send every digest that is due and not sent yet; returns the channels that got one."""
    poster = poster or PacedPoster(client, pace_s=config.pace_s)
    sent: list[str] = []
    for channel, cfg in (await _channels(sessionmaker, config)).items():
        day = cfg.schedule.due_date(clock(), cfg.tz)
        if day is None:
            continue
        key = f"digest:{channel}:{day.isoformat()}"

        async def build(channel: str = channel, cfg: ScheduleConfig = cfg) -> list:
            return await digest_for(client, sessionmaker, clock, channel, cfg)

        if await _send_once(poster, sessionmaker, clock, key, channel, cfg, build, "digest"):
            sent.append(channel)
    return sent


async def _send_once(
    poster: PacedPoster,
    sessionmaker: Sessionmaker,
    clock: Clock,
    key: str,
    channel: str,
    cfg: ScheduleConfig,
    build,
    what: str,
) -> bool:  # type: ignore[no-untyped-def]
    """Claim `key`, build and send the messages, finish the mark: once, whatever the number of workers."""
    async with sessionmaker.begin() as session:
        if not await schedules.claim_mark(session, key, now=clock(), lease_s=cfg.mark_lease_s):
            return False
    try:
        await _send_parts(poster, sessionmaker, clock, key, channel, await build())
    except SlackRefused as exc:
        # The claim stays unfinished: it is taken over and retried once its lease lapses.
        log.warning("%s for %s not sent, will retry: %s", what, channel, exc.message)
        return False
    async with sessionmaker.begin() as session:
        await schedules.finish_mark(session, key, now=clock())
    return True


async def send_digest_now(
    client: AsyncWebClient,
    sessionmaker: Sessionmaker,
    clock: Clock,
    config: ScheduleConfig,
    *,
    channel: str | None = None,
) -> dict[str, int]:
    """`signoff digest`: every (or one) channel's digest at once, unmarked; raises SlackRefused."""
    poster = PacedPoster(client, pace_s=config.pace_s)
    targets = (
        await _channels(sessionmaker, config)
        if channel is None
        else {channel: config.for_channel((await _overrides(sessionmaker)).get(channel, {}))}
    )
    counts: dict[str, int] = {}
    for name, cfg in targets.items():
        messages = await digest_for(client, sessionmaker, clock, name, cfg)
        for text, blocks in messages:
            await poster.post(name, text, blocks)
        counts[name] = len(messages)
    return counts


async def _overrides(sessionmaker: Sessionmaker) -> dict[str, dict]:
    async with sessionmaker() as session:
        return await schedules.channel_configs(session)


async def send_weekly_reports(
    client: AsyncWebClient, sessionmaker: Sessionmaker, clock: Clock, config: ScheduleConfig
) -> list[str]:
    """Mondays at the digest's time, for channels that asked for it."""
    poster, sent = PacedPoster(client, pace_s=config.pace_s), []
    for channel, cfg in (await _channels(sessionmaker, config)).items():
        day = Schedule(frozenset({0}), cfg.schedule.at).due_date(clock(), cfg.tz)
        if not cfg.weekly_report or day is None:
            continue
        year, week, _ = day.isocalendar()
        key = f"weekly:{channel}:{year}-W{week:02d}"

        async def report(channel: str = channel, cfg: ScheduleConfig = cfg) -> list:
            async with sessionmaker() as session:
                stats = await weekly.weekly_stats(session, channel_id=channel, until=clock())
            return [weekly_report_message(stats, tz=cfg.tz)]

        if await _send_once(poster, sessionmaker, clock, key, channel, cfg, report, "weekly report"):
            sent.append(channel)
    return sent
