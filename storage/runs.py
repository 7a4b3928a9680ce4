"""A pipeline run's life: started, then a new revision or a failure, each with its audit event."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, queries, search
from storage.models import Draft, Revision, Run
from storage.states import DraftStatus, RunStatus


def sha256_hex(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def start(session: AsyncSession, run_id: int, *, now: datetime) -> Run | None:
    """Mark the run running; None when it already finished (a duplicate delivery of the job)."""
    run = await queries.run(session, run_id)
    if run is None or run.status in (RunStatus.succeeded.value, RunStatus.failed.value,
                                     RunStatus.cancelled.value):
        return None
    if run.status == RunStatus.queued.value:
        run.status, run.started_at = RunStatus.running.value, now
        await session.flush()
    return run


async def set_progress(session: AsyncSession, draft_id: int, phrase: str, *, now: datetime) -> None:
    await session.execute(update(Draft).where(Draft.id == draft_id)
                          .values(progress=phrase[:200], updated_at=now))


async def set_messages(session: AsyncSession, draft_id: int, *, parent_ts: str | None = None,
                       message_ts: str | None = None, permalink: str | None = None) -> None:
    values = {k: v for k, v in (("parent_ts", parent_ts), ("message_ts", message_ts),
                                ("permalink", permalink)) if v}
    if values:
        await session.execute(update(Draft).where(Draft.id == draft_id).values(**values))


async def record_revision(session: AsyncSession, run: Run, *, text: str, policy_ok: bool, details: dict,
                          stages: list, now: datetime, expires_at: datetime | None = None) -> Revision | None:
    """The run succeeded: store its text as the next revision and open the draft for decision.

    None when the run was cancelled meanwhile: its result is dropped.
    """
    if run.status != RunStatus.running.value:
        return None
    row = await queries.draft(session, run.draft_id)
    number = row.current_revision + 1
    revision = Revision(draft_id=row.id, number=number, text=text, sha256=sha256_hex(text),
                        author="pipeline", run_id=run.id, policy_ok=policy_ok, details=details,
                        created_at=now)
    session.add(revision)
    status = DraftStatus.pending if policy_ok else DraftStatus.needs_attention
    await session.execute(
        update(Draft).where(Draft.id == row.id)
        .values(current_revision=number, status=status.value, version=Draft.version + 1,
                progress=None, last_error=None, updated_at=now,
                **({"expires_at": expires_at} if expires_at else {}))
        .execution_options(synchronize_session=False))
    run.status, run.finished_at, run.stages = RunStatus.succeeded.value, now, stages
    await audit.append(session, kind="drafted", actor="signoff", now=now, draft_id=row.id, detail={
        "run": run.number, "revision": number, "sha256": revision.sha256, "policy_ok": policy_ok,
        "problems": details.get("policy", {}).get("problems", [])})
    await search.index(session, draft_id=row.id, kind="revision", body=text)
    await session.flush()
    await session.refresh(row)
    return revision


async def fail(session: AsyncSession, run: Run, *, error: str, now: datetime) -> None:
    if run.status != RunStatus.running.value:
        return
    run.status, run.finished_at, run.error = RunStatus.failed.value, now, error
    await session.execute(
        update(Draft).where(Draft.id == run.draft_id, Draft.status == DraftStatus.generating.value)
        .values(status=DraftStatus.failed.value, version=Draft.version + 1, progress=None,
                last_error=error, updated_at=now)
        .execution_options(synchronize_session=False))
    await audit.append(session, kind="failed", actor="signoff", now=now, draft_id=run.draft_id,
                       detail={"run": run.number, "error": error})
    await session.flush()
