"""Claims no source supports: what a revision records about them, and an approver accepting them.

The pipeline stores its critique in a revision's `details`; each claim there says whether it is
supported. Unsupported ones block approval (storage/decisions.approve) until an edit removes them
or an approver accepts them here: a compare-and-set with its audit event, like every decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import queries
from storage.decisions import ApprovalRule, locked_draft
from storage.models import Revision
from storage.states import DraftStatus
from storage.transitions import Outcome, Refusal, refused, transition

ACCEPTABLE = (DraftStatus.pending.value, DraftStatus.needs_attention.value)


def unsupported_claims(details: dict[str, Any]) -> list[str]:
    """The texts of the claims in `details["critique"]` that no source supports."""
    critique = details.get("critique") if isinstance(details, dict) else None
    claims = critique.get("claims") if isinstance(critique, dict) else None
    return [str(c.get("text")) for c in claims or [] if isinstance(c, dict) and c.get("supported") is False]


def score_summary(details: dict[str, Any]) -> dict[str, Any]:
    """The score and its parts, as the audit trail keeps them for `/signoff history`."""
    critique = details.get("critique") if isinstance(details, dict) else None
    if not isinstance(critique, dict) or critique.get("score") is None:
        return {}
    parts = {str(p.get("name")): p.get("score") for p in critique.get("parts") or [] if isinstance(p, dict)}
    return {"score": critique.get("score"), "score_parts": parts, "unsupported": unsupported_claims(details)}


async def accept(
    session: AsyncSession,
    *,
    draft_id: int,
    revision: int,
    sha256: str,
    user_id: str,
    now: datetime,
    rule: ApprovalRule = ApprovalRule(),
) -> Outcome:
    """`user_id` vouches for the unsupported claims of `revision` (the one they were shown)."""
    row = await locked_draft(session, draft_id)
    if row.status == DraftStatus.generating.value:
        return refused(Refusal.not_ready, row)
    if row.status not in ACCEPTABLE:
        return refused(Refusal.already_decided, row)
    if row.current_revision != revision:
        return refused(Refusal.stale_revision, row)
    shown = await queries.revision(session, draft_id, revision)
    if shown is None or shown.sha256 != sha256:
        return refused(Refusal.hash_mismatch, row)
    if not shown.unsupported_claims:
        return refused(Refusal.nothing_to_accept, row)
    if shown.claims_accepted_by:
        return refused(Refusal.claims_already_accepted, row)
    if rule.four_eyes and user_id == row.requester_id:
        return refused(Refusal.own_draft, row)
    outcome = await transition(
        session,
        row,
        from_status=row.status,
        values={"updated_at": now},
        kind="claims_accepted",
        actor=user_id,
        now=now,
        detail={"revision": revision, "sha256": sha256, "claims": unsupported_claims(shown.details)},
    )
    if outcome.ok:
        await session.execute(
            update(Revision.__table__)
            .where(Revision.__table__.c.id == shown.id, Revision.__table__.c.claims_accepted_by.is_(None))
            .values(claims_accepted_by=user_id, claims_accepted_at=now)
        )
        await session.refresh(shown)
    return outcome
