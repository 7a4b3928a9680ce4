"""Undo: after the approval that suffices, publishing waits SIGNOFF_UNDO_S with an Undo button;
Undo inside the window returns the draft to pending, audited, and nothing reaches any destination.
After the window (the publish job started) Undo is refused. Destinations here are a local webhook
receiver, so "nothing was sent" is counted on the wire."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids
from launch.local_slack.server import Message
from launch.local_slack.stack import LocalStack
from storage.models import Approval, AuditEvent, Publication
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.test_webhook_publish import Receiver

SECRET = "whsec-undo-secret"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    runner = await hook.start()
    yield hook
    await runner.cleanup()


def stack_with_undo(database_url: str, redis_url: str, receiver: Receiver, undo_s: float) -> LocalStack:
    return LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        signoff_destinations=["webhook"],
        signoff_undo_s=undo_s,
        signoff_sweep_interval_s=0.5,
    )


def thread_text(stack: LocalStack, draft: Message) -> str:
    assert draft.thread_ts is not None
    return " ".join(m.text or "" for m in stack.slack.thread(draft.channel, draft.thread_ts))


async def test_undo_inside_the_window_sends_nothing_and_the_draft_can_be_approved_again(
    database_url: str, redis_url: str, receiver: Receiver, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with stack_with_undo(database_url, redis_url, receiver, undo_s=4) as stack:
        await stack.user("U_CAROL").slash("/draft", "undo me")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, "Undo stops it"), 10)
        await stack.user("U_BOB").click(draft, action_ids.CALL_OFF)
        await stack.slack.wait_for(lambda: "undid the approval" in thread_text(stack, draft), 10)
        assert shows(draft, action_ids.APPROVE) and not shows(draft, action_ids.CALL_OFF)
        await asyncio.sleep(5)  # past the window: the deferred job and the sweep both had their turn
        assert receiver.hits == []
        async with sessionmaker() as session:
            assert list(await session.scalars(select(Publication))) == []
            assert list(await session.scalars(select(Approval))) == []  # approvals of the revision forgotten
            undone = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "publish_cancelled"))
        assert undone is not None and undone.actor == "U_BOB" and undone.detail["how"] == "undone"
        # The same approver approves again; this time the window passes and the post goes out once.
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: "Published" in str(draft.blocks), 20)
    assert len(receiver.hits) == 1


async def test_undo_after_publishing_started_is_refused(database_url: str, redis_url: str, receiver: Receiver) -> None:
    async with stack_with_undo(database_url, redis_url, receiver, undo_s=1) as stack:
        await stack.user("U_CAROL").slash("/draft", "too late")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, action_ids.CALL_OFF), 10)
        as_shown = copy.deepcopy(draft)  # the Undo button someone still sees on a stale screen
        await stack.slack.wait_for(lambda: "Published" in str(draft.blocks), 20)
        assert not shows(draft, action_ids.CALL_OFF)
        await stack.user("U_ALICE").click(as_shown, action_ids.CALL_OFF)
        note = await stack.slack.wait_for(lambda: [e for e in stack.slack.ephemerals if "Too late" in e["text"]], 10)
        assert note[0]["user"] == "U_ALICE"
    assert len(receiver.hits) == 1


async def test_a_stranger_cannot_undo(database_url: str, redis_url: str, receiver: Receiver) -> None:
    async with stack_with_undo(database_url, redis_url, receiver, undo_s=3) as stack:
        await stack.user("U_CAROL").slash("/draft", "not yours")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, action_ids.CALL_OFF), 10)
        await stack.user("U_MALLORY").click(draft, action_ids.CALL_OFF)
        await stack.slack.wait_for(lambda: [e for e in stack.slack.ephemerals if e["user"] == "U_MALLORY"], 10)
        await stack.slack.wait_for(lambda: "Published" in str(draft.blocks), 20)
    assert len(receiver.hits) == 1


async def test_without_an_undo_window_approval_publishes_at_once(
    database_url: str, redis_url: str, receiver: Receiver
) -> None:
    async with stack_with_undo(database_url, redis_url, receiver, undo_s=0) as stack:
        await stack.user("U_CAROL").slash("/draft", "straight out")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: "Published" in str(draft.blocks), 20)
        assert not shows(draft, action_ids.CALL_OFF)
    assert len(receiver.hits) == 1
