"""A run's steps and the outbox lease are compare-and-set statements; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import edits, intake, outbox, queries, runs
from storage.audit import events_for
from storage.models import Run
from storage.states import OutboxStatus

NOW = datetime(2026, 11, 22, 12, 0)


async def requested(sessionmaker: async_sessionmaker[AsyncSession]) -> intake.Accepted:
    async with sessionmaker.begin() as session:
        return await intake.request_draft(
            session,
            team_id="T",
            channel_id="C",
            user_id="U_REQ",
            topic="release notes",
            destinations=["dryrun"],
            now=NOW,
        )


async def started(sessionmaker: async_sessionmaker[AsyncSession], run_id: int) -> Run | None:
    async with sessionmaker.begin() as session:
        return await runs.start(session, run_id, now=NOW)


async def test_a_claim_hands_back_the_args_and_only_one_worker_gets_the_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    accepted = await requested(sessionmaker)
    async with sessionmaker.begin() as session:
        lease = await outbox.claim(session, accepted.outbox_id, now=NOW, lease_s=20)
        assert lease is not None and lease.args == {"run_id": accepted.run_id}
    async with sessionmaker.begin() as session:
        assert await outbox.claim(session, accepted.outbox_id, now=NOW + timedelta(seconds=5), lease_s=20) is None
    async with sessionmaker.begin() as session:  # the first worker died: its lease ran out
        assert await outbox.claim(session, accepted.outbox_id, now=NOW + timedelta(seconds=21), lease_s=20)
        await outbox.finish(session, accepted.outbox_id, now=NOW)
    async with sessionmaker.begin() as session:
        assert await outbox.claim(session, accepted.outbox_id, now=NOW + timedelta(hours=1), lease_s=20) is None
        assert (await outbox.get(session, accepted.outbox_id)).status == OutboxStatus.done.value  # type: ignore[union-attr]


async def test_the_sweep_cannot_start_a_second_holder_for_a_row_claimed_after_it_looked(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The race behind a draft posted twice after a SIGTERM: the sweep read the row while the dead
    worker's lease had lapsed, a new worker claimed it, then the sweep bumped the attempt (which used
    to clear the new lease) and enqueued a second job that claimed it too."""
    accepted = await requested(sessionmaker)
    async with sessionmaker.begin() as session:
        assert await outbox.claim(session, accepted.outbox_id, now=NOW, lease_s=3)  # the worker that was stopped
    later = NOW + timedelta(seconds=5)
    async with sessionmaker() as session:
        seen_by_sweep = (await outbox.due(session, now=later))[0]
    async with sessionmaker.begin() as session:
        taker = await outbox.claim(session, accepted.outbox_id, now=later, lease_s=3)  # the new worker's job
    assert taker is not None
    async with sessionmaker.begin() as session:
        assert not await outbox.bump_attempt(session, seen_by_sweep.id, seen_by_sweep.attempt, now=later)
    async with sessionmaker.begin() as session:
        assert await outbox.claim(session, accepted.outbox_id, now=later, lease_s=3) is None
        assert await outbox.renew(session, accepted.outbox_id, taker.owner, now=later, lease_s=3)


async def test_a_lease_that_lapsed_and_was_taken_over_cannot_be_renewed_or_released_by_its_old_holder(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    accepted = await requested(sessionmaker)
    async with sessionmaker.begin() as session:
        stalled = await outbox.claim(session, accepted.outbox_id, now=NOW, lease_s=3)
    async with sessionmaker.begin() as session:
        taker = await outbox.claim(session, accepted.outbox_id, now=NOW + timedelta(seconds=4), lease_s=3)
    assert stalled is not None and taker is not None and stalled.owner != taker.owner
    async with sessionmaker.begin() as session:
        assert not await outbox.renew(
            session, accepted.outbox_id, stalled.owner, now=NOW + timedelta(seconds=5), lease_s=3
        )
        await outbox.release(session, accepted.outbox_id, owner=stalled.owner)
    async with sessionmaker.begin() as session:  # the taker's lease is untouched
        assert await outbox.claim(session, accepted.outbox_id, now=NOW + timedelta(seconds=5), lease_s=3) is None
        assert await outbox.renew(session, accepted.outbox_id, taker.owner, now=NOW + timedelta(seconds=5), lease_s=3)


async def test_a_dead_workers_row_gets_a_new_attempt_once_its_lease_has_lapsed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    accepted = await requested(sessionmaker)
    async with sessionmaker.begin() as session:
        await outbox.claim(session, accepted.outbox_id, now=NOW, lease_s=3)
        assert not await outbox.bump_attempt(session, accepted.outbox_id, 0, now=NOW + timedelta(seconds=1))
        assert await outbox.bump_attempt(session, accepted.outbox_id, 0, now=NOW + timedelta(seconds=4))
        assert not await outbox.bump_attempt(session, accepted.outbox_id, 0, now=NOW + timedelta(seconds=4))


async def test_a_run_is_started_once_taken_over_while_running_and_refused_once_finished(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    accepted = await requested(sessionmaker)
    first = await started(sessionmaker, accepted.run_id)
    assert first is not None
    assert (first.status, first.started_at, first.draft_id) == ("running", NOW, accepted.draft_id)
    # A second worker takes over.
    assert (await started(sessionmaker, accepted.run_id)).status == "running"  # type: ignore[union-attr]
    async with sessionmaker.begin() as session:
        assert (
            await runs.record_revision(session, first, text="Hello", policy_ok=True, details={}, stages=[], now=NOW)
            is not None
        )
    assert await started(sessionmaker, accepted.run_id) is None
    assert await started(sessionmaker, 999_999) is None


async def test_a_run_in_its_own_transactions_records_the_next_revision_with_its_audit_event(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    accepted = await requested(sessionmaker)
    run = await started(sessionmaker, accepted.run_id)
    assert run is not None
    async with sessionmaker.begin() as session:
        revision = await runs.record_revision(
            session,
            run,
            text="Hello world",
            policy_ok=False,
            details={"policy": {"problems": ["too short"]}},
            stages=[{"name": "x"}],
            now=NOW,
            expires_at=NOW + timedelta(hours=48),
        )
    assert revision is not None
    assert (revision.number, run.status, run.stages) == (1, "succeeded", [{"name": "x"}])
    async with sessionmaker() as session:
        draft = await queries.draft(session, accepted.draft_id)
        assert (draft.status, draft.current_revision, draft.version, draft.progress) == ("needs_attention", 1, 2, None)
        assert draft.expires_at == NOW + timedelta(hours=48)
        assert (await queries.run(session, accepted.run_id)).status == "succeeded"  # type: ignore[union-attr]
        drafted = [e for e in await events_for(session, accepted.draft_id) if e.kind == "drafted"]
        assert [(e.detail["run"], e.detail["revision"], e.detail["problems"]) for e in drafted] == [
            (1, 1, ["too short"])
        ]


async def test_a_draft_loaded_in_the_same_session_shows_the_new_revision(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        accepted = await intake.request_draft(
            session, team_id="T", channel_id="C", user_id="U_REQ", topic="t", destinations=["dryrun"], now=NOW
        )
        draft = await queries.draft(session, accepted.draft_id)
        run = await runs.start(session, accepted.run_id, now=NOW)
        assert run is not None
        assert run.status == "running"
        await runs.record_revision(session, run, text="Hi", policy_ok=True, details={}, stages=[], now=NOW)
        assert (draft.status, draft.current_revision) == ("pending", 1)


async def test_the_result_of_a_cancelled_run_is_dropped(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    accepted = await requested(sessionmaker)
    run = await started(sessionmaker, accepted.run_id)
    assert run is not None
    async with sessionmaker.begin() as session:
        assert (await edits.cancel(session, draft_id=accepted.draft_id, user_id="U_REQ", now=NOW)).ok
    async with sessionmaker.begin() as session:
        assert (
            await runs.record_revision(session, run, text="late", policy_ok=True, details={}, stages=[], now=NOW)
            is None
        )
        await runs.fail(session, run, error="late too", now=NOW)
    async with sessionmaker() as session:
        draft = await queries.draft(session, accepted.draft_id)
        assert (draft.status, draft.current_revision, draft.last_error) == ("skipped", 0, None)
        assert (await queries.run(session, accepted.run_id)).status == "cancelled"  # type: ignore[union-attr]
        assert not [e for e in await events_for(session, accepted.draft_id) if e.kind in ("drafted", "failed")]


async def test_a_failed_run_fails_its_generating_draft_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    accepted = await requested(sessionmaker)
    run = await started(sessionmaker, accepted.run_id)
    assert run is not None
    for _ in range(2):
        async with sessionmaker.begin() as session:
            await runs.fail(session, run, error="the model is down", now=NOW)
    async with sessionmaker() as session:
        draft = await queries.draft(session, accepted.draft_id)
        assert (draft.status, draft.last_error, draft.version) == ("failed", "the model is down", 2)
        assert [e.kind for e in await events_for(session, accepted.draft_id)] == ["requested", "failed"]
