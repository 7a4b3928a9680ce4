"""Modal submissions: Edit, Regenerate and Skip. Validation errors are shown inside the modal
(`response_action: errors`); the decision is one transaction; Slack is updated after the ack."""
from __future__ import annotations

import functools
import logging
from typing import Awaitable, Callable

from slack_bolt.async_app import AsyncApp

from bot import modals, replies
from bot.deps import BotDeps
from bot.diff import change_summary, word_diff
from bot.draft_ids import NotOurValue
from bot.edit_policy import check_edit
from bot.effective import effective
from bot.interaction import permitted, tell
from bot.notify import refresh_parent, say_mrkdwn_in_thread, show_draft
from bot.timeparse import TimeParseError, parse_when
from storage import decisions, edits, intake, queries
from storage.errors import UnknownDraft

log = logging.getLogger("signoff.bot.views")
View = Callable[..., Awaitable[None]]


def answering_unreadable(block_id: str) -> Callable[[View], View]:
    """A submission whose metadata or state Signoff did not write (or whose draft does not exist)
    is answered inside the dialog instead of failing the request."""
    def wrap(handler: View) -> View:
        @functools.wraps(handler)
        async def listener(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
            try:
                await handler(ack, body, view, client)
            except (NotOurValue, UnknownDraft) as exc:
                log.info("unreadable submission of %s: %s", view.get("callback_id"), exc)
                await ack(response_action="errors", errors={block_id: replies.not_our_value()})
        return listener
    return wrap


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def allowed(body: dict, client, meta: dict, action: str):  # type: ignore[no-untyped-def]
        async with deps.sessionmaker() as session:
            draft = await queries.draft(session, meta["draft_id"])
        return await permitted(deps, client, user=body["user"]["id"], team=(body.get("team") or {}).get("id", ""),
                               action=action, draft_id=draft.id, channel=meta["channel"], thread_ts=draft.parent_ts,
                               requester=draft.requester_id)

    @app.view(modals.EDIT_VIEW)
    @answering_unreadable(f"{modals.TEXT_BLOCK_PREFIX}0")
    async def on_edit(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        meta = modals.parse_metadata(view.get("private_metadata"))
        first_block = f"{modals.TEXT_BLOCK_PREFIX}0"
        if await allowed(body, client, meta, "edit") is None:
            await ack(response_action="errors", errors={first_block: replies.not_an_approver("edit")})
            return
        text = modals.submitted_text(modals.state_values(view))
        async with deps.sessionmaker() as session:
            config = await effective(deps, session, (body.get("team") or {}).get("id", ""))
            base = await queries.revision(session, meta["draft_id"], meta["revision"])
        if base is not None and base.text == text:
            await ack()
            deps.background.spawn(tell(client, meta["channel"], body["user"]["id"], replies.unchanged()))
            return
        verdict = check_edit(text, base.details if base else {}, list(config.blocked_terms))
        if not verdict.ok:
            await ack(response_action="errors", errors={first_block: " ".join(verdict.problems)[:1900]})
            return
        async with deps.sessionmaker.begin() as session:
            change = await edits.record_edit(session, draft_id=meta["draft_id"], base_revision=meta["revision"],
                                             text=text, user_id=body["user"]["id"], policy_ok=verdict.ok,
                                             problems=verdict.problems, now=deps.clock())
        if not change.ok:
            await ack(response_action="errors", errors={first_block: replies.refused(change.reason, change.draft)})
            return
        await ack()

        async def show_edit() -> None:
            await show_draft(client, deps.sessionmaker, change.draft.id, required=deps.rule.required,
                             clicked_ts=meta["message_ts"])
            await say_mrkdwn_in_thread(client, deps.sessionmaker, change.draft.id,
                                       f"✏️ <@{body['user']['id']}> edited draft #{change.draft.id} → revision "
                                       f"{change.revision.number} ({change_summary(change.previous_text or '', text)}):\n"
                                       + word_diff(change.previous_text or "", text))

        deps.background.spawn(show_edit(), "edit")

    @app.view(modals.REGENERATE_VIEW)
    @answering_unreadable(modals.FEEDBACK_BLOCK)
    async def on_regenerate(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        meta = modals.parse_metadata(view.get("private_metadata"))
        if await allowed(body, client, meta, "regenerate") is None:
            await ack(response_action="errors", errors={modals.FEEDBACK_BLOCK: replies.not_an_approver("regenerate")})
            return
        feedback = modals.submitted_optional(modals.state_values(view), modals.FEEDBACK_BLOCK)
        async with deps.sessionmaker.begin() as session:
            change = await edits.request_regenerate(session, draft_id=meta["draft_id"], base_revision=meta["revision"],
                                                    feedback=feedback, user_id=body["user"]["id"], now=deps.clock())
        if not change.ok:
            await ack(response_action="errors",
                      errors={modals.FEEDBACK_BLOCK: replies.cannot_change(change.draft, meta["revision"], "regenerate")})
            return
        await ack()
        deps.background.spawn(start_regeneration(deps, client, change), "regenerate")

    @app.view(modals.SKIP_VIEW)
    @answering_unreadable(modals.REASON_BLOCK)
    async def on_skip(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        meta = modals.parse_metadata(view.get("private_metadata"))
        if await allowed(body, client, meta, "skip") is None:
            await ack(response_action="errors", errors={modals.REASON_BLOCK: replies.not_an_approver("skip")})
            return
        reason = modals.submitted_optional(modals.state_values(view), modals.REASON_BLOCK)
        async with deps.sessionmaker.begin() as session:
            decision = await decisions.skip(session, draft_id=meta["draft_id"], revision=meta["revision"],
                                            user_id=body["user"]["id"], now=deps.clock(), reason=reason)
        if not decision.ok:
            await ack(response_action="errors",
                      errors={modals.REASON_BLOCK: replies.refused(decision.reason, decision.draft)})
            return
        await ack()

        async def show_skip() -> None:
            await show_draft(client, deps.sessionmaker, decision.draft.id, required=deps.rule.required,
                             clicked_ts=meta["message_ts"])
            await refresh_parent(client, deps.sessionmaker, decision.draft.id)

        deps.background.spawn(show_skip(), "skip")


def register_schedule(app: AsyncApp, deps: BotDeps) -> None:
    @app.view(modals.SCHEDULE_VIEW)
    @answering_unreadable(modals.WHEN_BLOCK)
    async def on_schedule(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        meta = modals.parse_metadata(view.get("private_metadata"))
        async with deps.sessionmaker() as session:
            draft = await queries.draft(session, meta["draft_id"])
            config = await effective(deps, session, (body.get("team") or {}).get("id", ""))
        user, now = body["user"]["id"], deps.clock()
        if not config.may_decide(user):
            await ack(response_action="errors", errors={modals.WHEN_BLOCK: replies.not_an_approver("approve")})
            return
        try:
            when = parse_when(modals.submitted_optional(modals.state_values(view), modals.WHEN_BLOCK) or "",
                              now=now, tz=deps.timezone)
        except TimeParseError as exc:
            await ack(response_action="errors", errors={modals.WHEN_BLOCK: str(exc)})
            return
        if when <= now:
            await ack(response_action="errors", errors={modals.WHEN_BLOCK: "Pick a time in the future."})
            return
        revision = await _revision_sha(deps, draft.id, meta["revision"])
        async with deps.sessionmaker.begin() as session:
            decision = await decisions.approve(session, draft_id=draft.id, revision=meta["revision"], sha256=revision,
                                               user_id=user, now=now, rule=deps.rule, publish_at=when)
        if not decision.ok:
            await ack(response_action="errors",
                      errors={modals.WHEN_BLOCK: replies.refused(decision.reason, decision.draft)})
            return
        await ack()
        deps.background.spawn(show_draft(client, deps.sessionmaker, draft.id, required=deps.rule.required,
                                         clicked_ts=meta["message_ts"]), "schedule")


async def _revision_sha(deps: BotDeps, draft_id: int, number: int) -> str:
    async with deps.sessionmaker() as session:
        revision = await queries.revision(session, draft_id, number)
    return revision.sha256 if revision else ""


async def start_regeneration(deps: BotDeps, client, change: edits.ContentChange) -> None:  # type: ignore[no-untyped-def]
    """Show that a new revision is coming, then hand the run to the worker."""
    try:
        # Only update a draft message that exists: if the worker has not stored its ts yet, it
        # will post the message itself, and posting here too would make two.
        if change.draft.message_ts:
            await show_draft(client, deps.sessionmaker, change.draft.id, required=deps.rule.required)
        await refresh_parent(client, deps.sessionmaker, change.draft.id)
    finally:
        await deps.queue.enqueue(intake.RUN_JOB, change.outbox_id or 0, change.job_id or "")
