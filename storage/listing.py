"""Read-only lists for `/signoff`: pending drafts, a draft's runs, search hits joined to drafts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import search
from storage.decisions import approvals_of
from storage.models import Draft, Run
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


async def runs_of(session: AsyncSession, draft_id: int) -> list[Run]:
    return list(await session.scalars(select(Run).where(Run.draft_id == draft_id).order_by(Run.number)))


async def search_drafts(session: AsyncSession, words: str, *, limit: int = 10) -> list[tuple[Draft, str]]:
    hits = await search.search(session, words, limit=limit)
    drafts = {d.id: d for d in await session.scalars(select(Draft).where(Draft.id.in_([h.draft_id for h in hits])))}
    return [(drafts[h.draft_id], h.snippet) for h in hits if h.draft_id in drafts]
