"""A `/draft` request becomes a draft, its first run, an audit event and an outbox job, together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, search
from storage.models import Draft, Run
from storage.states import DraftStatus, RunStatus

RUN_JOB = "run_draft"


@dataclass(frozen=True)
class Accepted:
    draft_id: int
    run_id: int
    outbox_id: int
    job_id: str


async def request_draft(session: AsyncSession, *, team_id: str, channel_id: str, user_id: str,
                        topic: str, destinations: list[str], now: datetime,
                        publish_at: datetime | None = None) -> Accepted:
    draft = Draft(team_id=team_id, channel_id=channel_id, requester_id=user_id, topic=topic,
                  destinations=destinations, status=DraftStatus.generating.value, version=1,
                  current_revision=0, progress="queued", publish_at=publish_at, created_at=now,
                  updated_at=now)
    session.add(draft)
    await session.flush()
    run = Run(draft_id=draft.id, number=1, status=RunStatus.queued.value, requested_by=user_id,
              created_at=now)
    session.add(run)
    await session.flush()
    await audit.append(session, kind="requested", actor=user_id, now=now, draft_id=draft.id,
                       detail={"topic": topic, "channel": channel_id, "destinations": destinations,
                               "publish_at": publish_at.isoformat() if publish_at else None})
    await search.index(session, draft_id=draft.id, kind="topic", body=topic)
    job = await outbox.add(session, job=RUN_JOB, args={"run_id": run.id}, now=now,
                           dedupe_key=f"run:{run.id}")
    return Accepted(draft.id, run.id, job.id, outbox.arq_job_id(job))


async def requests_since(session: AsyncSession, user_id: str, since: datetime) -> int:
    """How many drafts `user_id` asked for since `since` (the per-user rate limit reads this)."""
    return (await session.execute(select(func.count()).select_from(Draft).where(
        Draft.requester_id == user_id, Draft.created_at >= since))).scalar_one()
