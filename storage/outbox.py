"""The outbox: jobs written in the same transaction as the change that needs them.

A job row stays `pending` until its job function marks it `done`. Whoever runs it holds a lease
(`lease_until`) that it renews while working; the sweep re-enqueues rows whose job never ran or
whose lease ran out because the worker died.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxJob
from storage.redaction import redactor_of
from storage.results import rowcount
from storage.states import JobName, OutboxStatus

_INSERT_JOB = insert(OutboxJob.__table__).returning(OutboxJob.__table__.c.id)


def arq_job_id(job: OutboxJob) -> str:
    return f"{job.job}:{job.id}:{job.token[:12]}:{job.attempt}"


@dataclass(frozen=True)
class QueuedJob:
    """An outbox job a committed change created (or the sweep found due): what the caller hands
    to arq once the transaction has committed."""

    name: JobName
    outbox_id: int
    arq_id: str


def queued(job: OutboxJob) -> QueuedJob:
    return QueuedJob(JobName(job.job), job.id, arq_job_id(job))


# Dedupe keys: one job per run, and one publish job per approved revision.
def run_key(run_id: int) -> str:
    return f"run:{run_id}"


def publish_key(draft_id: int, revision: int | None) -> str:
    return f"{publish_key_prefix(draft_id)}{revision}"


def publish_key_prefix(draft_id: int) -> str:
    return f"publish:{draft_id}:"


async def add(
    session: AsyncSession,
    *,
    job: JobName,
    args: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    due_at: datetime | None = None,
) -> OutboxJob:
    """The new job row, written with a Core insert (on every /draft and approval): the returned
    object is a detached copy for reading its id, token and attempt, not tracked by the session."""
    values = dict(
        token=uuid.uuid4().hex,
        job=JobName(job).value,
        args=args,
        dedupe_key=dedupe_key,
        status=OutboxStatus.pending.value,
        attempt=0,
        due_at=due_at or now,
        created_at=now,
    )
    job_id = (await session.execute(_INSERT_JOB, values)).scalar_one()
    return OutboxJob(id=job_id, **values)


async def get(session: AsyncSession, outbox_id: int) -> OutboxJob | None:
    return await session.get(OutboxJob, outbox_id)


@dataclass(frozen=True)
class Lease:
    """A held lease: the job's args and the owner token that renewals and releases must name."""

    args: dict[str, Any]
    owner: str


def _lapsed(outbox, now: datetime):  # type: ignore[no-untyped-def]
    return or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now)


async def claim(session: AsyncSession, outbox_id: int, *, now: datetime, lease_s: float) -> Lease | None:
    """Take the lease if nobody holds a live one; None means someone else has it or it is done.
    One statement: the compare-and-set hands back what the job needs."""
    outbox, owner = OutboxJob.__table__, uuid.uuid4().hex
    args = (
        await session.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id, outbox.c.status == OutboxStatus.pending.value, _lapsed(outbox, now))
            .values(lease_until=now + timedelta(seconds=lease_s), lease_owner=owner)
            .returning(outbox.c.args)
        )
    ).scalar_one_or_none()
    return Lease(args, owner) if args is not None else None


async def renew(session: AsyncSession, outbox_id: int, owner: str, *, now: datetime, lease_s: float) -> bool:
    """Extend our lease; False when it is no longer ours (it lapsed and another worker took the
    job over, or the row was finished): the caller must stop."""
    outbox = OutboxJob.__table__
    result = await session.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id, outbox.c.status == OutboxStatus.pending.value, outbox.c.lease_owner == owner)
        .values(lease_until=now + timedelta(seconds=lease_s))
    )
    return rowcount(result) == 1


async def release(
    session: AsyncSession,
    outbox_id: int,
    *,
    owner: str | None = None,
    error: str | None = None,
    due_at: datetime | None = None,
) -> None:
    """Give the lease back so a retry (arq or the sweep) can take it at once or at `due_at`. With
    `owner`, only a lease that is still ours is given back."""
    outbox = OutboxJob.__table__
    values: dict[str, Any] = {"lease_until": None, "lease_owner": None, "last_error": _redacted(session, error)}
    if due_at is not None:
        values["due_at"] = due_at
    condition = [outbox.c.id == outbox_id] + ([outbox.c.lease_owner == owner] if owner else [])
    await session.execute(update(outbox).where(*condition).values(**values))


async def finish(
    session: AsyncSession,
    outbox_id: int,
    *,
    now: datetime,
    status: OutboxStatus = OutboxStatus.done,
    error: str | None = None,
) -> None:
    outbox = OutboxJob.__table__
    await session.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id)
        .values(
            status=status.value, done_at=now, lease_until=None, lease_owner=None, last_error=_redacted(session, error)
        )
    )


def _redacted(session: AsyncSession, error: str | None) -> str | None:
    return redactor_of(session).redact(error) if error else error


async def due(session: AsyncSession, *, now: datetime, limit: int = 500) -> list[OutboxJob]:
    """Pending jobs that are due and not leased by a live worker."""
    result = await session.scalars(
        select(OutboxJob)
        .where(
            OutboxJob.status == OutboxStatus.pending.value,
            OutboxJob.due_at <= now,
            or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until < now),
        )
        .order_by(OutboxJob.id)
        .limit(limit)
    )
    return list(result)


async def bump_attempt(session: AsyncSession, outbox_id: int, expected_attempt: int, *, now: datetime) -> bool:
    """Give a row whose job finished without finishing it, or whose worker died, a new job id.
    Compare-and-set on the attempt AND on the lease being lapsed: a worker that claimed the row
    after the sweep looked keeps it (the sweep must never start a second holder)."""
    outbox = OutboxJob.__table__
    result = await session.execute(
        update(outbox)
        .where(
            outbox.c.id == outbox_id,
            outbox.c.attempt == expected_attempt,
            outbox.c.status == OutboxStatus.pending.value,
            _lapsed(outbox, now),
        )
        .values(attempt=expected_attempt + 1)
    )
    return rowcount(result) == 1


async def backlog(session: AsyncSession, *, now: datetime) -> int:
    from sqlalchemy import func

    return (
        await session.execute(
            select(func.count())
            .select_from(OutboxJob)
            .where(OutboxJob.status == OutboxStatus.pending.value, OutboxJob.due_at <= now)
        )
    ).scalar_one()


async def dead_by_job(session: AsyncSession) -> dict[str, int]:
    """Jobs given up, by job name (each one was shown as a failure in its thread)."""
    from sqlalchemy import func

    rows = await session.execute(
        select(OutboxJob.job, func.count()).where(OutboxJob.status == OutboxStatus.dead.value).group_by(OutboxJob.job)
    )
    # Not dict(rows): a Result has keys() (its column names), so dict() would read it as a mapping.
    return {job: count for job, count in rows}  # noqa: C416
