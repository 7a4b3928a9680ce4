"""Button clicks on a draft message: who may decide, then one compare-and-set transaction."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot import action_ids, replies
from bot.blocks import draft_message, parse_button_value
from bot.deps import BotDeps
from bot.presenters import draft_view
from storage import decisions

log = logging.getLogger("signoff.bot.actions")


def _where(body: dict) -> tuple[str, str, str | None]:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    message = body.get("message") or {}
    return channel, message.get("ts", ""), message.get("thread_ts") or container.get("thread_ts")


async def _tell(client, body: dict, text: str) -> None:  # type: ignore[no-untyped-def]
    channel, _, thread_ts = _where(body)
    await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text,
                                    thread_ts=thread_ts)


async def _authorised(deps: BotDeps, client, body: dict, action: str, draft_id: int) -> bool:  # type: ignore[no-untyped-def]
    user = body["user"]["id"]
    if deps.may_decide(user):
        return True
    why = "no approvers configured" if not deps.approvers else "not an approver"
    async with deps.sessionmaker.begin() as session:
        await decisions.record_refusal(session, draft_id=draft_id, user_id=user, action=action, why=why,
                                       now=deps.clock())
    await _tell(client, body, replies.no_approvers_configured() if not deps.approvers
                else replies.not_an_approver(action))
    return False


async def _rerender(deps: BotDeps, client, channel: str, ts: str, draft) -> None:  # type: ignore[no-untyped-def]
    async with deps.sessionmaker() as session:
        text, blocks = draft_message(await draft_view(session, draft))
    await client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.action(action_ids.APPROVE)
    async def on_approve(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        draft_id, revision, sha256 = parse_button_value(body["actions"][0]["value"])
        if not await _authorised(deps, client, body, "approve", draft_id):
            return
        async with deps.sessionmaker.begin() as session:
            decision = await decisions.approve(session, draft_id=draft_id, revision=revision, sha256=sha256,
                                               user_id=body["user"]["id"], now=deps.clock())
        if not decision.ok:
            await _tell(client, body, replies.refused(decision.reason, decision.draft))
            return
        # Re-render before enqueueing, so the worker's later updates are never overwritten by ours.
        channel, ts, _ = _where(body)
        try:
            await _rerender(deps, client, channel, ts, decision.draft)
        finally:
            await deps.queue.enqueue(decisions.PUBLISH_JOB, decision.outbox_id, decision.job_id)

    @app.action(action_ids.SKIP)
    async def on_skip(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        draft_id, revision, _ = parse_button_value(body["actions"][0]["value"])
        if not await _authorised(deps, client, body, "skip", draft_id):
            return
        async with deps.sessionmaker.begin() as session:
            decision = await decisions.skip(session, draft_id=draft_id, revision=revision,
                                            user_id=body["user"]["id"], now=deps.clock())
        if not decision.ok:
            await _tell(client, body, replies.refused(decision.reason, decision.draft))
            return
        channel, ts, _ = _where(body)
        await _rerender(deps, client, channel, ts, decision.draft)

    @app.action(action_ids.EDIT)
    async def on_edit(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await _tell(client, body, replies.coming_soon("Editing"))

    @app.action(action_ids.REGENERATE)
    async def on_regenerate(ack, body, client) -> None:  # type: ignore[no-untyped-def]
        await ack()
        await _tell(client, body, replies.coming_soon("Regenerating"))

