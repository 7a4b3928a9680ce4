"""Go back: `/signoff restore <id> <revision>` brings an earlier revision's text back as a new
revision — audited, policy checked again, shown in the thread with a diff — and refuses strangers,
revisions that do not exist, and drafts of channels the person cannot see."""

from __future__ import annotations

from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from storage.models import AuditEvent, Revision
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.test_conversation import open_modal


async def ask(stack: LocalStack, text: str, user: str = "U_ALICE") -> str:
    reply = await stack.user(user).slash("/signoff", text)
    assert reply.status == 200
    return str(reply.json()["text"])


async def edited_once(stack: LocalStack):  # type: ignore[no-untyped-def]
    await stack.user("U_CAROL").slash("/draft", "restore me")
    draft = await wait_for_draft(stack.slack)
    modal = await open_modal(stack, "U_ALICE", draft, action_ids.EDIT)
    await stack.user("U_ALICE").submit_view(modal, {"text_part_0": "A worse second take."})
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 2"), 10)
    return draft


async def test_restore_brings_revision_one_back_as_revision_three(stack, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    draft = await edited_once(stack)
    async with sessionmaker() as session:
        first = await session.scalar(select(Revision.text).where(Revision.draft_id == 1, Revision.number == 1))
    assert "restore 1 <revision>" in await ask(stack, "history 1")
    answer = await ask(stack, "restore 1 1")
    assert answer == "Restored: revision 1 of draft #1 is now revision 3."
    await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 3"), 10)
    body = next(b for b in draft.blocks if b["type"] == "section")["text"]["text"]
    assert body == first and shows(draft, action_ids.APPROVE)
    notes = await stack.slack.wait_for(
        lambda: [
            m.text
            for m in stack.slack.thread(draft.channel, draft.thread_ts)
            if "restored revision 1" in (m.text or "")
        ],
        10,
    )
    assert "as revision 3" in notes[0]
    async with sessionmaker() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "restored"))
        third = await session.scalar(select(Revision).where(Revision.draft_id == 1, Revision.number == 3))
    assert event is not None and event.detail["restored_from"] == 1 and event.actor == "U_ALICE"
    assert third is not None and third.text == first and third.author == "U_ALICE"


async def test_restore_refuses_strangers_and_revisions_that_are_not_earlier(stack) -> None:  # type: ignore[no-untyped-def]
    await edited_once(stack)
    assert "not allowed to restore" in await ask(stack, "restore 1 1", user="U_MALLORY")
    assert "no earlier revision 2" in await ask(stack, "restore 1 2")
    assert "no earlier revision 9" in await ask(stack, "restore 1 9")
    assert "Usage" in await ask(stack, "restore 1")
    assert "#77" in await ask(stack, "restore 77 1")


async def test_a_restored_text_is_checked_against_todays_policy(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"), signoff_admins=["U_ADMIN"]
    ) as stack:
        draft = await edited_once(stack)  # revision 2: "A worse second take."
        modal = await open_modal(stack, "U_ALICE", draft, action_ids.EDIT)
        await stack.user("U_ALICE").submit_view(modal, {"text_part_0": "A third text."})
        await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 3"), 10)
        assert "Saved" in await ask(stack, "config set blocked_terms worse", user="U_ADMIN")
        answer = await ask(stack, "restore 1 2")
        assert answer.startswith("Restored: revision 2 of draft #1 is now revision 4. It fails a policy check")
        assert "worse" in answer
        await stack.slack.wait_for(lambda: shows(draft, "Draft #1 · revision 4"), 10)
        assert not shows(draft, action_ids.APPROVE)  # needs attention: edit or skip
