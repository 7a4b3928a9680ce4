"""Slack's real payload variants, sent through the real bot server: whatever team a payload carries
(none in an org-wide install, the other organisation's in a Slack Connect channel), the settings of
the installation the request came through apply; replies with a subtype are replies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Draft
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.slack_fixtures import click_payload, command_form, event_payload, view_payload

# (shape of the commands, variant of the click, variant of the modal submission)
INSTALLS = {
    "workspace": ("workspace", "workspace", "workspace"),
    "org-wide install": ("org_wide", "org_wide", "org_wide"),
    "Slack Connect channel": ("workspace", "slack_connect", "slack_connect"),
    "ephemeral container": ("workspace", "ephemeral", "workspace"),
    "no channel in the body": ("workspace", "no_channel", "workspace"),
}


@pytest.fixture
async def stack(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE", "U_BOB"),
        signoff_admins=["U_ADMIN"],
        signoff_sweep_interval_s=0.5,
    ) as running:
        yield running


async def _draft_row(database_url: str) -> Draft:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return (await session.scalars(select(Draft))).one()
    finally:
        await engine.dispose()


async def _refusals(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return [e.detail for e in await session.scalars(select(AuditEvent).where(AuditEvent.kind == "refused"))]
    finally:
        await engine.dispose()


async def _command(stack: LocalStack, shape: str, command: str, text: str, user: str) -> str:
    reply = await stack.user(user).send_form(command_form(shape, command=command, text=text, user=user))
    assert reply.status == 200, reply.body
    answer: str = reply.json()["text"]
    return answer


@pytest.mark.parametrize("install", INSTALLS)
async def test_an_approver_removed_by_config_is_refused_whatever_team_the_click_carries(
    stack: LocalStack, database_url: str, install: str
) -> None:
    commands, click, _ = INSTALLS[install]
    assert "Saved" in await _command(stack, commands, "/signoff", "config set approvers U_BOB", "U_ADMIN")
    await _command(stack, commands, "/draft", "our shared launch", "U_CAROL")
    draft = await wait_for_draft(stack.slack)

    alice = stack.user("U_ALICE")
    reply = await alice.send_interaction(
        click_payload(click, user="U_ALICE", message=draft, action_id=action_ids.APPROVE)
    )
    assert reply.status == 200
    refused = await stack.slack.wait_for(lambda: [e for e in stack.slack.ephemerals if e.get("user") == "U_ALICE"])
    assert "not allowed to approve" in refused[0]["text"]
    assert (await _draft_row(database_url)).status == "pending"
    assert [r["action"] for r in await _refusals(database_url)] == ["approve"]

    reply = await stack.user("U_BOB").send_interaction(
        click_payload(click, user="U_BOB", message=draft, action_id=action_ids.APPROVE)
    )
    assert reply.status == 200
    await stack.slack.wait_for(lambda: shows(draft, "Approved* by <@U_BOB>"), 15)


@pytest.mark.parametrize("install", ["workspace", "org-wide install", "Slack Connect channel"])
async def test_a_configured_blocked_term_stops_an_edit_whatever_team_the_modal_carries(
    stack: LocalStack, install: str
) -> None:
    commands, click, submission = INSTALLS[install]
    assert "Saved" in await _command(stack, commands, "/signoff", "config set blocked_terms moonshot", "U_ADMIN")
    await _command(stack, commands, "/draft", "our roadmap", "U_CAROL")
    draft = await wait_for_draft(stack.slack)
    before = len(stack.slack.views)
    await stack.user("U_ALICE").send_interaction(
        click_payload(click, user="U_ALICE", message=draft, action_id=action_ids.EDIT)
    )
    modal = (await stack.slack.wait_for(lambda: stack.slack.views[before:], 10))[0]
    reply = await stack.user("U_ALICE").send_interaction(
        view_payload(submission, user="U_ALICE", view=modal, values={"text_part_0": "Our moonshot ships next week."})
    )
    assert reply.status == 200
    answer = reply.json()
    assert answer.get("response_action") == "errors" and "moonshot" in str(answer["errors"])


@pytest.mark.parametrize("variant", ["thread_reply", "thread_broadcast", "file_share", "slack_connect_reply"])
async def test_a_persons_reply_in_the_thread_is_feedback_whatever_its_subtype(stack: LocalStack, variant: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "release notes")
    draft = await wait_for_draft(stack.slack)
    text = f"<@{stack.slack.bot_user_id}> shorter please"
    ts = stack.slack.add_user_message(draft.channel, text, user="U_ALICE", thread_ts=draft.thread_ts)
    reply = await stack.user("U_ALICE").send_event(
        event_payload(variant, user="U_ALICE", channel=draft.channel, thread_ts=draft.thread_ts or "", ts=ts, text=text)
    )
    assert reply.status == 200
    await stack.slack.wait_for(lambda: [r for r in stack.slack.reactions if r.get("timestamp") == ts], 10)
    await stack.slack.wait_for(lambda: shows(draft, "revision 2"), 20)


@pytest.mark.parametrize("variant", ["message_changed", "bot_message"])
async def test_edits_and_bot_posts_in_the_thread_are_not_feedback(stack: LocalStack, variant: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "release notes")
    draft = await wait_for_draft(stack.slack)
    text = f"<@{stack.slack.bot_user_id}> shorter please"
    ts = stack.slack.add_user_message(draft.channel, text, user="U_ALICE", thread_ts=draft.thread_ts)
    reply = await stack.user("U_ALICE").send_event(
        event_payload(variant, user="U_ALICE", channel=draft.channel, thread_ts=draft.thread_ts or "", ts=ts, text=text)
    )
    assert reply.status == 200
    await asyncio.sleep(1.0)
    assert not stack.slack.reactions and not stack.slack.ephemerals
    assert shows(draft, "revision 1")
