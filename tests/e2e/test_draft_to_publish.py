"""A /draft typed in Slack becomes a draft in a thread, is approved, and is published."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from storage import audit
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Draft, Publication
from tests.e2e.conftest import shows, wait_for_draft


async def _rows(database_url: str, model):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list(await session.scalars(select(model)))
    finally:
        await engine.dispose()


async def test_draft_appears_in_a_thread_with_its_decision_buttons(stack: LocalStack) -> None:
    reply = await stack.user("U_CAROL").slash("/draft", "what we shipped this week")
    assert reply.status == 200
    assert "drafting #1" in reply.json()["text"]
    draft = await wait_for_draft(stack.slack)
    assert draft.thread_ts is not None
    parent = stack.slack.messages[(draft.channel, draft.thread_ts)]
    assert parent.thread_ts is None and shows(parent, "what we shipped this week")
    buttons = [e["action_id"] for b in draft.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == list(action_ids.DRAFT_BUTTONS)


async def test_approved_draft_is_published_and_the_thread_tells(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "release notes for 2.0")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    assert shows(draft, "Approved* by <@U_ALICE>")
    assert not any(b["type"] == "actions" for b in draft.blocks), "decided drafts lose their buttons"
    (publication,) = await _rows(database_url, Publication)
    (row,) = await _rows(database_url, Draft)
    assert publication.status == "published" and publication.sha256 == row.approved_sha256
    kinds = [e.kind for e in sorted(await _rows(database_url, AuditEvent), key=lambda e: e.seq)]
    assert kinds == ["requested", "drafted", "approved", "published", "publishing_published"]


async def test_skip_closes_the_draft_without_publishing(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "a post we will not need")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_BOB").click(draft, action_ids.SKIP)
    (modal,) = await stack.slack.wait_for(lambda: stack.slack.views, 10)
    reply = await stack.user("U_BOB").submit_view(modal, {"reason": "not timely any more"})
    assert reply.status == 200
    await stack.slack.wait_for(lambda: shows(draft, "Skipped"), 10)
    assert shows(draft, "<@U_BOB>")
    assert await _rows(database_url, Publication) == []


async def test_non_approver_click_is_refused_and_recorded(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "a topic")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_MALLORY").click(draft, action_ids.APPROVE)
    refusal = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert refusal[0]["user"] == "U_MALLORY" and "not allowed" in refusal[0]["text"]
    (row,) = await _rows(database_url, Draft)
    assert row.status == "pending"
    events = await _rows(database_url, AuditEvent)
    assert any(e.kind == "refused" and e.actor == "U_MALLORY" for e in events)


async def test_two_approvers_at_once_give_one_approval_and_one_polite_refusal(
    stack: LocalStack, database_url: str
) -> None:
    await stack.user("U_CAROL").slash("/draft", "a race")
    draft = await wait_for_draft(stack.slack)
    await asyncio.gather(
        stack.user("U_ALICE").click(draft, action_ids.APPROVE), stack.user("U_BOB").click(draft, action_ids.APPROVE)
    )
    refusal = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert "already approved by <@U_" in refusal[0]["text"]
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    events = await _rows(database_url, AuditEvent)
    assert [e.kind for e in events].count("approved") == 1
    assert len(await _rows(database_url, Publication)) == 1


async def test_click_on_an_outdated_rendering_is_refused(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "revisions matter")
    draft = await wait_for_draft(stack.slack)
    stale = type(draft)(
        **{
            **draft.__dict__,
            "blocks": [
                {**b, "elements": [{**e, "value": e["value"].replace('"r":1', '"r":0')} for e in b["elements"]]}
                if b["type"] == "actions"
                else b
                for b in draft.blocks
            ],
        }
    )
    await stack.user("U_ALICE").click(stale, action_ids.APPROVE)
    refusal = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert "changed after this message was shown" in refusal[0]["text"]
    (row,) = await _rows(database_url, Draft)
    assert row.status == "pending"


async def test_the_audit_trail_of_a_whole_flow_verifies(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "chain")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        report = await audit.verify(session)
    await engine.dispose()
    assert report.ok and report.events == 5
