"""Scheduled publishing: an approved draft with `publish_at` gets its publish outbox job when due.

The time lives in `drafts.publish_at`, so a worker restart loses nothing: whichever worker runs
`fire_due` first creates the job (its dedupe key names the draft, revision and time, so the
job exists once), and the outbox sweep delivers it even if Redis was down at that moment.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, queries
from storage.models import Draft, OutboxJob
from storage.results import rowcount
from storage.states import DraftStatus, JobName, OutboxStatus

_APPROVED = DraftStatus.approved.value


def _fire_key(draft_id: int, revision: int | None, at: datetime) -> str:
    return f"scheduled-publish:{draft_id}:{revision}:{at.isoformat()}"


async def schedule(session: AsyncSession, *, draft_id: int, publish_at: datetime, user_id: str,
                   now: datetime) -> bool:
    """Hold an approved draft until `publish_at`. Call it in the approval's transaction: the
    immediate publish job that `decisions.approve` created is set aside (never started)."""
    row = await queries.draft(session, draft_id)
    if row.status != _APPROVED or publish_at <= now:
        return False
    immediate = outbox.publish_key(draft_id, row.approved_revision)
    started = await session.scalar(select(OutboxJob.id).where(
        OutboxJob.dedupe_key == immediate, OutboxJob.lease_until.is_not(None)))
    if started is not None:
        return False  # the publish job is already running
    changed = await session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.status == _APPROVED, Draft.version == row.version)
        .values(publish_at=publish_at, version=row.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if rowcount(changed) != 1:
        return False
    await session.execute(
        update(OutboxJob).where(OutboxJob.dedupe_key == immediate,
                                OutboxJob.status == OutboxStatus.pending.value)
        .values(status=OutboxStatus.done.value, done_at=now, last_error="held for publish_at"))
    await audit.append(session, kind="publish_scheduled", actor=user_id, now=now, draft_id=draft_id,
                       detail={"publish_at": publish_at.isoformat(), "revision": row.approved_revision})
    await session.refresh(row)
    return True


async def cancel(session: AsyncSession, *, draft_id: int, user_id: str, now: datetime,
                 expires_at: datetime | None = None) -> bool:
    """Until it fires, a scheduled publish can be called off: the draft is pending again, to be
    approved (or skipped) anew. False when there is no schedule or it already fired."""
    row = await queries.draft(session, draft_id)
    if row.status != _APPROVED or row.publish_at is None:
        return False
    held = outbox.publish_key(draft_id, row.approved_revision)
    if await session.scalar(select(OutboxJob.id).where(or_(
            OutboxJob.dedupe_key == _fire_key(draft_id, row.approved_revision, row.publish_at),
            and_(OutboxJob.dedupe_key == held, OutboxJob.status == OutboxStatus.pending.value,
                 or_(OutboxJob.due_at <= now, OutboxJob.lease_until.is_not(None)))))):
        return False  # fired already, or its job is due or running
    changed = await session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.status == _APPROVED, Draft.version == row.version)
        .values(status=DraftStatus.pending.value, publish_at=None, approved_revision=None,
                approved_sha256=None, decided_by=None, decided_at=None, expires_at=expires_at,
                version=row.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if rowcount(changed) != 1:
        return False
    await session.execute(
        update(OutboxJob).where(OutboxJob.dedupe_key == held, OutboxJob.status == OutboxStatus.pending.value)
        .values(status=OutboxStatus.done.value, done_at=now, last_error="scheduled publish cancelled"))
    await audit.append(session, kind="publish_cancelled", actor=user_id, now=now, draft_id=draft_id,
                       detail={"publish_at": row.publish_at.isoformat(), "revision": row.approved_revision})
    await session.refresh(row)
    return True


async def fire_due(session: AsyncSession, *, now: datetime, limit: int = 200) -> list[OutboxJob]:
    """Create the publish job of every approved draft whose time has come (once per schedule)."""
    rows = (await session.execute(
        select(Draft.id, Draft.approved_revision, Draft.publish_at)
        .where(Draft.status == _APPROVED, Draft.publish_at.is_not(None), Draft.publish_at <= now)
        .order_by(Draft.publish_at, Draft.id).limit(limit))).all()
    jobs: list[OutboxJob] = []
    for row in rows:
        key = _fire_key(row.id, row.approved_revision, row.publish_at)
        # An approval may have written its job with due_at = publish_at already: the sweep owns it.
        if await session.scalar(select(OutboxJob.id).where(
                or_(OutboxJob.dedupe_key == key,
                    and_(OutboxJob.dedupe_key == outbox.publish_key(row.id, row.approved_revision),
                         OutboxJob.status == OutboxStatus.pending.value)))):
            continue
        try:
            async with session.begin_nested():
                job = await outbox.add(session, job=JobName.publish_draft, args={"draft_id": row.id}, now=now,
                                       dedupe_key=key)
        except IntegrityError:
            continue  # another worker fired it in the same moment
        await audit.append(session, kind="publish_due", actor="signoff", now=now, draft_id=row.id,
                           detail={"publish_at": row.publish_at.isoformat(),
                                   "revision": row.approved_revision})
        jobs.append(job)
    return jobs
