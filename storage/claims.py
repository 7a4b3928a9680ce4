"""Claims no source supports: what a revision records about them, and an approver accepting them.

The pipeline stores its critique in a revision's `details`; each claim there says whether it is
supported. Unsupported ones block approval (storage/decisions.approve) until an edit removes them
or an approver accepts them here: a compare-and-set with its audit event, like every decision.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, queries
from storage.decisions import ApprovalRule, Decision, Refusal, compare_and_set, locked_draft
from storage.models import Revision
from storage.states import DraftStatus

ACCEPTABLE = (DraftStatus.pending.value, DraftStatus.needs_attention.value)


def unsupported_claims(details: dict) -> list[str]:
    """The texts of the claims in `details["critique"]` that no source supports."""
    critique = details.get("critique") if isinstance(details, dict) else None
    claims = critique.get("claims") if isinstance(critique, dict) else None
    return [str(c.get("text")) for c in claims or [] if isinstance(c, dict) and c.get("supported") is False]


def score_summary(details: dict) -> dict:
    """The score and its parts, as the audit trail keeps them for `/signoff history`."""
    critique = details.get("critique") if isinstance(details, dict) else None
    if not isinstance(critique, dict) or critique.get("score") is None:
        return {}
    parts = {str(p.get("name")): p.get("score") for p in critique.get("parts") or [] if isinstance(p, dict)}
    return {"score": critique.get("score"), "score_parts": parts, "unsupported": unsupported_claims(details)}


async def accept(session: AsyncSession, *, draft_id: int, revision: int, sha256: str, user_id: str,
                 now: datetime, rule: ApprovalRule = ApprovalRule()) -> Decision:
    """`user_id` vouches for the unsupported claims of `revision` (the one they were shown)."""
    row = await locked_draft(session, draft_id)
    if row.status == DraftStatus.generating.value:
        return Decision(False, row, Refusal.not_ready)
    if row.status not in ACCEPTABLE:
        return Decision(False, row, Refusal.already_decided)
    if row.current_revision != revision:
        return Decision(False, row, Refusal.stale_revision)
    shown = await queries.revision(session, draft_id, revision)
    if shown is None or shown.sha256 != sha256:
        return Decision(False, row, Refusal.hash_mismatch)
    if not shown.unsupported_claims:
        return Decision(False, row, Refusal.nothing_to_accept)
    if shown.claims_accepted_by:
        return Decision(False, row, Refusal.claims_already_accepted)
    if rule.four_eyes and user_id == row.requester_id:
        return Decision(False, row, Refusal.own_draft)
    if not await compare_and_set(session, row, from_status=row.status, values={"updated_at": now}):
        return Decision(False, row, Refusal.lost_race)
    await session.execute(update(Revision.__table__)
                          .where(Revision.__table__.c.id == shown.id, Revision.__table__.c.claims_accepted_by.is_(None))
                          .values(claims_accepted_by=user_id, claims_accepted_at=now))
    await audit.append(session, kind="claims_accepted", actor=user_id, now=now, draft_id=draft_id, detail={
        "revision": revision, "sha256": sha256, "claims": unsupported_claims(shown.details)})
    await session.refresh(shown)
    return Decision(True, row)
