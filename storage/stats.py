"""Aggregates for /metrics, read from the database so they hold across many bots and workers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import AuditEvent, Draft, Publication, Run

DECISIONS = (
    "approved",
    "approval_recorded",
    "skipped",
    "edited",
    "regenerate_requested",
    "refused",
    "cancelled",
    "expired",
)


@dataclass
class Snapshot:
    drafts_by_status: dict[str, int] = field(default_factory=dict)
    runs_by_status: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    publications: dict[tuple[str, str], int] = field(default_factory=dict)
    publish_retries: int = 0
    outbox_backlog: int = 0
    dead_jobs: dict[str, int] = field(default_factory=dict)
    stage_ms: dict[str, list[float]] = field(default_factory=dict)


async def _grouped(session: AsyncSession, *columns: Any) -> dict[Any, int]:
    rows = await session.execute(select(*columns, func.count()).group_by(*columns))
    return {tuple(r[:-1]) if len(columns) > 1 else r[0]: r[-1] for r in rows}


async def snapshot(session: AsyncSession, *, now: datetime, recent_runs: int = 500) -> Snapshot:
    snap = Snapshot()
    snap.drafts_by_status = await _grouped(session, Draft.status)
    snap.runs_by_status = await _grouped(session, Run.status)
    kinds = await session.execute(
        select(AuditEvent.kind, func.count())
        .where(AuditEvent.kind.in_(DECISIONS + ("publish_retry",)))
        .group_by(AuditEvent.kind)
    )
    for kind, count in kinds:
        if kind == "publish_retry":
            snap.publish_retries = count
        else:
            snap.decisions[kind] = count
    snap.publications = await _grouped(session, Publication.destination, Publication.status)
    snap.outbox_backlog = await outbox.backlog(session, now=now)
    snap.dead_jobs = await outbox.dead_by_job(session)
    stages: dict[str, list[float]] = defaultdict(list)
    for run_stages in await session.scalars(
        select(Run.stages).where(Run.stages.is_not(None)).order_by(Run.id.desc()).limit(recent_runs)
    ):
        for stage in run_stages or []:
            stages[stage["name"]].append(float(stage["duration_ms"]))
    snap.stage_ms = dict(stages)
    return snap
