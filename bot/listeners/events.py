"""Events API: a person's reply in a draft's thread.

An image shared in the thread by the requester or someone who may decide is attached to the draft
(bot/listeners/media.py). A reply that mentions Signoff is an instruction: from someone who may decide (or the requester) it
asks for a rewrite with the reply as feedback. Any other reply is a comment ("looks good to me" must
not start a rewrite): it is kept in the draft's history, and the writer reads the comments of people
who may rewrite the draft as context on the next rewrite.

The reply is recorded — its event id (Slack redelivers events) with the regenerate request and its
outbox job, or with the comment, in one transaction — before Slack gets its answer: Slack never
redelivers an event that was answered, so an answered reply must already be durable. If the write
fails, the listener raises, Bolt answers 500 and Slack delivers the event again.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import or_, select

from bot.blocks import replies
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners import media
from bot.listeners.effective import effective
from bot.listeners.interaction import installation_of, tell
from bot.blocks.text import without_control
from bot.listeners.views import start_regeneration
from storage import comments, edits, events
from storage.models import Draft
from storage.transitions import Outcome

log = logging.getLogger("signoff.bot.listeners.events")

# Message subtypes that are a person's reply: "also send to channel", a reply with a file, /me.
# Edits, deletions, joins, bot posts and the thread's own bookkeeping are not.
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def is_person_reply(event: dict) -> bool:
    return bool(
        event.get("thread_ts")
        and event.get("user")
        and event.get("subtype") in PERSON_SUBTYPES
        and not event.get("bot_id")
        and event.get("thread_ts") != event.get("ts")
    )


async def handle_message(body: dict, event: dict, client: AsyncWebClient, context: Any) -> None:
    if not is_person_reply(event):
        return
    deps = deps_of(context)
    channel, user, thread_ts = event.get("channel", ""), event["user"], event["thread_ts"]
    installation = installation_of(context)
    async with deps.sessionmaker() as session:
        draft = await session.scalar(
            select(Draft).where(
                Draft.channel_id == channel, or_(Draft.parent_ts == thread_ts, Draft.message_ts == thread_ts)
            )
        )
        config = await effective(deps, session, installation)
    if draft is None or (draft.team_id and draft.team_id != installation):
        return
    allowed = config.may_decide(user) or user == draft.requester_id
    event_id = body.get("event_id") or f"{channel}:{event.get('ts')}"
    text = _feedback(event)
    instruction = addressed_to(text, context.get("bot_user_id"))
    images = media.shared_images(event) if allowed and instruction is None else []
    async with deps.sessionmaker.begin() as session:
        if not await events.first_delivery(session, event_id, now=deps.clock()):
            return  # a redelivery of a reply already recorded
        if images:  # fetched, cleaned and attached by the worker (bot/listeners/media.py says why)
            job = await media.record_shared_images(
                session, draft_id=draft.id, files=images, user_id=user, event_id=event_id, now=deps.clock()
            )
        if instruction is None and (text.strip() or not images):
            await comments.record_comment(
                session, draft_id=draft.id, user_id=user, text=text, for_writer=allowed, now=deps.clock()
            )
        if instruction is None:
            if images:
                deps.background.spawn(deps.queue.enqueue(job), "shared images")
            return
        change = (
            await edits.request_regenerate(
                session,
                draft_id=draft.id,
                base_revision=None,
                feedback=instruction or None,
                user_id=user,
                now=deps.clock(),
            )
            if allowed
            else None
        )
    deps.background.spawn(_after_reply(deps, client, event, change), "thread reply")


def addressed_to(text: str, bot_user_id: str | None) -> str | None:
    """The instruction in a reply that mentions Signoff (the text without the mention, possibly
    empty), or None for a comment. Without our own user id nothing can mention us: all comments."""
    if not bot_user_id:
        return None
    mention = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>")
    if not mention.search(text):
        return None
    return mention.sub("", text).strip()


async def _after_reply(deps: BotDeps, client: AsyncWebClient, event: dict, change: Outcome | None) -> None:
    channel, user, thread_ts = event.get("channel", ""), event["user"], event["thread_ts"]
    if change is None:
        await tell(client, channel, user, replies.feedback_ignored(), thread_ts)
        return
    if not change.ok:
        await tell(
            client,
            channel,
            user,
            replies.cannot_change(change.draft, change.draft.current_revision, "regenerate"),
            thread_ts,
        )
        return
    await client.reactions_add(channel=channel, timestamp=event["ts"], name="eyes")
    await start_regeneration(deps, client, change)


def _feedback(event: dict) -> str:
    """The reply's text without control characters (PostgreSQL refuses NUL in text)."""
    text = event.get("text")
    return without_control(text) if isinstance(text, str) else ""


def register(app: AsyncApp) -> None:
    app.event("message")(handle_message)
