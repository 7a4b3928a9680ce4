"""Bulk decisions from a digest: "Approve all shown" / "Skip all shown". Each shown draft is decided
one by one under the usual rules (four eyes, N approvals, the revision the digest showed — a draft
that changed since is refused like a stale button), each in its own transaction, all recorded before
Slack is answered; the clicker then gets one answer listing what was decided and what was refused."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import action_ids, replies
from bot.blocks.bulk import Shown, bulk_answer, parse_shown
from bot.listeners.actions import enqueue_publish
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.interaction import Origin, check, click_origin, tell
from bot.parsing.draft_ids import NotOurValue
from bot.slack.notify import show_draft
from storage import decisions, queries
from storage.errors import UnknownDraft
from storage.models import Draft
from storage.transitions import Outcome, Refusal, refused

log = logging.getLogger("signoff.bot.listeners.bulk")


async def handle_approve_shown(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await _bulk(ack, body, client, context, approve=True)


async def handle_skip_shown(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await _bulk(ack, body, client, context, approve=False)


async def _bulk(ack: Any, body: dict, client: AsyncWebClient, context: Any, *, approve: bool) -> None:
    deps, origin = deps_of(context), click_origin(body, context)
    try:
        shown = parse_shown((body.get("actions") or [{}])[0].get("value"))
    except NotOurValue as exc:
        log.info("unreadable bulk button: %s", exc)
        await ack()
        deps.background.spawn(tell(client, origin.channel, origin.user, replies.not_our_value()), "refusal")
        return
    permission = await check(
        deps, user=origin.user, installation=origin.installation, action="approve" if approve else "skip", draft_id=None
    )
    if not permission.ok:
        await ack()
        deps.background.spawn(tell(client, origin.channel, origin.user, permission.refusal or ""), "refusal")
        return
    outcomes = [(item[0], await _decide(deps, origin, item, approve=approve)) for item in shown]
    await ack()
    deps.background.spawn(_after(deps, client, origin, outcomes, approve=approve), "bulk decision")


async def _decide(deps: BotDeps, origin: Origin, item: Shown, *, approve: bool) -> Outcome:
    draft_id, revision, prefix = item
    async with deps.sessionmaker.begin() as session:
        try:
            draft = await queries.draft(session, draft_id)
        except UnknownDraft:
            return refused(Refusal.already_decided)
        if draft.team_id and draft.team_id != origin.installation:
            return refused(Refusal.already_decided)  # another installation's draft: as if it did not exist
        shown_revision = await queries.revision(session, draft_id, revision)
        if shown_revision is None or not shown_revision.sha256.startswith(prefix):
            return refused(Refusal.hash_mismatch, draft)
        if approve:
            return await decisions.approve(
                session,
                draft_id=draft_id,
                revision=revision,
                sha256=shown_revision.sha256,
                user_id=origin.user,
                now=deps.clock(),
                rule=deps.rule,
                undo_s=deps.undo_s,
            )
        return await decisions.skip(
            session,
            draft_id=draft_id,
            revision=revision,
            user_id=origin.user,
            now=deps.clock(),
            reason="skipped with the digest's Skip all shown",
        )


async def _after(
    deps: BotDeps, client: AsyncWebClient, origin: Origin, outcomes: list[tuple[int, Outcome]], *, approve: bool
) -> None:
    decided: list[int] = []
    counted: list[int] = []
    refusals: list[tuple[int, Refusal | None, Draft | None]] = []
    for draft_id, outcome in outcomes:
        if outcome.ok and outcome.draft is not None:
            (decided if outcome.final else counted).append(draft_id)
            await show_draft(client, deps.sessionmaker, draft_id, required=deps.rule.required)
            if approve and outcome.final and outcome.job is not None:
                await enqueue_publish(deps, outcome)
        else:
            refusals.append((draft_id, outcome.reason, outcome.draft))
    await tell(
        client,
        origin.channel,
        origin.user,
        bulk_answer("approved" if approve else "skipped", decided, refusals, counted=counted),
    )


def register(app: AsyncApp) -> None:
    app.action(action_ids.APPROVE_SHOWN)(handle_approve_shown)
    app.action(action_ids.SKIP_SHOWN)(handle_skip_shown)
