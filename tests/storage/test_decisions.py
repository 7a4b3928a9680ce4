"""Compare-and-set decisions under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import decisions, edits, intake, runs
from storage.decisions import ApprovalRule
from storage.models import AuditEvent, OutboxJob
from storage.transitions import Outcome, Refusal

NOW = datetime(2026, 11, 22, 12, 0)


async def pending_draft(sessionmaker: async_sessionmaker[AsyncSession], text: str = "Hello") -> tuple[int, str]:
    async with sessionmaker.begin() as session:
        accepted = await intake.request_draft(
            session, team_id="T", channel_id="C", user_id="U_REQ", topic="t", destinations=["dryrun"], now=NOW
        )
        run = await runs.start(session, accepted.run_id, now=NOW)
        assert run is not None
        revision = await runs.record_revision(session, run, text=text, policy_ok=True, details={}, stages=[], now=NOW)
    assert revision is not None
    return accepted.draft_id, revision.sha256


async def approve(
    sessionmaker: async_sessionmaker[AsyncSession],
    draft_id: int,
    sha: str,
    user: str,
    rule: ApprovalRule = ApprovalRule(),
) -> Outcome:
    async with sessionmaker.begin() as session:
        return await decisions.approve(
            session, draft_id=draft_id, revision=1, sha256=sha, user_id=user, now=NOW, rule=rule
        )


async def count(sessionmaker: async_sessionmaker[AsyncSession], model, **where) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return (await session.execute(query)).scalar_one()


async def test_two_simultaneous_approvals_make_one_decision(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id, sha = await pending_draft(sessionmaker)
    results = await asyncio.gather(*(approve(sessionmaker, draft_id, sha, f"U_{i}") for i in range(5)))
    assert sum(r.ok for r in results) == 1
    assert all(r.reason in (Refusal.already_decided, Refusal.lost_race) for r in results if not r.ok)
    assert await count(sessionmaker, AuditEvent, kind="approved") == 1
    assert await count(sessionmaker, OutboxJob, job="publish_draft") == 1


async def test_edit_racing_an_approval_lets_exactly_one_win(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id, sha = await pending_draft(sessionmaker)

    async def edit() -> Outcome:
        async with sessionmaker.begin() as session:
            return await edits.record_edit(
                session,
                draft_id=draft_id,
                base_revision=1,
                text="Edited",
                user_id="U_ED",
                policy_ok=True,
                problems=[],
                now=NOW,
            )

    approval, change = await asyncio.gather(approve(sessionmaker, draft_id, sha, "U_AP"), edit())
    assert approval.ok != change.ok
    if approval.ok:
        assert change.reason is Refusal.already_decided
    else:
        assert approval.reason in (Refusal.stale_revision, Refusal.lost_race)


async def test_regenerate_racing_an_approval_lets_exactly_one_win(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id, sha = await pending_draft(sessionmaker)

    async def regenerate() -> Outcome:
        async with sessionmaker.begin() as session:
            return await edits.request_regenerate(
                session, draft_id=draft_id, base_revision=1, feedback="x", user_id="U_RE", now=NOW
            )

    approval, change = await asyncio.gather(approve(sessionmaker, draft_id, sha, "U_AP"), regenerate())
    assert approval.ok != change.ok
    assert await count(sessionmaker, OutboxJob, job="run_draft") == (2 if change.ok else 1)


async def test_approval_with_the_wrong_hash_is_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id, _ = await pending_draft(sessionmaker)
    result = await approve(sessionmaker, draft_id, "0" * 64, "U_AP")
    assert not result.ok and result.reason is Refusal.hash_mismatch


async def test_four_eyes_and_two_approvers(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id, sha = await pending_draft(sessionmaker)
    rule = ApprovalRule(required=2, four_eyes=True)
    first = await approve(sessionmaker, draft_id, sha, "U_REQ", rule)
    assert first.ok and not first.final and first.approvers == ("U_REQ",)
    again = await approve(sessionmaker, draft_id, sha, "U_REQ", rule)
    assert again.reason is Refusal.already_approved_by_you
    second = await approve(sessionmaker, draft_id, sha, "U_OTHER", rule)
    assert second.ok and second.final and second.draft.status == "approved"  # type: ignore[union-attr]
    solo_id, solo_sha = await pending_draft(sessionmaker)
    alone = await approve(sessionmaker, solo_id, solo_sha, "U_REQ", ApprovalRule(required=1, four_eyes=True))
    assert alone.reason is Refusal.own_draft
