"""Button clicks on a draft message.

What a click decides is recorded before Slack is answered: Approve's compare-and-set, and any
refusal. Slack never redelivers a click it got an answer for, so a bot that dies after answering
must have nothing left to write. The rest (re-rendering, telling people, enqueueing — the outbox
sweep covers a lost enqueue) runs after the answer. Buttons that open a modal check permission,
answer, and open it at once (a trigger_id lives 3 s).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import action_ids
from bot.blocks import modals
from bot.blocks import replies
from bot.blocks.draft import parse_button_value
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.home import publish_home
from bot.parsing.draft_ids import NotOurValue
from bot.listeners.interaction import Origin, check, click_origin, tell
from bot.slack.notify import say_mrkdwn_in_thread, show_draft
from storage import claims, decisions, queries, scheduled_publish
from storage.schedules import expires_at_for
from storage.edits import EDITABLE, REGENERABLE
from storage.errors import UnknownDraft
from storage.models import Draft
from storage.transitions import Outcome

log = logging.getLogger("signoff.bot.listeners.actions")


@dataclass(frozen=True)
class Clicked:
    """The click's origin and the draft its button names. `draft` is None, with `problem` to tell
    the person, for a button value Signoff did not write (a tampered request), a draft that does
    not exist, or another installation's draft (answered as if it did not exist)."""

    origin: Origin
    draft: Draft | None
    revision: int = 0
    sha256: str = ""
    problem: str = ""


async def _clicked(deps: BotDeps, body: dict, context: Any) -> Clicked:
    origin = click_origin(body, context)
    try:
        draft_id, revision, sha256 = parse_button_value((body.get("actions") or [{}])[0].get("value"))
    except NotOurValue as exc:
        log.info("unreadable button: %s", exc)
        return Clicked(origin, None, problem=replies.not_our_value())
    async with deps.sessionmaker() as session:
        try:
            draft: Draft | None = await queries.draft(session, draft_id)
        except UnknownDraft:
            draft = None
    if draft is None or (draft.team_id and draft.team_id != origin.installation):
        return Clicked(origin, None, problem=replies.not_our_value())
    return Clicked(origin, draft, revision, sha256)


async def _answer_refusal(ack: Any, deps: BotDeps, client: AsyncWebClient, origin: Origin, text: str) -> None:
    await ack()
    deps.background.spawn(tell(client, origin.channel, origin.user, text, origin.thread_ts), "refusal")


async def handle_approve(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    deps = deps_of(context)
    clicked = await _clicked(deps, body, context)
    origin, draft, revision, sha256 = clicked.origin, clicked.draft, clicked.revision, clicked.sha256
    if draft is None:
        await _answer_refusal(ack, deps, client, origin, clicked.problem)
        return
    permission = await check(
        deps, user=origin.user, installation=origin.installation, action="approve", draft_id=draft.id
    )
    if not permission.ok:
        await _answer_refusal(ack, deps, client, origin, permission.refusal or "")
        return
    async with deps.sessionmaker.begin() as session:
        decision = await decisions.approve(
            session,
            draft_id=draft.id,
            revision=revision,
            sha256=sha256,
            user_id=origin.user,
            now=deps.clock(),
            rule=deps.rule,
            undo_s=deps.undo_s,
        )
    await ack()
    deps.background.spawn(_after_approval(deps, client, origin, decision), "approve")


async def _after_approval(deps: BotDeps, client: AsyncWebClient, origin: Origin, decision: Outcome) -> None:
    if not decision.ok or decision.draft is None:
        await tell(
            client, origin.channel, origin.user, replies.refused(decision.reason, decision.draft), origin.thread_ts
        )
        return
    # Re-render before enqueueing, so the worker's later updates are never overwritten by ours.
    try:
        await show_draft(
            client, deps.sessionmaker, decision.draft.id, required=deps.rule.required, clicked_ts=origin.message_ts
        )
    finally:
        if decision.final and decision.job is not None:
            await enqueue_publish(deps, decision)
    if not decision.final:
        await tell(
            client,
            origin.channel,
            origin.user,
            replies.approval_counted(len(decision.approvers), deps.rule.required),
            origin.thread_ts,
        )


async def handle_call_off(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    """Undo an approval inside its window, or unschedule a publish, until publishing starts: the
    approvers and the requester may; recorded before Slack is answered, like Approve."""
    deps = deps_of(context)
    clicked = await _clicked(deps, body, context)
    origin, draft = clicked.origin, clicked.draft
    if draft is None:
        await _answer_refusal(ack, deps, client, origin, clicked.problem)
        return
    permission = await check(
        deps,
        user=origin.user,
        installation=origin.installation,
        action="undo",
        draft_id=draft.id,
        requester=draft.requester_id,
    )
    if not permission.ok:
        await _answer_refusal(ack, deps, client, origin, permission.refusal or "")
        return
    undone = scheduled_publish.held_for_undo(draft.publish_at, draft.decided_at)
    now = deps.clock()
    async with deps.sessionmaker.begin() as session:
        outcome = await scheduled_publish.call_off(
            session,
            draft_id=draft.id,
            user_id=origin.user,
            now=now,
            revision=clicked.revision,
            how="undone" if undone else "unscheduled",
            expires_at=expires_at_for(now, deps.draft_ttl_h),
        )
    await ack()
    from_home = (body.get("container") or {}).get("type") == "view"
    deps.background.spawn(_after_call_off(deps, client, origin, outcome, undone, from_home), "call off")


async def _after_call_off(
    deps: BotDeps, client: AsyncWebClient, origin: Origin, outcome: Outcome, undone: bool, from_home: bool
) -> None:
    if not outcome.ok or outcome.draft is None:
        await tell(
            client, origin.channel, origin.user, replies.refused(outcome.reason, outcome.draft), origin.thread_ts
        )
    else:
        await show_draft(
            client,
            deps.sessionmaker,
            outcome.draft.id,
            required=deps.rule.required,
            clicked_ts=origin.message_ts or None,
        )
        await say_mrkdwn_in_thread(
            client, deps.sessionmaker, outcome.draft.id, replies.called_off(outcome.draft.id, origin.user, undone)
        )
    if from_home:
        await publish_home(deps, client, origin.user, origin.installation)


async def enqueue_publish(deps: BotDeps, decision: Outcome) -> None:
    """At once, or deferred to the end of the Undo window (the sweep delivers it too, and a called-off
    job finds its outbox row done and sends nothing); a schedule is left to the sweep."""
    assert decision.job is not None and decision.draft is not None
    publish_at = decision.draft.publish_at
    if publish_at is None:
        await deps.queue.enqueue(decision.job)
    elif scheduled_publish.held_for_undo(publish_at, decision.draft.decided_at):
        await deps.queue.enqueue(decision.job, defer_s=max(0.0, (publish_at - deps.clock()).total_seconds()))


async def handle_accept_claims(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    """An approver vouches for claims no source supports: recorded (with its audit event) before
    Slack is answered, like Approve; the message is re-rendered after."""
    deps = deps_of(context)
    clicked = await _clicked(deps, body, context)
    origin, draft, revision, sha256 = clicked.origin, clicked.draft, clicked.revision, clicked.sha256
    if draft is None:
        await _answer_refusal(ack, deps, client, origin, clicked.problem)
        return
    permission = await check(
        deps, user=origin.user, installation=origin.installation, action="accept claims on", draft_id=draft.id
    )
    if not permission.ok:
        await _answer_refusal(ack, deps, client, origin, permission.refusal or "")
        return
    async with deps.sessionmaker.begin() as session:
        decision = await claims.accept(
            session,
            draft_id=draft.id,
            revision=revision,
            sha256=sha256,
            user_id=origin.user,
            now=deps.clock(),
            rule=deps.rule,
        )
    await ack()
    deps.background.spawn(_after_accepting(deps, client, origin, decision), "accept claims")


async def _after_accepting(deps: BotDeps, client: AsyncWebClient, origin: Origin, decision: Outcome) -> None:
    if not decision.ok:
        await tell(
            client, origin.channel, origin.user, replies.refused(decision.reason, decision.draft), origin.thread_ts
        )
        return
    await show_draft(
        client, deps.sessionmaker, decision.draft.id, required=deps.rule.required, clicked_ts=origin.message_ts
    )
    await tell(client, origin.channel, origin.user, replies.claims_accepted(decision.draft.id), origin.thread_ts)


async def modal_click(
    ack: Any, body: dict, client: AsyncWebClient, context: Any, action: str, *, requester_may: bool
) -> tuple[BotDeps, Origin, Draft, int] | None:
    """Permission for a button that opens a modal; None when refused (and answered)."""
    deps = deps_of(context)
    clicked = await _clicked(deps, body, context)
    origin, draft, revision = clicked.origin, clicked.draft, clicked.revision
    if draft is None:
        await _answer_refusal(ack, deps, client, origin, clicked.problem)
        return None
    permission = await check(
        deps,
        user=origin.user,
        installation=origin.installation,
        action=action,
        draft_id=draft.id,
        requester=draft.requester_id if requester_may else None,
    )
    if not permission.ok:
        await _answer_refusal(ack, deps, client, origin, permission.refusal or "")
        return None
    await ack()
    return deps, origin, draft, revision


async def handle_skip(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    clicked = await modal_click(ack, body, client, context, "skip", requester_may=True)
    if clicked is not None:
        _, origin, draft, revision = clicked
        meta = modals.metadata(draft.id, revision, origin.channel, origin.message_ts)
        await client.views_open(trigger_id=body["trigger_id"], view=modals.skip_modal(draft.id, meta))


async def handle_edit(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    clicked = await modal_click(ack, body, client, context, "edit", requester_may=True)
    if clicked is None:
        return
    deps, origin, draft, revision = clicked
    if draft.status not in EDITABLE or draft.current_revision != revision:
        await tell(
            client, origin.channel, origin.user, replies.cannot_change(draft, revision, "edit"), origin.thread_ts
        )
        return
    async with deps.sessionmaker() as session:
        current = await queries.revision(session, draft.id, revision)
    meta = modals.metadata(draft.id, revision, origin.channel, origin.message_ts)
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.edit_modal(draft.id, revision, current.text if current else "", meta)
    )


async def handle_regenerate(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    clicked = await modal_click(ack, body, client, context, "regenerate", requester_may=True)
    if clicked is None:
        return
    _, origin, draft, revision = clicked
    if draft.status not in REGENERABLE or (draft.status in EDITABLE and draft.current_revision != revision):
        await tell(
            client, origin.channel, origin.user, replies.cannot_change(draft, revision, "regenerate"), origin.thread_ts
        )
        return
    meta = modals.metadata(draft.id, revision, origin.channel, origin.message_ts)
    await client.views_open(trigger_id=body["trigger_id"], view=modals.regenerate_modal(draft.id, meta))


async def handle_schedule(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    clicked = await modal_click(ack, body, client, context, "approve", requester_may=False)
    if clicked is None:
        return
    deps, origin, draft, revision = clicked
    if draft.status != "pending" or draft.current_revision != revision:
        await tell(
            client, origin.channel, origin.user, replies.cannot_change(draft, revision, "schedule"), origin.thread_ts
        )
        return
    meta = modals.metadata(draft.id, revision, origin.channel, origin.message_ts)
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.schedule_modal(draft.id, revision, deps.timezone, meta)
    )


def register(app: AsyncApp) -> None:
    app.action(action_ids.APPROVE)(handle_approve)
    app.action(action_ids.CALL_OFF)(handle_call_off)
    app.action(action_ids.SKIP)(handle_skip)
    app.action(action_ids.EDIT)(handle_edit)
    app.action(action_ids.REGENERATE)(handle_regenerate)
    app.action(action_ids.SCHEDULE)(handle_schedule)
    app.action(action_ids.ACCEPT_CLAIMS)(handle_accept_claims)
