"""Numbers for the weekly report of one channel, read from the audit trail and publications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Draft, Publication
from storage.states import PublicationStatus

COUNTED = ("requested", "approved", "skipped", "expired")


@dataclass(frozen=True)
class WeeklyStats:
    channel_id: str
    since: datetime
    until: datetime
    counts: dict[str, int] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)
    median_decision: timedelta | None = None


async def weekly_stats(session: AsyncSession, *, channel_id: str, until: datetime, days: int = 7) -> WeeklyStats:
    since = until - timedelta(days=days)
    in_channel = select(Draft.id).where(Draft.channel_id == channel_id)
    counts = dict(
        (
            await session.execute(
                select(AuditEvent.kind, func.count(AuditEvent.id))
                .where(
                    AuditEvent.kind.in_(COUNTED),
                    AuditEvent.draft_id.in_(in_channel),
                    AuditEvent.created_at >= since,
                    AuditEvent.created_at < until,
                )
                .group_by(AuditEvent.kind)
            )
        ).all()
    )
    # Part 0 stands for the whole post, however many parts a thread needed.
    published = dict(
        (
            await session.execute(
                select(Publication.destination, func.count(Publication.id))
                .where(
                    Publication.status == PublicationStatus.published.value,
                    Publication.part == 0,
                    Publication.draft_id.in_(in_channel),
                    Publication.finished_at >= since,
                    Publication.finished_at < until,
                )
                .group_by(Publication.destination)
            )
        ).all()
    )
    # decided_at >= since leaves out drafts not decided yet.
    waits = [
        decided - created  # type: ignore[operator]
        for created, decided in (
            await session.execute(
                select(Draft.created_at, Draft.decided_at).where(
                    Draft.channel_id == channel_id, Draft.decided_at >= since, Draft.decided_at < until
                )
            )
        ).all()
    ]
    middle = median(waits) if waits else None  # type: ignore[type-var]  # median works on timedeltas
    return WeeklyStats(channel_id, since, until, {k: counts.get(k, 0) for k in COUNTED}, published, middle)
