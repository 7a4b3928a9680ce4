"""Scheduled publishing: an approved draft with `publish_at` gets its publish outbox job when due.

The time lives in `drafts.publish_at`, so a worker restart loses nothing: whichever worker runs
`fire_due` first creates the job (its dedupe key names the draft, revision and time, so the
job exists once), and the outbox sweep delivers it even if Redis was down at that moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, queries
from storage.decisions import locked_draft
from storage.models import Approval, Draft, OutboxJob
from storage.results import rowcount
from storage.states import DraftStatus, JobName, OutboxStatus
from storage.transitions import Outcome, Refusal, refused, transition

_APPROVED = DraftStatus.approved.value
_UNDERWAY = frozenset(
    {DraftStatus.publishing.value, DraftStatus.published.value, DraftStatus.partially_published.value}
)


# SIGNOFF_UNDO_S is at most this: a longer hold after the approval is a schedule, not an Undo window.
UNDO_WINDOW_MAX = timedelta(seconds=600)


def held_for_undo(publish_at: datetime | None, decided_at: datetime | None) -> bool:
    return bool(publish_at and decided_at and publish_at - decided_at <= UNDO_WINDOW_MAX)


def _fire_key(draft_id: int, revision: int | None, at: datetime) -> str:
    return f"scheduled-publish:{draft_id}:{revision}:{at.isoformat()}"


async def schedule(session: AsyncSession, *, draft_id: int, publish_at: datetime, user_id: str, now: datetime) -> bool:
    """Hold an approved draft until `publish_at`. Call it in the approval's transaction: the
    immediate publish job that `decisions.approve` created is set aside (never started)."""
    row = await queries.draft(session, draft_id)
    if row.status != _APPROVED or publish_at <= now:
        return False
    immediate = outbox.publish_key(draft_id, row.approved_revision)
    started = await session.scalar(
        select(OutboxJob.id).where(OutboxJob.dedupe_key == immediate, OutboxJob.lease_until.is_not(None))
    )
    if started is not None:
        return False  # the publish job is already running
    changed = await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == _APPROVED, Draft.version == row.version)
        .values(publish_at=publish_at, version=row.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(changed) != 1:
        return False
    await session.execute(
        update(OutboxJob)
        .where(OutboxJob.dedupe_key == immediate, OutboxJob.status == OutboxStatus.pending.value)
        .values(status=OutboxStatus.done.value, done_at=now, last_error="held for publish_at")
    )
    await audit.append(
        session,
        kind="publish_scheduled",
        actor=user_id,
        now=now,
        draft_id=draft_id,
        detail={"publish_at": publish_at.isoformat(), "revision": row.approved_revision},
    )
    await session.refresh(row)
    return True


async def call_off(
    session: AsyncSession,
    *,
    draft_id: int,
    user_id: str,
    now: datetime,
    revision: int | None = None,
    how: str = "unscheduled",
    expires_at: datetime | None = None,
) -> Outcome:
    """Until its publish job starts, an approval waiting out its Undo window or its schedule can be
    called off: the draft is pending again (its approvals of that revision forgotten, the audit
    trail keeps them), to be approved or skipped anew, and nothing is sent. The publish job's first
    step (`publications.begin`: approved → publishing) and this compare-and-set both need the draft
    to be approved at its version, so exactly one of them happens. `revision`, from a button,
    must still be the approved one."""
    row = await locked_draft(session, draft_id)
    if row.status != _APPROVED or row.publish_at is None:
        reason = Refusal.publishing_started if row.status in _UNDERWAY else Refusal.already_decided
        return refused(reason, row)
    if revision is not None and row.approved_revision != revision:
        return refused(Refusal.stale_revision, row)
    held = outbox.publish_key(draft_id, row.approved_revision)
    fired = _fire_key(draft_id, row.approved_revision, row.publish_at)
    if await session.scalar(
        select(OutboxJob.id).where(
            or_(
                OutboxJob.dedupe_key == fired,
                and_(
                    OutboxJob.dedupe_key == held,
                    OutboxJob.status == OutboxStatus.pending.value,
                    or_(OutboxJob.due_at <= now, OutboxJob.lease_until.is_not(None)),
                ),
            )
        )
    ):
        return refused(Refusal.publishing_started, row)  # fired already, or its job is due or running
    approved_revision, publish_at = row.approved_revision, row.publish_at
    outcome = await transition(
        session,
        row,
        from_status=_APPROVED,
        values={
            "status": DraftStatus.pending.value,
            "publish_at": None,
            "approved_revision": None,
            "approved_sha256": None,
            "decided_by": None,
            "decided_at": None,
            "expires_at": expires_at,
            "updated_at": now,
        },
        kind="publish_cancelled",
        actor=user_id,
        now=now,
        detail={"publish_at": publish_at.isoformat(), "revision": approved_revision, "how": how},
    )
    if not outcome.ok:
        return outcome
    # Done, and its key freed: approving the same revision again makes a new publish job.
    for job_id in await session.scalars(
        select(OutboxJob.id).where(OutboxJob.dedupe_key == held, OutboxJob.status == OutboxStatus.pending.value)
    ):
        await session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id)
            .values(
                status=OutboxStatus.done.value,
                done_at=now,
                last_error=f"publish {how}",
                dedupe_key=f"{held}:{how}:{job_id}",
            )
        )
    await session.execute(delete(Approval).where(Approval.draft_id == draft_id, Approval.revision == approved_revision))
    return outcome


async def cancel(
    session: AsyncSession, *, draft_id: int, user_id: str, now: datetime, expires_at: datetime | None = None
) -> bool:
    """`call_off` for callers that only need to know whether it happened."""
    return (await call_off(session, draft_id=draft_id, user_id=user_id, now=now, expires_at=expires_at)).ok


async def fire_due(session: AsyncSession, *, now: datetime, limit: int = 200) -> list[OutboxJob]:
    """Create the publish job of every approved draft whose time has come (once per schedule)."""
    rows = (
        await session.execute(
            select(Draft.id, Draft.approved_revision, Draft.publish_at)
            .where(Draft.status == _APPROVED, Draft.publish_at.is_not(None), Draft.publish_at <= now)
            .order_by(Draft.publish_at, Draft.id)
            .limit(limit)
        )
    ).all()
    jobs: list[OutboxJob] = []
    for row in rows:
        key = _fire_key(row.id, row.approved_revision, row.publish_at)
        # An approval may have written its job with due_at = publish_at already: the sweep owns it.
        if await session.scalar(
            select(OutboxJob.id).where(
                or_(
                    OutboxJob.dedupe_key == key,
                    and_(
                        OutboxJob.dedupe_key == outbox.publish_key(row.id, row.approved_revision),
                        OutboxJob.status == OutboxStatus.pending.value,
                    ),
                )
            )
        ):
            continue
        try:
            async with session.begin_nested():
                job = await outbox.add(
                    session, job=JobName.publish_draft, args={"draft_id": row.id}, now=now, dedupe_key=key
                )
        except IntegrityError:
            continue  # another worker fired it in the same moment
        await audit.append(
            session,
            kind="publish_due",
            actor="signoff",
            now=now,
            draft_id=row.id,
            detail={"publish_at": row.publish_at.isoformat(), "revision": row.approved_revision},
        )
        jobs.append(job)
    return jobs
