"""Human decisions on a draft: compare-and-set, each with its audit event and any outbox job.

A refused decision is a value (`Decision(ok=False, reason=…)`), not an exception: the bot turns
it into a polite ephemeral message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache

from sqlalchemy import Update, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage import audit, outbox, queries
from storage.errors import UnknownDraft
from storage.models import Approval, Draft, Revision
from storage.states import DraftStatus

PUBLISH_JOB = "publish_draft"
SWEEP_GRACE_S = 3


class Refusal(str, Enum):
    already_decided = "already_decided"
    stale_revision = "stale_revision"
    not_ready = "not_ready"
    needs_attention = "needs_attention"
    hash_mismatch = "hash_mismatch"
    lost_race = "lost_race"
    own_draft = "own_draft"
    already_approved_by_you = "already_approved_by_you"
    # Claims no source supports, not accepted by an approver yet (storage/claims.py).
    unsupported_claims = "unsupported_claims"
    nothing_to_accept = "nothing_to_accept"
    claims_already_accepted = "claims_already_accepted"


@dataclass(frozen=True)
class ApprovalRule:
    required: int = 1
    four_eyes: bool = True


@dataclass(frozen=True)
class Decision:
    ok: bool
    draft: Draft
    reason: Refusal | None = None
    outbox_id: int | None = None
    job_id: str | None = None
    # For multi-approver drafts: who has approved this revision so far, and whether that was enough.
    approvers: tuple[str, ...] = field(default_factory=tuple)
    final: bool = True


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
    row = await session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update()
                               .execution_options(populate_existing=True))
    return row if row is not None else await queries.draft(session, draft_id)


@lru_cache(maxsize=64)
def _compare_and_set_statement(columns: tuple[str, ...]) -> Update:
    """One statement per set of written columns, built once (there are a handful of such sets)."""
    # Table columns, not ORM attributes: an ORM-annotated UPDATE takes SQLAlchemy's much slower
    # "bulk ORM update" path (session synchronisation) for no benefit here.
    drafts = Draft.__table__.c
    return (update(Draft.__table__)
            .where(drafts.id == bindparam("match_id"), drafts.status == bindparam("match_status"),
                   drafts.version == bindparam("match_version"))
            .values({column: bindparam(column) for column in columns}))


async def compare_and_set(session: AsyncSession, row: Draft, *, from_status: str, values: dict) -> bool:
    """Write `values` only if nobody changed the draft since `row` was read. On success `row` shows
    the written values (as if refreshed, without the extra SELECT)."""
    values = {"version": row.version + 1, **values}
    result = await session.execute(_compare_and_set_statement(tuple(sorted(values))), {
        "match_id": row.id, "match_status": from_status, "match_version": row.version, **values})
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True


async def _refuse(session: AsyncSession, draft_id: int, refusal: Refusal) -> Decision:
    """Someone else changed the draft between our read and our write: show them the new state."""
    row = await queries.draft(session, draft_id)
    await session.refresh(row)
    return Decision(False, row, _refusal_for(row, row.current_revision) or refusal)


async def approvals_of(session: AsyncSession, draft_id: int, revision: int) -> tuple[str, ...]:
    result = await session.scalars(select(Approval.user_id).where(
        Approval.draft_id == draft_id, Approval.revision == revision).order_by(Approval.id))
    return tuple(result)


# Built once: the approval path runs these on every click (building and cache-keying a statement
# costs about as much as executing it on SQLite).
_APPROVAL_COUNT = (select(func.count()).where(Approval.draft_id == Draft.id,
                                              Approval.revision == bindparam("revision"))
                   .scalar_subquery())
_LOCKED_FOR_APPROVAL = (
    select(Draft, Revision.sha256, _APPROVAL_COUNT, Revision.unsupported_claims, Revision.claims_accepted_by)
    .outerjoin(Revision, and_(Revision.draft_id == Draft.id, Revision.number == bindparam("revision")))
    .where(Draft.id == bindparam("draft_id"))
    .with_for_update(of=Draft)
    .execution_options(populate_existing=True)
)
_INSERT_APPROVAL = insert(Approval.__table__)


async def _locked_for_approval(session: AsyncSession, draft_id: int, revision: int
                               ) -> tuple[Draft, str | None, int, bool]:
    """The locked draft, the SHA-256 of `revision` (None if there is no such revision), how many
    approvals that revision has and whether it still has unaccepted unsupported claims: one round
    trip for everything an approval checks."""
    found = (await session.execute(_LOCKED_FOR_APPROVAL, {"draft_id": draft_id, "revision": revision})
             ).one_or_none()
    if found is None:
        raise UnknownDraft(draft_id)
    return found[0], found[1], found[2], bool(found[3]) and not found[4]


async def approve(session: AsyncSession, *, draft_id: int, revision: int, sha256: str, user_id: str,
                  now: datetime, rule: ApprovalRule = ApprovalRule(),
                  publish_at: datetime | None = None) -> Decision:
    row, stored_sha256, approval_count, unaccepted = await _locked_for_approval(session, draft_id, revision)
    refusal = _refusal_for(row, revision)
    if refusal:
        return Decision(False, row, refusal)
    if stored_sha256 is None or stored_sha256 != sha256:
        return Decision(False, row, Refusal.hash_mismatch)
    if unaccepted:
        return Decision(False, row, Refusal.unsupported_claims)
    before = await approvals_of(session, draft_id, revision) if approval_count else ()
    if user_id in before:
        return Decision(False, row, Refusal.already_approved_by_you, approvers=before)
    if rule.four_eyes and user_id == row.requester_id and rule.required == 1:
        return Decision(False, row, Refusal.own_draft)
    # No savepoint needed: the draft row lock (SQLite: the write lock) serialises approvals of one
    # draft, and `before` was read under it, so this insert cannot meet a duplicate.
    await session.execute(_INSERT_APPROVAL, {"draft_id": draft_id, "revision": revision, "user_id": user_id,
                                             "created_at": now})
    approvers = before + (user_id,)
    enough = len(approvers) >= rule.required and (
        not rule.four_eyes or any(a != row.requester_id for a in approvers))
    if not enough:
        if not await compare_and_set(session, row, from_status=DraftStatus.pending.value,
                                     values={"updated_at": now}):
            return await _refuse(session, draft_id, Refusal.lost_race)
        await audit.append(session, kind="approval_recorded", actor=user_id, now=now, draft_id=draft_id,
                           detail={"revision": revision, "sha256": sha256, "approvals": len(approvers),
                                   "required": rule.required})
        return Decision(True, row, approvers=approvers, final=False)
    # A time asked for with `/draft --at` holds; a time already past means "now".
    publish_at = publish_at or row.publish_at
    publish_at = publish_at if publish_at and publish_at > now else None
    changed = await compare_and_set(session, row, from_status=DraftStatus.pending.value, values={
        "status": DraftStatus.approved.value, "approved_revision": revision, "approved_sha256": sha256,
        "decided_by": user_id, "decided_at": now, "updated_at": now, "publish_at": publish_at})
    if not changed:
        return await _refuse(session, draft_id, Refusal.lost_race)
    await audit.append(session, kind="approved", actor=user_id, now=now, draft_id=draft_id,
                       detail={"revision": revision, "sha256": sha256, "approvers": list(approvers),
                               "publish_at": publish_at.isoformat() if publish_at else None})
    # The bot enqueues at once, after re-rendering the message; the short delay keeps the outbox
    # sweep from starting the job first and having its final render overwritten by the bot's.
    job = await outbox.add(session, job=PUBLISH_JOB, args={"draft_id": draft_id}, now=now,
                           dedupe_key=f"publish:{draft_id}:{revision}",
                           due_at=publish_at or now + timedelta(seconds=SWEEP_GRACE_S))
    return Decision(True, row, outbox_id=job.id, job_id=outbox.arq_job_id(job), approvers=approvers)


async def skip(session: AsyncSession, *, draft_id: int, revision: int, user_id: str, now: datetime,
               reason: str | None = None) -> Decision:
    row = await locked_draft(session, draft_id)
    skippable = (DraftStatus.pending.value, DraftStatus.needs_attention.value, DraftStatus.failed.value,
                 DraftStatus.expired.value)
    if row.status not in skippable:
        return Decision(False, row, Refusal.already_decided)
    if row.status in (DraftStatus.pending.value, DraftStatus.needs_attention.value) \
            and row.current_revision != revision:
        return Decision(False, row, Refusal.stale_revision)
    changed = await compare_and_set(session, row, from_status=row.status, values={
        "status": DraftStatus.skipped.value, "decided_by": user_id, "decided_at": now,
        "decision_note": reason, "updated_at": now})
    if not changed:
        return await _refuse(session, draft_id, Refusal.lost_race)
    await audit.append(session, kind="skipped", actor=user_id, now=now, draft_id=draft_id,
                       detail={"revision": revision, "reason": reason})
    return Decision(True, row)


async def record_refusal(session: AsyncSession, *, draft_id: int | None, user_id: str, action: str,
                         why: str, now: datetime) -> None:
    """Unauthorised or refused attempts are part of the record too."""
    await audit.append(session, kind="refused", actor=user_id, now=now, draft_id=draft_id,
                       detail={"action": action, "why": why})
