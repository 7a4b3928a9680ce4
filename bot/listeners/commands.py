"""Slash commands: validate, write intent + audit + outbox in one transaction, ack, then enqueue."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import replies
from bot.listeners.deps import TextRules, deps_of
from bot.listeners.interaction import installation_of
from bot.parsing.draft_options import parse_draft_text
from bot.listeners.effective import effective
from storage import intake

log = logging.getLogger("signoff.bot.listeners.commands")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_topic(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text or "").split())


def topic_problem(topic: str, max_chars: int, rules: TextRules) -> str | None:
    if not topic:
        return replies.empty_topic()
    if len(topic) > max_chars:
        return replies.topic_too_long(len(topic), max_chars)
    hidden = rules.hidden_characters(topic)
    if hidden:
        return replies.hidden_characters(hidden)
    return None


async def handle_draft(ack: Any, command: dict, context: Any) -> None:
    deps = deps_of(context)
    now, user, installation = deps.clock(), command["user_id"], installation_of(context)
    request = parse_draft_text(
        clean_topic(command.get("text", "")), allowed=deps.destinations, now=now, tz=deps.timezone
    )
    problem = request.problem or topic_problem(request.topic, deps.max_topic_chars, deps.text_rules)
    if problem:
        await ack(response_type="ephemeral", text=problem)
        return
    try:
        # Reads first, without the write lock (SQLite: a plain BEGIN never waits for the worker's
        # writes), so the write transaction below is only the inserts. Two requests from one user
        # at the same instant may both pass the limit; it is a courtesy limit, not a quota.
        async with deps.sessionmaker() as session:
            recent = await intake.requests_since(session, user, now - timedelta(hours=1))
            config = await effective(deps, session, installation)
        if recent >= deps.drafts_per_hour:
            await ack(response_type="ephemeral", text=replies.too_many_drafts(deps.drafts_per_hour))
            return
        async with deps.sessionmaker.begin() as session:
            accepted = await intake.request_draft(
                session,
                team_id=installation,
                channel_id=command["channel_id"],
                user_id=user,
                topic=request.topic,
                now=now,
                publish_at=request.publish_at,
                destinations=list(request.destinations or config.destinations),
            )
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("could not record /draft (ref %s)", ref)
        await ack(response_type="ephemeral", text=replies.not_saved(ref))
        return
    await ack(
        response_type="ephemeral",
        text=replies.accepted(accepted.draft_id, request.topic, request.publish_at, request.destinations or ()),
    )
    deps.background.spawn(deps.queue.enqueue(accepted.job), "enqueue")


async def handle_unknown(ack: Any, command: dict) -> None:
    await ack(response_type="ephemeral", text=replies.unknown_command(command.get("command", "")))


def register(app: AsyncApp) -> None:
    app.command("/draft")(handle_draft)


def register_fallback(app: AsyncApp) -> None:
    """Registered last: any other command routed to this app gets an answer instead of silence."""
    app.command(re.compile(r".*"))(handle_unknown)
