"""Publication rows: claimed before the network call, so no part is ever sent twice blindly.

Row states: claimed → published | retrying | failed | unconfirmed. A row found still `claimed` by a
later attempt means a worker died mid-call: the outcome is unknown and the row becomes
`unconfirmed` until a human (or a reconciliation with the platform) settles it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, queries
from storage.models import Draft, Publication
from storage.states import DraftStatus, PublicationStatus


class ClaimOutcome(str, Enum):
    go = "go"                       # ours to send now
    done = "done"                   # already published
    unknown = "unknown"             # a previous attempt may have sent it
    settled = "settled"             # failed or unconfirmed: a human decides


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    publication: Publication


async def begin(session: AsyncSession, draft_id: int, *, now: datetime) -> Draft | None:
    """approved → publishing; a re-run finds it publishing already and carries on."""
    await session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.status == DraftStatus.approved.value)
        .values(status=DraftStatus.publishing.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    row = await queries.draft(session, draft_id)
    await session.refresh(row)
    return row if row.status == DraftStatus.publishing.value else None


async def claim(session: AsyncSession, *, draft_id: int, revision: int, destination: str, part: int,
                sha256: str, idempotency_key: str, now: datetime) -> Claim:
    existing = await _find(session, draft_id, destination, part)
    if existing is None:
        row = Publication(draft_id=draft_id, revision=revision, destination=destination, part=part,
                          status=PublicationStatus.claimed.value, idempotency_key=idempotency_key,
                          sha256=sha256, attempts=1, claimed_at=now)
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            existing = await _find(session, draft_id, destination, part)
            assert existing is not None
            return Claim(ClaimOutcome.unknown, existing)
        return Claim(ClaimOutcome.go, row)
    status = PublicationStatus(existing.status)
    if status is PublicationStatus.published:
        return Claim(ClaimOutcome.done, existing)
    if status is PublicationStatus.claimed:
        return Claim(ClaimOutcome.unknown, existing)
    if status is PublicationStatus.retrying:
        existing.status, existing.attempts, existing.claimed_at = (
            PublicationStatus.claimed.value, existing.attempts + 1, now)
        await session.flush()
        return Claim(ClaimOutcome.go, existing)
    return Claim(ClaimOutcome.settled, existing)


async def _find(session: AsyncSession, draft_id: int, destination: str, part: int) -> Publication | None:
    return await session.scalar(select(Publication).where(
        Publication.draft_id == draft_id, Publication.destination == destination,
        Publication.part == part))


async def _load(session: AsyncSession, publication_id: int) -> Publication:
    publication = await session.get(Publication, publication_id)
    assert publication is not None, f"publication {publication_id} vanished"
    return publication


async def succeeded(session: AsyncSession, publication_id: int, *, external_id: str | None,
                    url: str | None, now: datetime, actor: str = "signoff") -> None:
    publication = await _load(session, publication_id)
    publication.status, publication.external_id, publication.url = (
        PublicationStatus.published.value, external_id, url)
    publication.finished_at, publication.error = now, None
    await audit.append(session, kind="published", actor=actor, now=now, draft_id=publication.draft_id,
                       detail={"destination": publication.destination, "part": publication.part,
                               "revision": publication.revision, "sha256": publication.sha256,
                               "external_id": external_id, "url": url})
    await session.flush()


async def failed(session: AsyncSession, publication_id: int, *, error: str, retry: bool,
                 now: datetime) -> None:
    publication = await _load(session, publication_id)
    publication.status = (PublicationStatus.retrying if retry else PublicationStatus.failed).value
    publication.error, publication.finished_at = error[:1000], None if retry else now
    kind = "publish_retry" if retry else "publish_failed"
    await audit.append(session, kind=kind, actor="signoff", now=now, draft_id=publication.draft_id,
                       detail={"destination": publication.destination, "part": publication.part,
                               "attempt": publication.attempts, "error": error[:500]})
    await session.flush()


async def unconfirmed(session: AsyncSession, publication_id: int, *, why: str, now: datetime) -> None:
    publication = await _load(session, publication_id)
    publication.status, publication.error = PublicationStatus.unconfirmed.value, why[:1000]
    await audit.append(session, kind="publish_unconfirmed", actor="signoff", now=now,
                       draft_id=publication.draft_id,
                       detail={"destination": publication.destination, "part": publication.part,
                               "why": why[:500]})
    await session.flush()


async def settle(session: AsyncSession, draft_id: int, *, now: datetime) -> Draft:
    """Derive the draft's final status from its publication rows once no part is still retrying."""
    rows = await queries.publications(session, draft_id)
    statuses = {PublicationStatus(r.status) for r in rows}
    row = await queries.draft(session, draft_id)
    if PublicationStatus.retrying in statuses or PublicationStatus.claimed in statuses:
        return row
    if statuses == {PublicationStatus.published}:
        final = DraftStatus.published
    elif PublicationStatus.published in statuses:
        final = DraftStatus.partially_published
    else:
        final = DraftStatus.failed
    changed = await session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.status == DraftStatus.publishing.value)
        .values(status=final.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if changed.rowcount == 1:
        await audit.append(session, kind=f"publishing_{final.value}", actor="signoff", now=now,
                           draft_id=draft_id, detail={"status": final.value})
    await session.refresh(row)
    return row
