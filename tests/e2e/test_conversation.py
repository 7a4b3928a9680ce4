"""The approval conversation: edit, regenerate, reply-to-rewrite, roles, stale renderings."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids
from bot.slack.client import build_slack_client
from bot.slack.notify import show_draft
from launch.local_slack.server import Message
from launch.local_slack.stack import LocalStack
from storage import schedules
from storage.clock import utcnow
from storage.redaction import Redactor
from tests.e2e.conftest import shows, wait_for_draft


def body_text(message) -> str:  # type: ignore[no-untyped-def]
    return "".join(
        b["text"]["text"] for b in message.blocks if b["type"] == "section" and b["text"]["type"] == "plain_text"
    )


async def open_modal(stack: LocalStack, user: str, message: Message, action: str) -> dict[str, Any]:
    before = len(stack.slack.views)
    await stack.user(user).click(message, action)
    views = await stack.slack.wait_for(lambda: stack.slack.views[before:], 10)
    view: dict[str, Any] = views[0]
    return view


def thread_notes(stack: LocalStack, draft) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in stack.slack.thread(draft.channel, draft.thread_ts) if not m.blocks]


async def test_edit_makes_a_new_revision_updated_in_place_with_a_diff(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "our new search")
    draft = await wait_for_draft(stack.slack)
    modal = await open_modal(stack, "U_ALICE", draft, action_ids.EDIT)
    assert modal["blocks"][1]["element"]["initial_value"] == body_text(draft)
    reply = await stack.user("U_ALICE").submit_view(modal, {"text_part_0": "Search is 3x faster now. Try it!"})
    assert reply.status == 200 and reply.body == ""
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 2"), 10)
    assert body_text(draft) == "Search is 3x faster now. Try it!"
    notes = await stack.slack.wait_for(lambda: thread_notes(stack, draft), 10)
    assert "edited draft #1 → revision 2" in notes[0] and "*Search is 3x faster now. Try it!*" in notes[0]


async def test_edit_that_breaks_policy_is_refused_inside_the_modal(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "policy")
    draft = await wait_for_draft(stack.slack)
    modal = await open_modal(stack, "U_ALICE", draft, action_ids.EDIT)
    reply = await stack.user("U_ALICE").submit_view(modal, {"text_part_0": "Hidden \u202e trick"})
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "invisible or direction-changing" in answer["errors"]["text_part_0"]
    await asyncio.sleep(0.3)
    assert shows(draft, "Draft #1 · revision 1")


async def test_edit_based_on_an_outdated_revision_is_refused(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "two editors")
    draft = await wait_for_draft(stack.slack)
    first = await open_modal(stack, "U_ALICE", draft, action_ids.EDIT)
    second = await open_modal(stack, "U_BOB", draft, action_ids.EDIT)
    await stack.user("U_ALICE").submit_view(first, {"text_part_0": "Alice's version"})
    reply = await stack.user("U_BOB").submit_view(second, {"text_part_0": "Bob's version"})
    assert reply.json()["response_action"] == "errors"
    assert "revision 2 is the current one" in reply.json()["errors"]["text_part_0"]


async def test_regenerate_with_feedback_replaces_the_draft_and_shows_the_diff(
    stack: LocalStack, database_url: str
) -> None:
    await stack.user("U_CAROL").slash("/draft", "release notes for 2.0 with many improvements")
    draft = await wait_for_draft(stack.slack)
    original = body_text(draft)
    modal = await open_modal(stack, "U_BOB", draft, action_ids.REGENERATE)
    reply = await stack.user("U_BOB").submit_view(modal, {"feedback": "shorter, no hashtags"})
    assert reply.status == 200 and reply.body == ""
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 2"), 15)
    assert body_text(draft) != original and "#" not in body_text(draft)
    notes = await stack.slack.wait_for(lambda: [n for n in thread_notes(stack, draft) if "Revision 2" in n], 10)
    assert "replaces revision 1" in notes[0]
    assert draft.thread_ts is not None
    assert len([m for m in stack.slack.thread(draft.channel, draft.thread_ts) if m.blocks]) == 1


async def test_a_reply_from_an_approver_is_taken_as_feedback_once(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "weekly update about the docs")
    draft = await wait_for_draft(stack.slack)
    alice, asked = stack.user("U_ALICE"), f"<@{stack.slack.bot_user_id}> shorter please"
    assert draft.thread_ts is not None
    await alice.reply_in_thread(draft.channel, draft.thread_ts, asked, event_id="Ev1")
    await alice.reply_in_thread(draft.channel, draft.thread_ts, asked, event_id="Ev1", retry_num=1)
    await stack.slack.wait_for(lambda: stack.slack.reactions, 10)
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 2"), 15)
    await asyncio.sleep(0.5)
    assert stack.slack.reactions[0]["name"] == "eyes" and len(stack.slack.reactions) == 1
    assert not shows(draft, "Draft #1 · revision 3")


async def test_a_reply_from_someone_else_is_ignored_politely(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "feedback rules")
    draft = await wait_for_draft(stack.slack)
    assert draft.thread_ts is not None
    await stack.user("U_MALLORY").reply_in_thread(
        draft.channel, draft.thread_ts, f"<@{stack.slack.bot_user_id}> make it about me"
    )
    note = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert note[0]["user"] == "U_MALLORY" and "left the draft as it is" in note[0]["text"]
    assert shows(draft, "Draft #1 · revision 1") and not stack.slack.reactions


async def test_the_requester_cannot_approve_their_own_draft_alone(stack: LocalStack) -> None:
    await stack.user("U_ALICE").slash("/draft", "my own idea")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    note = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert "four-eyes" in note[0]["text"]
    await stack.user("U_BOB").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)


async def test_two_required_approvals_are_counted_on_the_message(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"), signoff_required_approvals=2
    ) as stack:
        await stack.user("U_CAROL").slash("/draft", "needs two")
        draft = await wait_for_draft(stack.slack)
        assert shows(draft, "0 of 2 approvals")
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, "1 of 2 approvals (<@U_ALICE>)"), 10)
        await stack.user("U_BOB").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)


async def test_approve_button_asks_for_confirmation(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "confirm me")
    draft = await wait_for_draft(stack.slack)
    (approve,) = [
        e for b in draft.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_ids.APPROVE
    ]
    assert approve["confirm"]["confirm"]["text"] == "Approve"


@pytest.mark.parametrize("action", [action_ids.EDIT, action_ids.REGENERATE, action_ids.SKIP])
async def test_decided_drafts_refuse_changes_from_an_old_message(stack: LocalStack, action: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "already out")
    draft = await wait_for_draft(stack.slack)
    stale = type(draft)(**draft.__dict__)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    if action == action_ids.SKIP:
        modal = await open_modal(stack, "U_BOB", stale, action)
        reply = await stack.user("U_BOB").submit_view(modal, {})
        assert "already approved by <@U_ALICE>" in reply.json()["errors"]["reason"]
    else:
        await stack.user("U_BOB").click(stale, action)
        note = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
        assert "cannot be" in note[0]["text"]


async def test_an_expired_draft_is_revived_by_regenerate(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await stack.user("U_CAROL").slash("/draft", "slow decisions")
    draft = await wait_for_draft(stack.slack)
    async with sessionmaker.begin() as session:  # three days and a bit later
        assert await schedules.expire_due(session, now=utcnow() + timedelta(hours=100), ttl_h=72)
    await show_draft(
        build_slack_client(stack.slack.bot_token, stack.slack.api_url, redactor=Redactor()), sessionmaker, 1
    )
    assert shows(draft, "Expired")
    modal = await open_modal(stack, "U_ALICE", draft, action_ids.REGENERATE)
    await stack.user("U_ALICE").submit_view(modal, {"feedback": "still relevant, refresh it"})
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 2"), 15)
    assert any(
        e["action_id"] == action_ids.APPROVE for b in draft.blocks if b["type"] == "actions" for e in b["elements"]
    )
