"""Events API: a person's reply in a draft's thread, from someone who may decide, is rewrite feedback.

The reply is recorded — its event id (Slack redelivers events) and, when it counts, the regenerate
request with its outbox job, in one transaction — before Slack gets its answer: Slack never
redelivers an event that was answered, so an answered reply must already be durable. If the write
fails, the listener raises, Bolt answers 500 and Slack delivers the event again.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import or_, select

from bot.blocks import replies
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.effective import effective
from bot.listeners.interaction import installation_of, tell
from bot.blocks.text import without_control
from bot.listeners.views import start_regeneration
from storage import edits, events
from storage.models import Draft
from storage.transitions import Outcome

log = logging.getLogger("signoff.bot.listeners.events")

# Message subtypes that are a person's reply: "also send to channel", a reply with a file, /me.
# Edits, deletions, joins, bot posts and the thread's own bookkeeping are not.
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def is_person_reply(event: dict) -> bool:
    return bool(event.get("thread_ts") and event.get("user") and event.get("subtype") in PERSON_SUBTYPES
                and not event.get("bot_id") and event.get("thread_ts") != event.get("ts"))


async def handle_message(body: dict, event: dict, client: AsyncWebClient, context: Any) -> None:
    if not is_person_reply(event):
        return
    deps = deps_of(context)
    channel, user, thread_ts = event.get("channel", ""), event["user"], event["thread_ts"]
    installation = installation_of(context)
    async with deps.sessionmaker() as session:
        draft = await session.scalar(select(Draft).where(
            Draft.channel_id == channel, or_(Draft.parent_ts == thread_ts, Draft.message_ts == thread_ts)))
        config = await effective(deps, session, installation)
    if draft is None or (draft.team_id and draft.team_id != installation):
        return
    allowed = config.may_decide(user) or user == draft.requester_id
    event_id = body.get("event_id") or f"{channel}:{event.get('ts')}"
    async with deps.sessionmaker.begin() as session:
        if not await events.first_delivery(session, event_id, now=deps.clock()):
            return  # a redelivery of a reply already recorded
        change = await edits.request_regenerate(
            session, draft_id=draft.id, base_revision=None, feedback=_feedback(event), user_id=user,
            now=deps.clock()) if allowed else None
    deps.background.spawn(_after_reply(deps, client, event, change), "thread reply")


async def _after_reply(deps: BotDeps, client: AsyncWebClient, event: dict,
                       change: Outcome | None) -> None:
    channel, user, thread_ts = event.get("channel", ""), event["user"], event["thread_ts"]
    if change is None:
        await tell(client, channel, user, replies.feedback_ignored(), thread_ts)
        return
    if not change.ok:
        await tell(client, channel, user, replies.cannot_change(change.draft, change.draft.current_revision,
                                                                "regenerate"), thread_ts)
        return
    await client.reactions_add(channel=channel, timestamp=event["ts"], name="eyes")
    await start_regeneration(deps, client, change)


def _feedback(event: dict) -> str:
    """The reply's text without control characters (PostgreSQL refuses NUL in text)."""
    text = event.get("text")
    return without_control(text) if isinstance(text, str) else ""


def register(app: AsyncApp) -> None:
    app.event("message")(handle_message)
