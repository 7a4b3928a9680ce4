"""Slash commands: validate, write intent + audit + outbox in one transaction, ack, then enqueue."""
from __future__ import annotations

import logging
import re
import uuid

from slack_bolt.async_app import AsyncApp

from bot import replies
from bot.deps import BotDeps
from bot.effective import effective
from storage import intake

log = logging.getLogger("signoff.bot.commands")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_topic(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text or "").split())


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.command("/draft")
    async def on_draft(ack, command) -> None:  # type: ignore[no-untyped-def]
        topic = clean_topic(command.get("text", ""))
        if not topic:
            await ack(response_type="ephemeral", text=replies.empty_topic())
            return
        if len(topic) > deps.max_topic_chars:
            await ack(response_type="ephemeral", text=replies.topic_too_long(len(topic), deps.max_topic_chars))
            return
        try:
            async with deps.sessionmaker.begin() as session:
                config = await effective(deps, session, command.get("team_id", ""))
                accepted = await intake.request_draft(
                    session, team_id=command.get("team_id", ""), channel_id=command["channel_id"],
                    user_id=command["user_id"], topic=topic, destinations=list(config.destinations),
                    now=deps.clock())
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("could not record /draft (ref %s)", ref)
            await ack(response_type="ephemeral", text=replies.not_saved(ref))
            return
        await ack(response_type="ephemeral", text=replies.accepted(accepted.draft_id, topic))
        await deps.queue.enqueue(intake.RUN_JOB, accepted.outbox_id, accepted.job_id)

    # Registered last: any other command routed to this app gets an answer instead of silence.
    @app.command(re.compile(r".*"))
    async def on_unknown(ack, command) -> None:  # type: ignore[no-untyped-def]
        await ack(response_type="ephemeral", text=replies.unknown_command(command.get("command", "")))
