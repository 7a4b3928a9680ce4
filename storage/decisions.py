"""Human decisions on a draft: compare-and-set, each with its audit event and any outbox job.

A refused decision is a value (`Outcome(ok=False, reason=Refusal.…)`, storage/transitions.py), not
an exception: the bot turns it into a polite ephemeral message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, queries
from storage.errors import UnknownDraft
from storage.models import Approval, Draft, Revision
from storage.states import DraftStatus, JobName
from storage.transitions import JobSpec, Outcome, Refusal, refused, transition

SWEEP_GRACE_S = 3


@dataclass(frozen=True)
class ApprovalRule:
    required: int = 1
    four_eyes: bool = True


def _refusal_for(row: Draft, revision: int) -> Refusal | None:
    if row.status == DraftStatus.needs_attention.value:
        return Refusal.needs_attention
    if row.status == DraftStatus.generating.value:
        return Refusal.not_ready
    if row.status != DraftStatus.pending.value:
        return Refusal.already_decided
    if row.current_revision != revision:
        return Refusal.stale_revision
    return None


async def locked_draft(session: AsyncSession, draft_id: int) -> Draft:
    """The draft row, locked on PostgreSQL until commit (SQLite transactions are already serial)."""
    row = await session.scalar(
        select(Draft).where(Draft.id == draft_id).with_for_update().execution_options(populate_existing=True)
    )
    return row if row is not None else await queries.draft(session, draft_id)


def _explained(outcome: Outcome) -> Outcome:
    """Someone else changed the draft between our read and our write: say what it is now."""
    if outcome.ok or outcome.draft is None:
        return outcome
    return refused(_refusal_for(outcome.draft, outcome.draft.current_revision) or Refusal.lost_race, outcome.draft)


async def approvals_of(session: AsyncSession, draft_id: int, revision: int) -> tuple[str, ...]:
    result = await session.scalars(
        select(Approval.user_id)
        .where(Approval.draft_id == draft_id, Approval.revision == revision)
        .order_by(Approval.id)
    )
    return tuple(result)


# Built once: the approval path runs these on every click (building and cache-keying a statement
# costs about as much as executing it on SQLite).
_APPROVAL_COUNT = (
    select(func.count())
    .where(Approval.draft_id == Draft.id, Approval.revision == bindparam("revision"))
    .scalar_subquery()
)
_LOCKED_FOR_APPROVAL = (
    select(Draft, Revision.sha256, _APPROVAL_COUNT, Revision.unsupported_claims, Revision.claims_accepted_by)
    .outerjoin(Revision, and_(Revision.draft_id == Draft.id, Revision.number == bindparam("revision")))
    .where(Draft.id == bindparam("draft_id"))
    .with_for_update(of=Draft)
    .execution_options(populate_existing=True)
)
_INSERT_APPROVAL = insert(Approval.__table__)


async def _locked_for_approval(
    session: AsyncSession, draft_id: int, revision: int
) -> tuple[Draft, str | None, int, bool]:
    """The locked draft, the SHA-256 of `revision` (None if there is no such revision), how many
    approvals that revision has and whether it still has unaccepted unsupported claims: one round
    trip for everything an approval checks."""
    found = (await session.execute(_LOCKED_FOR_APPROVAL, {"draft_id": draft_id, "revision": revision})).one_or_none()
    if found is None:
        raise UnknownDraft(draft_id)
    return found[0], found[1], found[2], bool(found[3]) and not found[4]


async def approve(
    session: AsyncSession,
    *,
    draft_id: int,
    revision: int,
    sha256: str,
    user_id: str,
    now: datetime,
    rule: ApprovalRule = ApprovalRule(),
    publish_at: datetime | None = None,
    undo_s: float = 0,
) -> Outcome:
    """`undo_s` > 0 holds an unscheduled approval that long, so it can be undone
    (`scheduled_publish.call_off`) before anything is sent."""
    row, stored_sha256, approval_count, unaccepted = await _locked_for_approval(session, draft_id, revision)
    refusal = _refusal_for(row, revision)
    if refusal:
        return refused(refusal, row)
    if stored_sha256 is None or stored_sha256 != sha256:
        return refused(Refusal.hash_mismatch, row)
    if unaccepted:
        return refused(Refusal.unsupported_claims, row)
    before = await approvals_of(session, draft_id, revision) if approval_count else ()
    if user_id in before:
        return refused(Refusal.already_approved_by_you, row, approvers=before)
    if rule.four_eyes and user_id == row.requester_id and rule.required == 1:
        return refused(Refusal.own_draft, row)
    # No savepoint needed: the draft row lock (SQLite: the write lock) serialises approvals of one
    # draft, and `before` was read under it, so this insert cannot meet a duplicate.
    await session.execute(
        _INSERT_APPROVAL, {"draft_id": draft_id, "revision": revision, "user_id": user_id, "created_at": now}
    )
    approvers = before + (user_id,)
    enough = len(approvers) >= rule.required and (not rule.four_eyes or any(a != row.requester_id for a in approvers))
    if not enough:
        outcome = await transition(
            session,
            row,
            from_status=DraftStatus.pending.value,
            values={"updated_at": now},
            kind="approval_recorded",
            actor=user_id,
            now=now,
            detail={"revision": revision, "sha256": sha256, "approvals": len(approvers), "required": rule.required},
        )
        return replace(outcome, approvers=approvers, final=False) if outcome.ok else _explained(outcome)
    # A time asked for with `/draft --at` holds; a time already past means "now".
    publish_at = publish_at or row.publish_at
    publish_at = publish_at if publish_at and publish_at > now else None
    if publish_at is None and undo_s > 0:
        publish_at = now + timedelta(seconds=undo_s)
    # The bot enqueues at once, after re-rendering the message; the short delay keeps the outbox
    # sweep from starting the job first and having its final render overwritten by the bot's.
    publish = JobSpec(
        JobName.publish_draft,
        {"draft_id": draft_id},
        outbox.publish_key(draft_id, revision),
        due_at=publish_at or now + timedelta(seconds=SWEEP_GRACE_S),
    )
    outcome = await transition(
        session,
        row,
        from_status=DraftStatus.pending.value,
        values={
            "status": DraftStatus.approved.value,
            "approved_revision": revision,
            "approved_sha256": sha256,
            "decided_by": user_id,
            "decided_at": now,
            "updated_at": now,
            "publish_at": publish_at,
        },
        kind="approved",
        actor=user_id,
        now=now,
        job=publish,
        detail={
            "revision": revision,
            "sha256": sha256,
            "approvers": list(approvers),
            "publish_at": publish_at.isoformat() if publish_at else None,
        },
    )
    return replace(outcome, approvers=approvers) if outcome.ok else _explained(outcome)


async def skip(
    session: AsyncSession, *, draft_id: int, revision: int, user_id: str, now: datetime, reason: str | None = None
) -> Outcome:
    row = await locked_draft(session, draft_id)
    skippable = (
        DraftStatus.pending.value,
        DraftStatus.needs_attention.value,
        DraftStatus.failed.value,
        DraftStatus.expired.value,
    )
    if row.status not in skippable:
        return refused(Refusal.already_decided, row)
    if (
        row.status in (DraftStatus.pending.value, DraftStatus.needs_attention.value)
        and row.current_revision != revision
    ):
        return refused(Refusal.stale_revision, row)
    outcome = await transition(
        session,
        row,
        from_status=row.status,
        values={
            "status": DraftStatus.skipped.value,
            "decided_by": user_id,
            "decided_at": now,
            "decision_note": reason,
            "updated_at": now,
        },
        kind="skipped",
        actor=user_id,
        now=now,
        detail={"revision": revision, "reason": reason},
    )
    return _explained(outcome)


async def record_refusal(
    session: AsyncSession, *, draft_id: int | None, user_id: str, action: str, why: str, now: datetime
) -> None:
    """Unauthorised or refused attempts are part of the record too."""
    await audit.append(
        session, kind="refused", actor=user_id, now=now, draft_id=draft_id, detail={"action": action, "why": why}
    )
