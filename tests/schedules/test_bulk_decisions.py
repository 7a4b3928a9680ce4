"""Bulk decisions from the digest, through the real worker (which posts the digest) and bot: each
shown draft is decided one by one under the usual rules, and the answer lists what was decided and
what was refused and why — four eyes, a draft changed since the digest, a stranger's click."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids
from launch.local_slack.server import Message
from launch.local_slack.stack import LocalStack
from storage import schedules
from storage.clock import utcnow
from tests.e2e.conftest import shows, wait_for_draft
from tests.schedules.test_e2e_schedules import run_minutely_cron


@pytest.fixture
async def stack(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE", "U_BOB"),
        signoff_sweep_interval_s=0.5,
        signoff_digest_schedule="off",
    ) as running:
        yield running


async def post_digest(stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]) -> Message:
    async with sessionmaker.begin() as session:
        await schedules.set_channel_config(
            session, channel_id="C_GENERAL", value={"schedule": "daily 00:00"}, user_id="U_ALICE", now=utcnow()
        )
    await run_minutely_cron(stack)
    found = await stack.slack.wait_for(
        lambda: [m for m in stack.slack.channel_messages("C_GENERAL") if "waiting for approval" in m.text], 30
    )
    digest: Message = found[0]
    return digest


def answers_to(stack: LocalStack, user: str) -> list[str]:
    return [
        e["text"]
        for e in stack.slack.ephemerals
        if e["user"] == user and ("Approved" in e["text"] or "Skipped" in e["text"])
    ]


async def test_approve_all_shown_decides_each_draft_under_the_usual_rules(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await stack.user("U_CAROL").slash("/draft", "carol one")
    await stack.user("U_CAROL").slash("/draft", "carol two")
    await stack.user("U_ALICE").slash("/draft", "alice's own")
    drafts = [await wait_for_draft(stack.slack, n) for n in (1, 2, 3)]
    digest = await post_digest(stack, sessionmaker)
    assert shows(digest, action_ids.APPROVE_SHOWN) and shows(digest, action_ids.SKIP_SHOWN)
    # Draft 2 changes after the digest was posted: its shown revision is no longer the current one.
    edit_modal = await _open_edit(stack, drafts[1])
    reply = await stack.user("U_BOB").submit_view(edit_modal, {"text_part_0": "A new text for the second draft."})
    assert reply.status == 200 and reply.body == "", reply.body
    await stack.slack.wait_for(lambda: shows(drafts[1], "revision 2"), 15)

    await stack.user("U_ALICE").click(digest, action_ids.APPROVE_SHOWN)
    answer = (await stack.slack.wait_for(lambda: answers_to(stack, "U_ALICE"), 15))[0]
    assert "*Approved 1*: #1" in answer
    assert "#2: Draft #2 changed after this message was shown" in answer
    assert "#3: You requested draft #3" in answer  # four eyes
    await stack.slack.wait_for(lambda: shows(drafts[0], "Published"), 20)
    assert shows(drafts[1], action_ids.APPROVE) and shows(drafts[2], action_ids.APPROVE)


async def test_skip_all_shown_and_a_strangers_click(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await stack.user("U_CAROL").slash("/draft", "one")
    await stack.user("U_CAROL").slash("/draft", "two")
    drafts = [await wait_for_draft(stack.slack, n) for n in (1, 2)]
    digest = await post_digest(stack, sessionmaker)

    await stack.user("U_MALLORY").click(digest, action_ids.SKIP_SHOWN)
    await stack.slack.wait_for(lambda: [e for e in stack.slack.ephemerals if e["user"] == "U_MALLORY"], 10)
    assert shows(drafts[0], action_ids.APPROVE) and shows(drafts[1], action_ids.APPROVE)

    await stack.user("U_BOB").click(digest, action_ids.SKIP_SHOWN)
    answer = (await stack.slack.wait_for(lambda: answers_to(stack, "U_BOB"), 15))[0]
    assert "*Skipped 2*: #1, #2" in answer
    await stack.slack.wait_for(lambda: all(not shows(d, action_ids.APPROVE) for d in drafts), 10)


async def _open_edit(stack: LocalStack, draft: Message) -> dict[str, Any]:
    opened = len(stack.slack.views)
    await stack.user("U_BOB").click(draft, action_ids.EDIT)
    view: dict[str, Any] = (await stack.slack.wait_for(lambda: stack.slack.views[opened:], 10))[0]
    return view
