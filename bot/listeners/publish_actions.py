"""Buttons on a publication part: Retry, Mark as published / posted (a modal asks for the link), Skip.

Only approvers may use them; anyone else gets an ephemeral refusal, recorded before Slack is
answered. Each decision is one compare-and-set transaction (storage/publication_decisions.py),
also committed before the answer; a Retry then enqueues the draft's publish job.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import modals
from bot.slack import notify
from bot.blocks import publication_ids as ids
from bot.blocks import replies
from bot.parsing.draft_ids import NotOurValue
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.effective import effective
from bot.listeners.interaction import Origin, click_origin, installation_of, tell
from bot.blocks.publications import label, mark_modal, parse_button_value, parse_modal_metadata
from bot.blocks.text import escape_mrkdwn, mention
from storage import publication_decisions as decide
from storage.models import Publication
from storage.transitions import Outcome

log = logging.getLogger("signoff.bot.listeners.publish_actions")
_URL = re.compile(r"^https?://[^\s<>|]+$")
Change = Callable[..., Awaitable[Outcome]]


async def _refusal(deps: BotDeps, *, user: str, installation: str, action: str, publication_id: int) -> str | None:
    """None when `user` may act on this publication; else the sentence to tell them, the refusal
    recorded. A publication of another installation's draft answers as if it did not exist."""
    async with deps.sessionmaker() as session:
        config = await effective(deps, session, installation)
        draft = await decide.draft_of(session, publication_id)
    if draft is None or (draft.team_id and draft.team_id != installation):
        return "That publication does not exist here (any more)."
    if config.may_decide(user):
        return None
    why = "no approvers configured" if not config.approvers else "not an approver"
    async with deps.sessionmaker.begin() as session:
        await decide.record_refusal(
            session, publication_id=publication_id, user_id=user, action=action, why=why, now=deps.clock()
        )
    return f"Only approvers may {action} a publication; this attempt was recorded."


async def _refresh(deps: BotDeps, client: AsyncWebClient, publication: Publication) -> None:
    await notify.show_draft(client, deps.sessionmaker, publication.draft_id, required=deps.rule.required)
    await notify.refresh_parent(client, deps.sessionmaker, publication.draft_id)


def _refused(action: str, decision: Outcome) -> str:
    return replies.publication_refused(action, decision.reason, decision.publication)


def _publication_id(body: dict) -> int | None:
    try:
        return parse_button_value((body.get("actions") or [{}])[0].get("value"))
    except NotOurValue as exc:
        log.info("unreadable publication button: %s", exc)
        return None


async def _decide(
    ack: Any, body: dict, client: AsyncWebClient, context: Any, action: str, change: Change, *, enqueue: bool
) -> None:
    deps, origin = deps_of(context), click_origin(body, context)
    publication_id = _publication_id(body)
    if publication_id is None:
        await ack()
        deps.background.spawn(
            tell(client, origin.channel, origin.user, replies.not_our_value(), origin.thread_ts), "unreadable"
        )
        return
    refusal = await _refusal(
        deps, user=origin.user, installation=origin.installation, action=action, publication_id=publication_id
    )
    decision = None
    if refusal is None:
        async with deps.sessionmaker.begin() as session:
            decision = await change(session, publication_id=publication_id, user_id=origin.user, now=deps.clock())
    await ack()
    deps.background.spawn(_after_decision(deps, client, origin, action, refusal, decision, enqueue), action)


async def _after_decision(
    deps: BotDeps,
    client: AsyncWebClient,
    origin: Origin,
    action: str,
    refusal: str | None,
    decision: Outcome | None,
    enqueue: bool,
) -> None:
    if refusal is not None or decision is None:
        await tell(client, origin.channel, origin.user, refusal or "", origin.thread_ts)
        return
    if not decision.ok:
        await tell(client, origin.channel, origin.user, _refused(action, decision), origin.thread_ts)
        return
    try:
        await _refresh(deps, client, decision.publication)
    finally:
        if enqueue and decision.job is not None:
            await deps.queue.enqueue(decision.job)


async def handle_retry(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await _decide(ack, body, client, context, "retry", decide.retry, enqueue=True)


async def handle_skip(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await _decide(ack, body, client, context, "skip", decide.skip, enqueue=False)


async def handle_mark(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    deps, origin = deps_of(context), click_origin(body, context)
    publication_id = _publication_id(body)
    refusal = (
        replies.not_our_value()
        if publication_id is None
        else await _refusal(
            deps, user=origin.user, installation=origin.installation, action="mark", publication_id=publication_id
        )
    )
    await ack()
    if refusal is not None:
        deps.background.spawn(tell(client, origin.channel, origin.user, refusal, origin.thread_ts), "refusal")
        return
    async with deps.sessionmaker() as session:
        row = await session.get(Publication, publication_id)
    if row is not None:  # the trigger id lives 3 s: open the modal before anything slow
        await client.views_open(
            trigger_id=body["trigger_id"],
            view=mark_modal(
                row.id,
                row.destination,
                row.part,
                channel=origin.channel,
                message_ts=origin.message_ts,
                handoff=row.status == "handoff",
            ),
        )


async def handle_mark_submitted(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps, user = deps_of(context), body["user"]["id"]
    try:
        publication_id, channel, message_ts = parse_modal_metadata(view.get("private_metadata"))
        url = (modals.typed_value(modals.state_values(view), ids.URL_BLOCK, ids.URL_INPUT) or "").strip()
    except NotOurValue as exc:
        log.info("unreadable mark submission: %s", exc)
        await ack(response_action="errors", errors={ids.URL_BLOCK: replies.not_our_value()})
        return
    if not _URL.match(url) or len(url) > 1000:
        await ack(response_action="errors", errors={ids.URL_BLOCK: "Paste the post's link, starting with https://"})
        return
    refusal = await _refusal(
        deps, user=user, installation=installation_of(context), action="mark", publication_id=publication_id
    )
    if refusal is not None:
        await ack(response_action="errors", errors={ids.URL_BLOCK: refusal})
        return
    async with deps.sessionmaker.begin() as session:
        decision = await decide.mark_published(
            session, publication_id=publication_id, user_id=user, url=url, now=deps.clock()
        )
        draft = await decide.draft_of(session, publication_id)
    if not decision.ok:
        await ack(response_action="errors", errors={ids.URL_BLOCK: _refused("mark", decision)})
        return
    await ack()
    handoff_ts = message_ts if draft is not None and message_ts and message_ts != draft.message_ts else None
    deps.background.spawn(_after_mark(deps, client, decision, user, url, channel, handoff_ts), "mark submitted")


async def _after_mark(
    deps: BotDeps, client: AsyncWebClient, decision: Outcome, user: str, url: str, channel: str, handoff_ts: str | None
) -> None:
    try:
        await _refresh(deps, client, decision.publication)
    finally:
        if decision.job is not None:
            await deps.queue.enqueue(decision.job)
    if handoff_ts:  # clicked on a hand-off message: replace its button with who posted it where
        await client.chat_update(
            channel=channel,
            ts=handoff_ts,
            text=escape_mrkdwn(f"Posted: {url}"),
            blocks=[
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": (
                            f"Posted on {escape_mrkdwn(label(decision.publication.destination))} "
                            f"by {mention(user)}: {escape_mrkdwn(url)}"
                        ),
                    },
                }
            ],
        )


def register(app: AsyncApp) -> None:
    app.action(ids.RETRY)(handle_retry)
    app.action(ids.SKIP)(handle_skip)
    app.action(ids.MARK)(handle_mark)
    app.view(ids.MARK_VIEW)(handle_mark_submitted)
