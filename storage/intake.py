"""A `/draft` request becomes a draft, its first run, an audit event and an outbox job, together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, search
from storage.models import AuditEvent, Draft, Run
from storage.states import DraftStatus, JobName, RunStatus


@dataclass(frozen=True)
class Accepted:
    draft_id: int
    run_id: int
    job: outbox.QueuedJob

    @property
    def outbox_id(self) -> int:
        return self.job.outbox_id


_INSERT_DRAFT = insert(Draft.__table__).returning(Draft.__table__.c.id)
_INSERT_RUN = insert(Run.__table__).returning(Run.__table__.c.id)
_REQUESTS_SINCE = (
    select(func.count())
    .select_from(Draft)
    .where(Draft.requester_id == bindparam("user_id"), Draft.created_at >= bindparam("since"))
)


async def request_draft(
    session: AsyncSession,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    topic: str,
    destinations: list[str],
    now: datetime,
    publish_at: datetime | None = None,
    sources: list[dict[str, Any]] | None = None,
) -> Accepted:
    """`sources`: material the request came with (a Slack message the draft was started from), as
    {"title", "url", "excerpt", "kind"}; kept in the request's audit event for the writer."""
    # Core inserts: nothing here needs the rows as tracked objects, only their ids.
    draft_id = (
        await session.execute(
            _INSERT_DRAFT,
            dict(
                team_id=team_id,
                channel_id=channel_id,
                requester_id=user_id,
                topic=topic,
                destinations=destinations,
                status=DraftStatus.generating.value,
                version=1,
                current_revision=0,
                progress="queued",
                publish_at=publish_at,
                created_at=now,
                updated_at=now,
            ),
        )
    ).scalar_one()
    run_id = (
        await session.execute(
            _INSERT_RUN,
            dict(draft_id=draft_id, number=1, status=RunStatus.queued.value, requested_by=user_id, created_at=now),
        )
    ).scalar_one()
    await audit.append(
        session,
        kind="requested",
        actor=user_id,
        now=now,
        draft_id=draft_id,
        detail={
            "topic": topic,
            "channel": channel_id,
            "destinations": destinations,
            "publish_at": publish_at.isoformat() if publish_at else None,
            **({"sources": sources} if sources else {}),
        },
    )
    await search.index(session, draft_id=draft_id, kind="topic", body=topic)
    job = await outbox.add(
        session, job=JobName.run_draft, args={"run_id": run_id}, now=now, dedupe_key=outbox.run_key(run_id)
    )
    return Accepted(draft_id, run_id, outbox.queued(job))


async def requests_since(session: AsyncSession, user_id: str, since: datetime) -> int:
    """How many drafts `user_id` asked for since `since` (the per-user rate limit reads this)."""
    return (await session.execute(_REQUESTS_SINCE, {"user_id": user_id, "since": since})).scalar_one()


async def given_sources(session: AsyncSession, draft_id: int) -> list[dict[str, Any]]:
    """The sources a draft was requested with (none for a plain /draft)."""
    detail = await session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.draft_id == draft_id, AuditEvent.kind == "requested")
        .order_by(AuditEvent.seq)
        .limit(1)
    )
    found = (detail or {}).get("sources") or []
    return [s for s in found if isinstance(s, dict) and isinstance(s.get("title"), str)]
