"""Read-only look-ups shared by the bot and the worker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import UnknownDraft
from storage.models import Draft, Publication, Revision, Run


async def draft(session: AsyncSession, draft_id: int) -> Draft:
    row = await session.get(Draft, draft_id)
    if row is None:
        raise UnknownDraft(draft_id)
    return row


async def revision(session: AsyncSession, draft_id: int, number: int) -> Revision | None:
    return await session.scalar(select(Revision).where(Revision.draft_id == draft_id, Revision.number == number))


async def current_revision(session: AsyncSession, row: Draft) -> Revision | None:
    if not row.current_revision:
        return None
    return await revision(session, row.id, row.current_revision)


async def run(session: AsyncSession, run_id: int) -> Run | None:
    return await session.get(Run, run_id)


async def publications(session: AsyncSession, draft_id: int) -> list[Publication]:
    result = await session.scalars(
        select(Publication).where(Publication.draft_id == draft_id).order_by(Publication.destination, Publication.part)
    )
    return list(result)
