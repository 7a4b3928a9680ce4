"""Modal submissions: Edit, Regenerate, Skip and Schedule. Validation errors are shown inside the
modal (`response_action: errors`); the decision is one transaction, committed before Slack is
answered; Slack is updated after the answer."""

from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import modals
from bot.blocks import replies
from bot.listeners.deps import BotDeps, deps_of
from bot.blocks.diff import change_summary, word_diff
from bot.parsing.draft_ids import NotOurValue
from bot.listeners.interaction import Permission, check, installation_of, tell
from bot.slack.notify import refresh_parent, say_mrkdwn_in_thread, show_draft
from bot.parsing.timeparse import TimeParseError, parse_when
from storage import decisions, edits, intake, queries
from storage.errors import UnknownDraft
from storage.models import Draft
from storage.transitions import Outcome

log = logging.getLogger("signoff.bot.listeners.views")
View = Callable[..., Awaitable[None]]


def answering_unreadable(block_id: str) -> Callable[[View], View]:
    """A submission whose metadata or state Signoff did not write is answered inside the dialog
    instead of failing the request."""

    def wrap(handler: View) -> View:
        @functools.wraps(handler)
        async def listener(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
            try:
                await handler(ack, body, view, client, context)
            except NotOurValue as exc:
                log.info("unreadable submission of %s: %s", view.get("callback_id"), exc)
                await ack(response_action="errors", errors={block_id: replies.not_our_value()})

        return listener

    return wrap


async def submitted(
    deps: BotDeps, body: dict, context: Any, meta: dict, action: str, *, requester_may: bool = True
) -> tuple[Draft | None, Permission | None]:
    """The draft the modal is about and the person's permission; (None, None) when the draft is
    gone or belongs to another installation."""
    installation = installation_of(context)
    async with deps.sessionmaker() as session:
        try:
            draft = await queries.draft(session, meta["draft_id"])
        except UnknownDraft:
            return None, None
    if draft.team_id and draft.team_id != installation:
        return None, None
    permission = await check(
        deps,
        user=body["user"]["id"],
        installation=installation,
        action=action,
        draft_id=draft.id,
        requester=draft.requester_id if requester_may else None,
    )
    return draft, permission


@answering_unreadable(f"{modals.TEXT_BLOCK_PREFIX}0")
async def handle_edit(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps, meta = deps_of(context), modals.parse_metadata(view.get("private_metadata"))
    first_block = f"{modals.TEXT_BLOCK_PREFIX}0"
    draft, permission = await submitted(deps, body, context, meta, "edit")
    if draft is None or permission is None or not permission.ok:
        await ack(
            response_action="errors",
            errors={first_block: permission.refusal if permission else replies.not_our_value()},
        )
        return
    text = modals.submitted_text(modals.state_values(view))
    async with deps.sessionmaker() as session:
        base = await queries.revision(session, meta["draft_id"], meta["revision"])
    if base is not None and base.text == text:
        await ack()
        deps.background.spawn(tell(client, meta["channel"], body["user"]["id"], replies.unchanged()))
        return
    details, blocked = (base.details if base else {}), list(permission.config.blocked_terms)
    verdict = deps.text_rules.check_edit(text, details, blocked)
    if not verdict.ok:
        await ack(response_action="errors", errors={first_block: " ".join(verdict.problems)[:1900]})
        return
    async with deps.sessionmaker.begin() as session:
        change = await edits.record_edit(
            session,
            draft_id=meta["draft_id"],
            base_revision=meta["revision"],
            text=text,
            user_id=body["user"]["id"],
            policy_ok=verdict.ok,
            problems=verdict.problems,
            now=deps.clock(),
            critique=deps.text_rules.review_edit(text, details, draft.topic, blocked),
        )
    if not change.ok:
        await ack(response_action="errors", errors={first_block: replies.refused(change.reason, change.draft)})
        return
    await ack()
    deps.background.spawn(_show_edit(deps, client, change, meta, body["user"]["id"], text), "edit")


async def _show_edit(deps: BotDeps, client: AsyncWebClient, change: Outcome, meta: dict, user: str, text: str) -> None:
    await show_draft(
        client, deps.sessionmaker, change.draft.id, required=deps.rule.required, clicked_ts=meta["message_ts"]
    )
    assert change.revision is not None
    await say_mrkdwn_in_thread(
        client,
        deps.sessionmaker,
        change.draft.id,
        f"✏️ <@{user}> edited draft #{change.draft.id} → revision "
        f"{change.revision.number} ({change_summary(change.previous_text or '', text)}):\n"
        + word_diff(change.previous_text or "", text),
    )


@answering_unreadable(modals.FEEDBACK_BLOCK)
async def handle_regenerate(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps, meta = deps_of(context), modals.parse_metadata(view.get("private_metadata"))
    draft, permission = await submitted(deps, body, context, meta, "regenerate")
    if draft is None or permission is None or not permission.ok:
        await ack(
            response_action="errors",
            errors={modals.FEEDBACK_BLOCK: permission.refusal if permission else replies.not_our_value()},
        )
        return
    feedback = modals.submitted_optional(modals.state_values(view), modals.FEEDBACK_BLOCK)
    async with deps.sessionmaker.begin() as session:
        change = await edits.request_regenerate(
            session,
            draft_id=meta["draft_id"],
            base_revision=meta["revision"],
            feedback=feedback,
            user_id=body["user"]["id"],
            now=deps.clock(),
        )
    if not change.ok:
        await ack(
            response_action="errors",
            errors={modals.FEEDBACK_BLOCK: replies.cannot_change(change.draft, meta["revision"], "regenerate")},
        )
        return
    await ack()
    deps.background.spawn(start_regeneration(deps, client, change), "regenerate")


@answering_unreadable(modals.REASON_BLOCK)
async def handle_skip(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps, meta = deps_of(context), modals.parse_metadata(view.get("private_metadata"))
    draft, permission = await submitted(deps, body, context, meta, "skip")
    if draft is None or permission is None or not permission.ok:
        await ack(
            response_action="errors",
            errors={modals.REASON_BLOCK: permission.refusal if permission else replies.not_our_value()},
        )
        return
    reason = modals.submitted_optional(modals.state_values(view), modals.REASON_BLOCK)
    async with deps.sessionmaker.begin() as session:
        decision = await decisions.skip(
            session,
            draft_id=meta["draft_id"],
            revision=meta["revision"],
            user_id=body["user"]["id"],
            now=deps.clock(),
            reason=reason,
        )
    if not decision.ok:
        await ack(
            response_action="errors", errors={modals.REASON_BLOCK: replies.refused(decision.reason, decision.draft)}
        )
        return
    await ack()
    deps.background.spawn(_show_decided(deps, client, decision.draft.id, meta["message_ts"]), "skip")


async def _show_decided(deps: BotDeps, client: AsyncWebClient, draft_id: int, clicked_ts: str) -> None:
    await show_draft(client, deps.sessionmaker, draft_id, required=deps.rule.required, clicked_ts=clicked_ts)
    await refresh_parent(client, deps.sessionmaker, draft_id)


@answering_unreadable(modals.WHEN_BLOCK)
async def handle_schedule(ack: Any, body: dict, view: dict, client: AsyncWebClient, context: Any) -> None:
    deps, meta = deps_of(context), modals.parse_metadata(view.get("private_metadata"))
    draft, permission = await submitted(deps, body, context, meta, "approve", requester_may=False)
    if draft is None or permission is None or not permission.ok:
        await ack(
            response_action="errors",
            errors={modals.WHEN_BLOCK: permission.refusal if permission else replies.not_our_value()},
        )
        return
    user, now = body["user"]["id"], deps.clock()
    try:
        when = parse_when(
            modals.submitted_optional(modals.state_values(view), modals.WHEN_BLOCK) or "", now=now, tz=deps.timezone
        )
    except TimeParseError as exc:
        await ack(response_action="errors", errors={modals.WHEN_BLOCK: str(exc)})
        return
    if when <= now:
        await ack(response_action="errors", errors={modals.WHEN_BLOCK: "Pick a time in the future."})
        return
    async with deps.sessionmaker.begin() as session:
        revision = await queries.revision(session, draft.id, meta["revision"])
        decision = await decisions.approve(
            session,
            draft_id=draft.id,
            revision=meta["revision"],
            sha256=revision.sha256 if revision else "",
            user_id=user,
            now=now,
            rule=deps.rule,
            publish_at=when,
        )
    if not decision.ok:
        await ack(
            response_action="errors", errors={modals.WHEN_BLOCK: replies.refused(decision.reason, decision.draft)}
        )
        return
    await ack()
    deps.background.spawn(
        show_draft(client, deps.sessionmaker, draft.id, required=deps.rule.required, clicked_ts=meta["message_ts"]),
        "schedule",
    )


async def start_regeneration(deps: BotDeps, client: AsyncWebClient, change: Outcome) -> None:
    """Show that a new revision is coming, then hand the run to the worker."""
    try:
        # Only update a draft message that exists: if the worker has not stored its ts yet, it
        # will post the message itself, and posting here too would make two.
        if change.draft.message_ts:
            await show_draft(client, deps.sessionmaker, change.draft.id, required=deps.rule.required)
        await refresh_parent(client, deps.sessionmaker, change.draft.id)
    finally:
        if change.job is not None:
            await deps.queue.enqueue(change.job)


def register(app: AsyncApp) -> None:
    app.view(modals.EDIT_VIEW)(handle_edit)
    app.view(modals.REGENERATE_VIEW)(handle_regenerate)
    app.view(modals.SKIP_VIEW)(handle_skip)
    app.view(modals.SCHEDULE_VIEW)(handle_schedule)
