"""Claims no source supports block approval until an approver accepts them (audited) or an edit
removes them; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import claims, decisions, edits, intake, queries, runs
from storage.decisions import ApprovalRule
from storage.models import AuditEvent
from storage.transitions import Outcome, Refusal

NOW = datetime(2026, 11, 29, 9, 0)
CRITIQUE: dict[str, Any] = {
    "score": 5.0,
    "parts": [
        {"name": "relevance", "score": 10.0, "weight": 3, "reasons": []},
        {"name": "support", "score": 3.3, "weight": 3, "reasons": []},
    ],
    "claims": [
        {"text": "900 ms", "kind": "number", "supported": True, "sources": [1]},
        {"text": "3× faster", "kind": "number", "supported": False, "sources": []},
    ],
}


async def drafted(
    sessionmaker: async_sessionmaker[AsyncSession], critique: dict[str, Any] | None = CRITIQUE
) -> tuple[int, str]:
    async with sessionmaker.begin() as session:
        accepted = await intake.request_draft(
            session, team_id="T", channel_id="C", user_id="U_REQ", topic="t", destinations=["dryrun"], now=NOW
        )
        run = await runs.start(session, accepted.run_id, now=NOW)
        assert run is not None
        revision = await runs.record_revision(
            session,
            run,
            text="Search is 3× faster.",
            policy_ok=True,
            details={"critique": critique} if critique else {},
            stages=[],
            now=NOW,
        )
    assert revision is not None
    return accepted.draft_id, revision.sha256


async def approve(
    sessionmaker: async_sessionmaker[AsyncSession], draft_id: int, sha: str, user: str = "U_AP", revision: int = 1
) -> Outcome:
    async with sessionmaker.begin() as session:
        return await decisions.approve(
            session, draft_id=draft_id, revision=revision, sha256=sha, user_id=user, now=NOW, rule=ApprovalRule()
        )


async def accept(
    sessionmaker: async_sessionmaker[AsyncSession], draft_id: int, sha: str, user: str = "U_AP", revision: int = 1
) -> Outcome:
    async with sessionmaker.begin() as session:
        return await claims.accept(
            session, draft_id=draft_id, revision=revision, sha256=sha, user_id=user, now=NOW, rule=ApprovalRule()
        )


async def events(sessionmaker: async_sessionmaker[AsyncSession], kind: str) -> list[AuditEvent]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


async def test_an_unsupported_claim_blocks_approval_until_an_approver_accepts_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id, sha = await drafted(sessionmaker)
    refused = await approve(sessionmaker, draft_id, sha)
    assert not refused.ok and refused.reason is Refusal.unsupported_claims
    assert (await accept(sessionmaker, draft_id, sha, "U_AP")).ok
    (event,) = await events(sessionmaker, "claims_accepted")
    assert event.actor == "U_AP" and event.detail == {"revision": 1, "sha256": sha, "claims": ["3× faster"]}
    assert (await approve(sessionmaker, draft_id, sha)).ok


async def test_a_draft_whose_claims_are_all_supported_is_approved_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    supported = {**CRITIQUE, "claims": CRITIQUE["claims"][:1]}
    draft_id, sha = await drafted(sessionmaker, supported)
    assert (await approve(sessionmaker, draft_id, sha)).ok
    draft_id, sha = await drafted(sessionmaker, None)  # a revision stored before claims were checked
    assert (await approve(sessionmaker, draft_id, sha)).ok


async def test_accepting_twice_or_with_nothing_to_accept_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id, sha = await drafted(sessionmaker)
    results = await asyncio.gather(*(accept(sessionmaker, draft_id, sha, f"U_{i}") for i in range(4)))
    assert sum(r.ok for r in results) == 1
    assert all(r.reason in (Refusal.claims_already_accepted, Refusal.lost_race) for r in results if not r.ok)
    assert len(await events(sessionmaker, "claims_accepted")) == 1
    clean_id, clean_sha = await drafted(sessionmaker, {**CRITIQUE, "claims": []})
    assert (await accept(sessionmaker, clean_id, clean_sha)).reason is Refusal.nothing_to_accept


async def test_the_requester_cannot_vouch_for_their_own_drafts_claims_and_stale_clicks_are_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id, sha = await drafted(sessionmaker)
    assert (await accept(sessionmaker, draft_id, sha, "U_REQ")).reason is Refusal.own_draft
    assert (await accept(sessionmaker, draft_id, "0" * 64)).reason is Refusal.hash_mismatch
    assert (await accept(sessionmaker, draft_id, sha, revision=2)).reason is Refusal.stale_revision
    assert await events(sessionmaker, "claims_accepted") == []


async def test_an_edit_with_its_own_review_clears_the_block_only_when_the_claim_is_gone(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    draft_id, _ = await drafted(sessionmaker)

    async def edit(base: int, text: str, critique: dict[str, Any] | None):  # type: ignore[no-untyped-def]
        async with sessionmaker.begin() as session:
            return await edits.record_edit(
                session,
                draft_id=draft_id,
                base_revision=base,
                text=text,
                user_id="U_ED",
                policy_ok=True,
                problems=[],
                now=NOW,
                critique=critique,
            )

    kept = await edit(1, "Search is 3× faster!", CRITIQUE)
    assert kept.ok and kept.revision is not None and kept.revision.unsupported_claims == 1
    assert (
        await approve(sessionmaker, draft_id, kept.revision.sha256, revision=2)
    ).reason is Refusal.unsupported_claims
    fixed = await edit(2, "Search is faster.", {**CRITIQUE, "claims": []})
    assert fixed.ok and fixed.revision is not None
    assert (await approve(sessionmaker, draft_id, fixed.revision.sha256, revision=3)).ok
    (edited, _) = await events(sessionmaker, "edited")
    assert edited.detail["unsupported"] == ["3× faster"] and edited.detail["score_parts"]["support"] == 3.3


async def test_the_drafted_event_keeps_the_score_and_its_parts(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    draft_id, _ = await drafted(sessionmaker)
    (event,) = await events(sessionmaker, "drafted")
    assert event.detail["score"] == 5.0
    assert event.detail["score_parts"] == {"relevance": 10.0, "support": 3.3}
    assert event.detail["unsupported"] == ["3× faster"]
    async with sessionmaker() as session:
        draft = await queries.draft(session, draft_id)
        assert (await queries.current_revision(session, draft)).unsupported_claims == 1  # type: ignore[union-attr]
