"""Buttons on a publication part: Retry, Mark as published / posted (a modal asks for the link), Skip.

Only approvers may use them; anyone else gets an ephemeral refusal that is recorded. Each decision
is one compare-and-set transaction (storage/publication_decisions.py); a Retry then enqueues the
draft's publish job.
"""
from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncApp

from bot import modals, notify, publish_action_ids as ids, replies
from bot.deps import BotDeps
from bot.draft_ids import NotOurValue
from bot.effective import effective
from bot.interaction import team_of, tell, where
from bot.publication_blocks import label, mark_modal, parse_button_value, parse_modal_metadata
from bot.text import escape_mrkdwn, mention
from storage import publication_decisions as decide
from storage.models import Publication

log = logging.getLogger("signoff.bot.publish_actions")
_URL = re.compile(r"^https?://[^\s<>|]+$")


async def _allowed(deps: BotDeps, client, user: str, channel: str, thread_ts: str | None,  # type: ignore[no-untyped-def]
                   action: str, publication_id: int, team: str = "") -> bool:
    async with deps.sessionmaker() as session:
        config = await effective(deps, session, team)
    if config.may_decide(user):
        return True
    why = "no approvers configured" if not config.approvers else "not an approver"
    async with deps.sessionmaker.begin() as session:
        await decide.record_refusal(session, publication_id=publication_id, user_id=user, action=action,
                                    why=why, now=deps.clock())
    if channel:
        await tell(client, channel, user, f"Only approvers may {action} a publication; this attempt was recorded.",
                   thread_ts)
    return False


async def _refresh(deps: BotDeps, client, publication: Publication) -> None:  # type: ignore[no-untyped-def]
    await notify.show_draft(client, deps.sessionmaker, publication.draft_id, required=deps.rule.required)
    await notify.refresh_parent(client, deps.sessionmaker, publication.draft_id)


def _refused(action: str, decision: decide.PublicationDecision) -> str:
    p = decision.publication
    what = f"{label(p.destination)}{f' part {p.part + 1}' if p.part else ''}" if p else "that publication"
    return f"Could not {action} {what}: {decision.reason or 'it changed meanwhile'}."


async def _publication_id(client, body: dict, channel: str, thread_ts: str | None) -> int | None:  # type: ignore[no-untyped-def]
    try:
        return parse_button_value(body["actions"][0].get("value"))
    except NotOurValue as exc:
        log.info("unreadable publication button: %s", exc)
        await tell(client, channel, body["user"]["id"], replies.not_our_value(), thread_ts)
        return None


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def decide_on(body, client, action: str, change, enqueue: bool) -> None:  # type: ignore[no-untyped-def]
        user, (channel, _, thread_ts) = body["user"]["id"], where(body)
        publication_id = await _publication_id(client, body, channel, thread_ts)
        if publication_id is None:
            return
        if not await _allowed(deps, client, user, channel, thread_ts, action, publication_id, team_of(body)):
            return
        async with deps.sessionmaker.begin() as session:
            decision = await change(session, publication_id=publication_id, user_id=user, now=deps.clock())
        if not decision.ok:
            await tell(client, channel, user, _refused(action, decision), thread_ts)
            return
        try:
            await _refresh(deps, client, decision.publication)
        finally:
            if enqueue and decision.outbox_id is not None and decision.job_id is not None:
                await deps.queue.enqueue(decide.PUBLISH_JOB, decision.outbox_id, decision.job_id)

    @app.action(ids.RETRY)
    async def on_retry(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        deps.background.spawn(decide_on(body, client, "retry", decide.retry, enqueue=True), "retry")

    @app.action(ids.SKIP)
    async def on_skip(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        deps.background.spawn(decide_on(body, client, "skip", decide.skip, enqueue=False), "skip part")

    @app.action(ids.MARK)
    async def on_mark(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        deps.background.spawn(open_mark_modal(body, client), "mark")

    async def open_mark_modal(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        user, (channel, ts, thread_ts) = body["user"]["id"], where(body)
        publication_id = await _publication_id(client, body, channel, thread_ts)
        if publication_id is None:
            return
        if not await _allowed(deps, client, user, channel, thread_ts, "mark", publication_id, team_of(body)):
            return
        async with deps.sessionmaker() as session:
            row = await session.get(Publication, publication_id)
        if row is None:
            return
        # The trigger id lives 3 s: open the modal before anything slow.
        await client.views_open(trigger_id=body["trigger_id"], view=mark_modal(
            row.id, row.destination, row.part, channel=channel, message_ts=ts, handoff=row.status == "handoff"))

    @app.view(ids.MARK_VIEW)
    async def on_mark_submitted(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        try:
            meta = parse_modal_metadata(view.get("private_metadata"))
            url = (modals.typed_value(modals.state_values(view), ids.URL_BLOCK, ids.URL_INPUT) or "").strip()
        except NotOurValue as exc:
            log.info("unreadable mark submission: %s", exc)
            await ack(response_action="errors", errors={ids.URL_BLOCK: replies.not_our_value()})
            return
        if not _URL.match(url) or len(url) > 1000:
            await ack(response_action="errors",
                      errors={ids.URL_BLOCK: "Paste the post's link, starting with https://"})
            return
        await ack()
        deps.background.spawn(mark(body, meta, client, url), "mark submitted")

    async def mark(body: dict, meta: tuple[int, str, str], client, url: str) -> None:  # type: ignore[no-untyped-def]
        publication_id, channel, message_ts = meta
        user = body["user"]["id"]
        if not await _allowed(deps, client, user, channel, None, "mark", publication_id,
                              (body.get("team") or {}).get("id", "")):
            return
        async with deps.sessionmaker.begin() as session:
            decision = await decide.mark_published(session, publication_id=publication_id, user_id=user,
                                                   url=url, now=deps.clock())
            draft = await decide.draft_of(session, publication_id)
        if not decision.ok:
            if channel:
                await tell(client, channel, user, _refused("mark", decision))
            return
        try:
            await _refresh(deps, client, decision.publication)
        finally:
            if decision.outbox_id is not None and decision.job_id is not None:
                await deps.queue.enqueue(decide.PUBLISH_JOB, decision.outbox_id, decision.job_id)
        if draft is not None and message_ts and message_ts != draft.message_ts:
            # Clicked on a hand-off message: replace its button with who posted it where.
            await client.chat_update(channel=channel, ts=message_ts, text=escape_mrkdwn(f"Posted: {url}"),
                                     blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": (
                                         f"Posted on {escape_mrkdwn(label(decision.publication.destination))} "
                                         f"by {mention(user)}: {escape_mrkdwn(url)}")}}])
