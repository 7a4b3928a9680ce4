"""The message shortcut "Draft a post from this message": the shortcut opens a modal with the
message's first line as the topic and the channel it was used in; the submission is a /draft with
the message (text, permalink, file names) as its first source, recorded before Slack is answered.
Anyone who may use /draft may use it, under the same hourly limit."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import modals, replies, shortcut
from bot.blocks.text import without_control
from bot.listeners.commands import topic_problem
from bot.listeners.deps import deps_of
from bot.listeners.effective import effective
from bot.listeners.interaction import installation_of, tell
from bot.parsing.draft_ids import NotOurValue
from storage import intake

log = logging.getLogger("signoff.bot.listeners.shortcuts")


def quoted_message(body: dict) -> shortcut.QuotedMessage:
    """The message a shortcut was used on, as Slack sends it (`message`, `channel`, `team`)."""
    message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id") or ""
    ts = str(message.get("ts") or body.get("message_ts") or "")
    domain = (body.get("team") or {}).get("domain") or "app"
    files = tuple(str(f.get("name") or f.get("title") or "") for f in message.get("files") or [] if isinstance(f, dict))
    return shortcut.QuotedMessage(
        channel=channel,
        ts=ts,
        author=str(message.get("user") or ""),
        permalink=shortcut.permalink(domain, channel, ts),
        text=without_control(str(message.get("text") or "")),
        files=files,
    )


async def handle_message_shortcut(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await ack()
    deps = deps_of(context)
    message = quoted_message(body)
    if not (body.get("team") or {}).get("domain"):
        # An org-wide install sends `team: null`: ask Slack for the link (the trigger lives 3 s).
        try:
            found = await client.chat_getPermalink(channel=message.channel, message_ts=message.ts)
            message = replace(message, permalink=str(found.get("permalink") or message.permalink))
        except Exception:
            log.info("no permalink for the shortcut's message", exc_info=True)
    await client.views_open(
        trigger_id=body["trigger_id"],
        view=shortcut.draft_from_message_modal(message, max_topic_chars=deps.max_topic_chars),
    )


async def handle_submission(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps = deps_of(context)
    now, user, installation = deps.clock(), body["user"]["id"], installation_of(context)
    try:
        message = shortcut.parse_metadata(view.get("private_metadata"))
        values = modals.state_values(view)
        topic = " ".join(without_control(modals.typed_value(values, shortcut.TOPIC_BLOCK) or "").split())
        channel = shortcut.selected_channel(values)
    except NotOurValue as exc:
        log.info("unreadable shortcut submission: %s", exc)
        await ack(response_action="errors", errors={shortcut.TOPIC_BLOCK: replies.not_our_value()})
        return
    problem = topic_problem(topic, deps.max_topic_chars, deps.text_rules)
    if problem:
        await ack(response_action="errors", errors={shortcut.TOPIC_BLOCK: problem})
        return
    try:
        async with deps.sessionmaker() as session:
            recent = await intake.requests_since(session, user, now - timedelta(hours=1))
            config = await effective(deps, session, installation)
        if recent >= deps.drafts_per_hour:
            await ack(
                response_action="errors", errors={shortcut.TOPIC_BLOCK: replies.too_many_drafts(deps.drafts_per_hour)}
            )
            return
        async with deps.sessionmaker.begin() as session:
            accepted = await intake.request_draft(
                session,
                team_id=installation,
                channel_id=channel,
                user_id=user,
                topic=topic,
                now=now,
                destinations=list(config.destinations),
                sources=[message.as_source()],
            )
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("could not record a draft from a message (ref %s)", ref)
        await ack(response_action="errors", errors={shortcut.TOPIC_BLOCK: replies.not_saved(ref)})
        return
    await ack()
    deps.background.spawn(deps.queue.enqueue(accepted.job), "enqueue")
    deps.background.spawn(tell(client, channel, user, replies.accepted(accepted.draft_id, topic)), "accepted")


def register(app: AsyncApp) -> None:
    app.shortcut(shortcut.SHORTCUT)(handle_message_shortcut)
    app.view(shortcut.VIEW)(handle_submission)
