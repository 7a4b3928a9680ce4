"""Button clicks on a draft message. Every handler acks first; modals open before any slow work
(a trigger_id lives 3 s); decisions are one compare-and-set transaction in storage."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot import action_ids, modals, replies
from bot.background import acked
from bot.blocks import parse_button_value
from bot.deps import BotDeps
from bot.draft_ids import NotOurValue
from bot.interaction import permitted, team_of, tell, where
from bot.notify import show_draft
from storage import decisions, queries
from storage.edits import EDITABLE, REGENERABLE
from storage.errors import UnknownDraft

log = logging.getLogger("signoff.bot.actions")


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def context_of(body: dict, client, action: str, *, requester_may: bool = False):  # type: ignore[no-untyped-def]
        channel, ts, thread_ts = where(body)
        try:
            draft_id, revision, sha256 = parse_button_value(body["actions"][0].get("value"))
            async with deps.sessionmaker() as session:
                draft = await queries.draft(session, draft_id)
        except (NotOurValue, UnknownDraft) as exc:
            log.info("unreadable %s button: %s", action, exc)
            await tell(client, channel, body["user"]["id"], replies.not_our_value(), thread_ts)
            return None, None, 0, "", channel, ts, thread_ts
        config = await permitted(deps, client, user=body["user"]["id"], team=team_of(body), action=action,
                                 draft_id=draft_id, channel=channel, thread_ts=thread_ts,
                                 requester=draft.requester_id if requester_may else None)
        return config, draft, revision, sha256, channel, ts, thread_ts

    async def approve(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        config, draft, revision, sha256, channel, ts, thread_ts = await context_of(body, client, "approve")
        if config is None:
            return
        user = body["user"]["id"]
        async with deps.sessionmaker.begin() as session:
            decision = await decisions.approve(session, draft_id=draft.id, revision=revision, sha256=sha256,
                                               user_id=user, now=deps.clock(), rule=deps.rule)
        if not decision.ok:
            await tell(client, channel, user, replies.refused(decision.reason, decision.draft), thread_ts)
            return
        # Re-render before enqueueing, so the worker's later updates are never overwritten by ours.
        try:
            await show_draft(client, deps.sessionmaker, draft.id, required=deps.rule.required, clicked_ts=ts)
        finally:
            if decision.final and decision.outbox_id and decision.draft.publish_at is None:
                await deps.queue.enqueue(decisions.PUBLISH_JOB, decision.outbox_id, decision.job_id or "")
        if not decision.final:
            await tell(client, channel, user, replies.approval_counted(len(decision.approvers),
                                                                       deps.rule.required), thread_ts)

    async def skip(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        config, draft, revision, _, channel, ts, thread_ts = await context_of(body, client, "skip",
                                                                              requester_may=True)
        if config is not None:
            meta = modals.metadata(draft.id, revision, channel, ts)
            await client.views_open(trigger_id=body["trigger_id"], view=modals.skip_modal(draft.id, meta))

    async def edit(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        config, draft, revision, _, channel, ts, thread_ts = await context_of(body, client, "edit",
                                                                              requester_may=True)
        if config is None:
            return
        user = body["user"]["id"]
        if draft.status not in EDITABLE or draft.current_revision != revision:
            await tell(client, channel, user, replies.cannot_change(draft, revision, "edit"), thread_ts)
            return
        async with deps.sessionmaker() as session:
            current = await queries.revision(session, draft.id, revision)
        meta = modals.metadata(draft.id, revision, channel, ts)
        await client.views_open(trigger_id=body["trigger_id"],
                                view=modals.edit_modal(draft.id, revision, current.text if current else "", meta))

    async def regenerate(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        config, draft, revision, _, channel, ts, thread_ts = await context_of(body, client, "regenerate",
                                                                              requester_may=True)
        if config is None:
            return
        if draft.status not in REGENERABLE or (draft.status in EDITABLE and draft.current_revision != revision):
            await tell(client, channel, body["user"]["id"], replies.cannot_change(draft, revision, "regenerate"),
                       thread_ts)
            return
        meta = modals.metadata(draft.id, revision, channel, ts)
        await client.views_open(trigger_id=body["trigger_id"], view=modals.regenerate_modal(draft.id, meta))

    async def schedule(body: dict, client) -> None:  # type: ignore[no-untyped-def]
        config, draft, revision, _, channel, ts, thread_ts = await context_of(body, client, "approve")
        if config is None:
            return
        if draft.status != "pending" or draft.current_revision != revision:
            await tell(client, channel, body["user"]["id"], replies.cannot_change(draft, revision, "schedule"),
                       thread_ts)
            return
        meta = modals.metadata(draft.id, revision, channel, ts)
        await client.views_open(trigger_id=body["trigger_id"],
                                view=modals.schedule_modal(draft.id, revision, deps.timezone, meta))

    for action_id, work in ((action_ids.APPROVE, approve), (action_ids.SKIP, skip), (action_ids.EDIT, edit),
                            (action_ids.REGENERATE, regenerate), (action_ids.SCHEDULE, schedule)):
        app.action(action_id)(acked(deps.background, work))
