"""Read-only lists for `/signoff` and the App Home: pending drafts, a person's requests, what is
scheduled, what was published lately, a draft's runs, search hits joined to drafts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import search
from storage.decisions import approvals_of
from storage.models import Draft, Publication, Run
from storage.states import DraftStatus

WAITING = (DraftStatus.pending.value, DraftStatus.needs_attention.value)


async def waiting(session: AsyncSession, *, channel_id: str | None = None) -> list[Draft]:
    query = select(Draft).where(Draft.status.in_(WAITING)).order_by(Draft.created_at)
    if channel_id:
        query = query.where(Draft.channel_id == channel_id)
    return list(await session.scalars(query.limit(500)))


async def waiting_for(session: AsyncSession, user_id: str, *, four_eyes: bool) -> list[Draft]:
    """Pending drafts this approver has not approved yet (and, under four eyes, did not request)."""
    mine = []
    for draft in await waiting(session):
        if four_eyes and draft.requester_id == user_id:
            continue
        if user_id not in await approvals_of(session, draft.id, draft.current_revision):
            mine.append(draft)
    return mine


async def requested_by(session: AsyncSession, user_id: str, *, limit: int = 10) -> list[Draft]:
    """A person's latest requests, newest first, whatever became of them."""
    return list(
        await session.scalars(
            select(Draft)
            .where(Draft.requester_id == user_id)
            .order_by(Draft.created_at.desc(), Draft.id.desc())
            .limit(limit)
        )
    )


async def scheduled_until(session: AsyncSession, until: datetime, *, limit: int = 50) -> list[Draft]:
    """Approved drafts waiting for a time before `until` (a schedule or an Undo window), soonest first."""
    return list(
        await session.scalars(
            select(Draft)
            .where(Draft.status == DraftStatus.approved.value, Draft.publish_at.is_not(None), Draft.publish_at < until)
            .order_by(Draft.publish_at, Draft.id)
            .limit(limit)
        )
    )


PUBLISHED = (DraftStatus.published.value, DraftStatus.partially_published.value, DraftStatus.publishing.value)


async def published_since(
    session: AsyncSession, since: datetime, *, limit: int = 10
) -> list[tuple[Draft, list[Publication]]]:
    """Drafts published (or publishing) lately, newest first, with their publication parts."""
    drafts = list(
        await session.scalars(
            select(Draft)
            .where(Draft.status.in_(PUBLISHED), Draft.updated_at >= since)
            .order_by(Draft.updated_at.desc(), Draft.id.desc())
            .limit(limit)
        )
    )
    parts = list(
        await session.scalars(
            select(Publication)
            .where(Publication.draft_id.in_([d.id for d in drafts]))
            .order_by(Publication.destination, Publication.part)
        )
    )
    return [(d, [p for p in parts if p.draft_id == d.id]) for d in drafts]


async def runs_of(session: AsyncSession, draft_id: int) -> list[Run]:
    return list(await session.scalars(select(Run).where(Run.draft_id == draft_id).order_by(Run.number)))


async def search_drafts(session: AsyncSession, words: str, *, limit: int = 10) -> list[tuple[Draft, str]]:
    hits = await search.search(session, words, limit=limit)
    drafts = {d.id: d for d in await session.scalars(select(Draft).where(Draft.id.in_([h.draft_id for h in hits])))}
    return [(drafts[h.draft_id], h.snippet) for h in hits if h.draft_id in drafts]
