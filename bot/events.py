"""Events API: a reply in a draft's thread from someone who may decide is taken as rewrite feedback."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from sqlalchemy import or_, select

from bot import replies
from bot.deps import BotDeps
from bot.effective import effective
from bot.interaction import tell
from bot.text import without_control
from bot.views import start_regeneration
from storage import edits, events
from storage.models import Draft

log = logging.getLogger("signoff.bot.events")


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.event("message")
    async def on_message(body, event, client) -> None:  # type: ignore[no-untyped-def]
        # Slack retries events not answered within 3 s: answer first, work after.
        deps.background.spawn(take_feedback(body, event, client), "thread reply")

    async def take_feedback(body: dict, event: dict, client) -> None:  # type: ignore[no-untyped-def]
        thread_ts, user = event.get("thread_ts"), event.get("user")
        if not thread_ts or not user or event.get("subtype") or event.get("bot_id"):
            return  # not a person's thread reply (edits, joins, our own posts)
        channel = event.get("channel", "")
        async with deps.sessionmaker() as session:
            draft = await session.scalar(select(Draft).where(
                Draft.channel_id == channel, or_(Draft.parent_ts == thread_ts, Draft.message_ts == thread_ts)))
            config = await effective(deps, session, body.get("team_id", ""))
        if draft is None:
            return
        async with deps.sessionmaker.begin() as session:
            # Slack redelivers events it thinks we missed; only the first delivery counts.
            if not await events.first_delivery(session, body.get("event_id") or f"{channel}:{event.get('ts')}",
                                               now=deps.clock()):
                return
        if not (config.may_decide(user) or user == draft.requester_id):
            await tell(client, channel, user, replies.feedback_ignored(), thread_ts)
            return
        async with deps.sessionmaker.begin() as session:
            change = await edits.request_regenerate(session, draft_id=draft.id, base_revision=None,
                                                    feedback=_feedback(event), user_id=user, now=deps.clock())
        if not change.ok:
            await tell(client, channel, user, replies.cannot_change(change.draft, change.draft.current_revision,
                                                                    "regenerate"), thread_ts)
            return
        await client.reactions_add(channel=channel, timestamp=event["ts"], name="eyes")
        await start_regeneration(deps, client, change)


def _feedback(event: dict) -> str:
    text = event.get("text")
    return without_control(text) if isinstance(text, str) else ""
