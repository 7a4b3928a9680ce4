"""Undo at the storage level, on both databases: an approval held for its Undo window is called off
or published, never both — `call_off` and the publish job's first step exclude each other."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import decisions, outbox, publications, scheduled_publish
from storage.models import Approval, Draft, OutboxJob, Revision
from storage.runs import sha256_hex
from storage.transitions import Refusal
from tests.schedules.conftest import MONDAY_0900_UTC as NOW
from tests.schedules.conftest import add_draft

UNDO_S = 30


async def approved_with_undo(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    draft_id = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=1))
    async with sessionmaker.begin() as session:
        session.add(
            Revision(
                draft_id=draft_id,
                number=1,
                text="hello",
                sha256=sha256_hex("hello"),
                author="pipeline",
                details={},
                created_at=NOW,
            )
        )
        await session.flush()
        decision = await decisions.approve(
            session,
            draft_id=draft_id,
            revision=1,
            sha256=sha256_hex("hello"),
            user_id="U_ALICE",
            now=NOW,
            undo_s=UNDO_S,
        )
    assert decision.ok and decision.draft.publish_at == NOW + timedelta(seconds=UNDO_S)  # type: ignore[union-attr]
    assert scheduled_publish.held_for_undo(decision.draft.publish_at, decision.draft.decided_at)  # type: ignore[union-attr]
    return draft_id


async def test_an_approval_held_for_undo_writes_its_job_due_at_the_end_of_the_window(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_with_undo(sessionmaker)
    async with sessionmaker() as session:
        (job,) = await session.scalars(select(OutboxJob).where(OutboxJob.job == "publish_draft"))
        assert job.due_at == NOW + timedelta(seconds=UNDO_S) and job.args == {"draft_id": draft_id}
        assert await outbox.due(session, now=NOW + timedelta(seconds=UNDO_S - 1)) == []


async def test_call_off_inside_the_window_then_the_job_finds_nothing_to_publish(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_with_undo(sessionmaker)
    async with sessionmaker.begin() as session:
        outcome = await scheduled_publish.call_off(
            session, draft_id=draft_id, user_id="U_BOB", now=NOW + timedelta(seconds=5), revision=1, how="undone"
        )
    assert outcome.ok and outcome.draft.status == "pending" and outcome.draft.publish_at is None  # type: ignore[union-attr]
    async with sessionmaker.begin() as session:
        assert await publications.begin(session, draft_id, now=NOW + timedelta(seconds=31)) is None
        assert await outbox.due(session, now=NOW + timedelta(seconds=31)) == []
        assert list(await session.scalars(select(Approval))) == []
    # Approved again, the same revision gets a new publish job (the called-off one freed its key).
    async with sessionmaker.begin() as session:
        again = await decisions.approve(
            session,
            draft_id=draft_id,
            revision=1,
            sha256=sha256_hex("hello"),
            user_id="U_ALICE",
            now=NOW + timedelta(seconds=40),
        )
    assert again.ok and again.job is not None


async def test_once_the_publish_job_began_call_off_is_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id = await approved_with_undo(sessionmaker)
    async with sessionmaker.begin() as session:
        assert await publications.begin(session, draft_id, now=NOW + timedelta(seconds=30)) is not None
    async with sessionmaker.begin() as session:
        outcome = await scheduled_publish.call_off(
            session, draft_id=draft_id, user_id="U_BOB", now=NOW + timedelta(seconds=31), revision=1
        )
    assert not outcome.ok and outcome.reason is Refusal.publishing_started


async def test_after_the_window_call_off_is_refused_even_before_the_job_runs(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_with_undo(sessionmaker)
    async with sessionmaker.begin() as session:
        outcome = await scheduled_publish.call_off(
            session, draft_id=draft_id, user_id="U_BOB", now=NOW + timedelta(seconds=UNDO_S), revision=1
        )
    assert not outcome.ok and outcome.reason is Refusal.publishing_started


async def test_a_stale_button_cannot_call_off_another_revisions_approval(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_with_undo(sessionmaker)
    async with sessionmaker.begin() as session:
        outcome = await scheduled_publish.call_off(
            session, draft_id=draft_id, user_id="U_BOB", now=NOW + timedelta(seconds=1), revision=2
        )
    assert not outcome.ok and outcome.reason is Refusal.stale_revision


async def test_call_off_and_the_publish_job_racing_end_in_exactly_one_of_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(10):
        draft_id = await approved_with_undo(sessionmaker)
        moment = NOW + timedelta(seconds=10)

        async def undo(draft_id: int = draft_id, moment: datetime = moment) -> bool:
            async with sessionmaker.begin() as session:
                return (
                    await scheduled_publish.call_off(
                        session, draft_id=draft_id, user_id="U_BOB", now=moment, revision=1
                    )
                ).ok

        async def publish(draft_id: int = draft_id, moment: datetime = moment) -> bool:
            async with sessionmaker.begin() as session:
                return await publications.begin(session, draft_id, now=moment) is not None

        undone, began = await asyncio.gather(undo(), publish())
        assert undone != began
        async with sessionmaker() as session:
            status = (await session.get(Draft, draft_id)).status  # type: ignore[union-attr]
        assert status == ("pending" if undone else "publishing")
