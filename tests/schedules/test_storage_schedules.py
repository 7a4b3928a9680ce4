"""Expiry boundaries, schedule marks and scheduled publishing, on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit, decisions, outbox, scheduled_publish, schedules
from storage.models import Draft, OutboxJob, Revision
from storage.runs import sha256_hex
from tests.schedules.conftest import MONDAY_0900_UTC as NOW
from tests.schedules.conftest import add_draft


async def status_of(sessionmaker: async_sessionmaker[AsyncSession], draft_id: int) -> str:
    async with sessionmaker() as session:
        return (await session.get(Draft, draft_id)).status  # type: ignore[union-attr]


async def test_a_draft_expires_exactly_at_its_ttl_and_not_a_microsecond_before(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=72))
    async with sessionmaker.begin() as session:
        early = await schedules.expire_due(session, now=NOW - timedelta(microseconds=1), ttl_h=72)
    assert early == [] and await status_of(sessionmaker, draft_id) == "pending"
    async with sessionmaker.begin() as session:
        assert await schedules.expire_due(session, now=NOW, ttl_h=72) == [draft_id]
    assert await status_of(sessionmaker, draft_id) == "expired"
    async with sessionmaker() as session:
        (event,) = await audit.events_for(session, draft_id)
        assert (event.kind, event.actor) == ("expired", "signoff")
        assert (await audit.verify(session)).ok


async def test_an_explicit_expires_at_overrides_the_ttl(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    fresh = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=1), expires_at=NOW)
    old_but_extended = await add_draft(
        sessionmaker, created_at=NOW - timedelta(hours=100), expires_at=NOW + timedelta(seconds=1)
    )
    async with sessionmaker.begin() as session:
        assert await schedules.expire_due(session, now=NOW, ttl_h=72) == [fresh]
    assert await status_of(sessionmaker, old_but_extended) == "pending"


async def test_only_pending_drafts_expire(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    long_ago = NOW - timedelta(days=30)
    ids = [
        await add_draft(sessionmaker, created_at=long_ago, status=s)
        for s in ("approved", "needs_attention", "skipped", "generating")
    ]
    async with sessionmaker.begin() as session:
        assert await schedules.expire_due(session, now=NOW, ttl_h=72) == []
    assert [await status_of(sessionmaker, i) for i in ids] == ["approved", "needs_attention", "skipped", "generating"]


async def test_a_mark_is_claimed_once_and_never_again_once_finished(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        assert await schedules.claim_mark(session, "digest:C1:2026-03-02", now=NOW)
    async with sessionmaker.begin() as session:
        assert not await schedules.claim_mark(session, "digest:C1:2026-03-02", now=NOW)
        await schedules.finish_mark(session, "digest:C1:2026-03-02", now=NOW)
    async with sessionmaker.begin() as session:
        later = NOW + timedelta(days=1)
        assert not await schedules.claim_mark(session, "digest:C1:2026-03-02", now=later, lease_s=60)
        assert await schedules.finished_marks(session, ["digest:C1:2026-03-02", "x"]) == {"digest:C1:2026-03-02"}


async def test_an_unfinished_claim_is_taken_over_after_its_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        assert await schedules.claim_mark(session, "k", now=NOW, lease_s=600)
    async with sessionmaker.begin() as session:
        assert not await schedules.claim_mark(session, "k", now=NOW + timedelta(seconds=599), lease_s=600)
    async with sessionmaker.begin() as session:
        assert await schedules.claim_mark(session, "k", now=NOW + timedelta(seconds=601), lease_s=600)


async def test_two_claims_at_once_give_one_owner(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def claim() -> bool:
        async with sessionmaker.begin() as session:
            return await schedules.claim_mark(session, "digest:C1:2026-03-02", now=NOW)

    assert sorted(await asyncio.gather(claim(), claim(), claim())) == [False, False, True]


async def approved_draft(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
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
            session, draft_id=draft_id, revision=1, sha256=sha256_hex("hello"), user_id="U_ALICE", now=NOW
        )
        assert decision.ok
        assert await scheduled_publish.schedule(
            session, draft_id=draft_id, publish_at=NOW + timedelta(hours=2), user_id="U_ALICE", now=NOW
        )
    return draft_id


async def pending_publish_jobs(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxJob]:
    async with sessionmaker() as session:
        return list(
            await session.scalars(
                select(OutboxJob).where(OutboxJob.job == "publish_draft", OutboxJob.status == "pending")
            )
        )


async def test_a_scheduled_publish_holds_the_job_until_its_time_then_creates_it_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_draft(sessionmaker)
    assert await pending_publish_jobs(sessionmaker) == [], "the approval's immediate job is held back"
    async with sessionmaker.begin() as session:
        assert await scheduled_publish.fire_due(session, now=NOW + timedelta(hours=2) - timedelta(seconds=1)) == []
    for _ in range(2):
        async with sessionmaker.begin() as session:
            await scheduled_publish.fire_due(session, now=NOW + timedelta(hours=2))
    (job,) = await pending_publish_jobs(sessionmaker)
    assert job.args == {"draft_id": draft_id}
    async with sessionmaker() as session:
        assert [e.kind for e in await audit.events_for(session, draft_id)] == [
            "approved",
            "publish_scheduled",
            "publish_due",
        ]
        assert [r.id for r in await outbox.due(session, now=NOW + timedelta(hours=2))] == [job.id]


async def test_a_scheduled_publish_can_be_cancelled_until_it_fires(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id = await approved_draft(sessionmaker)
    async with sessionmaker.begin() as session:
        assert await scheduled_publish.cancel(session, draft_id=draft_id, user_id="U_BOB", now=NOW)
    assert await status_of(sessionmaker, draft_id) == "pending"
    async with sessionmaker.begin() as session:
        assert await scheduled_publish.fire_due(session, now=NOW + timedelta(days=1)) == []
        assert not await scheduled_publish.cancel(session, draft_id=draft_id, user_id="U_BOB", now=NOW)


async def test_a_fired_schedule_can_no_longer_be_cancelled(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id = await approved_draft(sessionmaker)
    async with sessionmaker.begin() as session:
        assert len(await scheduled_publish.fire_due(session, now=NOW + timedelta(hours=3))) == 1
    async with sessionmaker.begin() as session:
        assert not await scheduled_publish.cancel(session, draft_id=draft_id, user_id="U_BOB", now=NOW)
    assert await status_of(sessionmaker, draft_id) == "approved"
