"""Publication rows: claimed before the network call, so no part is ever sent twice blindly.

Row states: claimed → published | retrying | failed | unconfirmed | handoff; a person may also
mark a row published or skipped (storage/publication_decisions.py). A row found still `claimed` by
a later attempt means a worker died mid-call: the outcome is unknown, so the worker reconciles with
the platform or marks it `unconfirmed` until a human settles it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, queries
from storage.models import Draft, OutboxJob, Publication
from storage.redaction import redactor_of
from storage.results import rowcount
from storage.states import DraftStatus, OutboxStatus, PublicationStatus


class ClaimOutcome(str, Enum):
    go = "go"  # ours to send now
    done = "done"  # already published
    unknown = "unknown"  # a previous attempt may have sent it
    settled = "settled"  # failed or unconfirmed: a human decides


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    publication: Publication


async def begin(session: AsyncSession, draft_id: int, *, now: datetime) -> Draft | None:
    """approved → publishing; a re-run finds it publishing already and carries on."""
    await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == DraftStatus.approved.value)
        .values(status=DraftStatus.publishing.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    row = await queries.draft(session, draft_id)
    await session.refresh(row)
    return row if row.status == DraftStatus.publishing.value else None


async def claim(
    session: AsyncSession,
    *,
    draft_id: int,
    revision: int,
    destination: str,
    part: int,
    sha256: str,
    idempotency_key: str,
    now: datetime,
) -> Claim:
    existing = await _find(session, draft_id, destination, part)
    if existing is None:
        row = Publication(
            draft_id=draft_id,
            revision=revision,
            destination=destination,
            part=part,
            status=PublicationStatus.claimed.value,
            idempotency_key=idempotency_key,
            sha256=sha256,
            attempts=1,
            claimed_at=now,
        )
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
            PublicationStatus.claimed.value,
            existing.attempts + 1,
            now,
        )
        await session.flush()
        return Claim(ClaimOutcome.go, existing)
    return Claim(ClaimOutcome.settled, existing)


async def _find(session: AsyncSession, draft_id: int, destination: str, part: int) -> Publication | None:
    return await session.scalar(
        select(Publication).where(
            Publication.draft_id == draft_id, Publication.destination == destination, Publication.part == part
        )
    )


async def _load(session: AsyncSession, publication_id: int) -> Publication:
    publication = await session.get(Publication, publication_id)
    assert publication is not None, f"publication {publication_id} vanished"
    return publication


async def succeeded(
    session: AsyncSession,
    publication_id: int,
    *,
    external_id: str | None,
    url: str | None,
    now: datetime,
    actor: str = "signoff",
    how: str | None = None,
) -> None:
    """`how` says how we know when it is not the platform's own answer ("reconciled", "marked")."""
    publication = await _load(session, publication_id)
    publication.status, publication.external_id, publication.url = (PublicationStatus.published.value, external_id, url)
    publication.finished_at, publication.error = now, None
    await audit.append(
        session,
        kind="published",
        actor=actor,
        now=now,
        draft_id=publication.draft_id,
        detail={
            "destination": publication.destination,
            "part": publication.part,
            "revision": publication.revision,
            "sha256": publication.sha256,
            "external_id": external_id,
            "url": url,
            **({"how": how} if how else {}),
        },
    )
    await session.flush()


async def failed(
    session: AsyncSession,
    publication_id: int,
    *,
    error: str,
    retry: bool,
    now: datetime,
    retry_in_s: float | None = None,
) -> None:
    # A platform's refusal often quotes the request, credentials included.
    error = redactor_of(session).redact(error)
    publication = await _load(session, publication_id)
    publication.status = (PublicationStatus.retrying if retry else PublicationStatus.failed).value
    publication.error, publication.finished_at = error[:1000], None if retry else now
    kind = "publish_retry" if retry else "publish_failed"
    await audit.append(
        session,
        kind=kind,
        actor="signoff",
        now=now,
        draft_id=publication.draft_id,
        detail={
            "destination": publication.destination,
            "part": publication.part,
            "attempt": publication.attempts,
            "error": error[:500],
            **({"retry_in_s": round(retry_in_s, 1)} if retry_in_s is not None else {}),
        },
    )
    await session.flush()


async def unconfirmed(session: AsyncSession, publication_id: int, *, why: str, now: datetime) -> None:
    why = redactor_of(session).redact(why)
    publication = await _load(session, publication_id)
    publication.status, publication.error = PublicationStatus.unconfirmed.value, why[:1000]
    await audit.append(
        session,
        kind="publish_unconfirmed",
        actor="signoff",
        now=now,
        draft_id=publication.draft_id,
        detail={"destination": publication.destination, "part": publication.part, "why": why[:500]},
    )
    await session.flush()


async def handed_off(session: AsyncSession, publication_id: int, *, now: datetime) -> None:
    """The formatted text is in the thread; the row waits for a person to post it and say so."""
    publication = await _load(session, publication_id)
    publication.status = PublicationStatus.handoff.value
    await audit.append(
        session,
        kind="publish_handoff",
        actor="signoff",
        now=now,
        draft_id=publication.draft_id,
        detail={"destination": publication.destination, "part": publication.part, "sha256": publication.sha256},
    )
    await session.flush()


async def resending(session: AsyncSession, publication_id: int, *, why: str, now: datetime) -> None:
    """Recorded before a resend after an unknown outcome (only where the idempotency key makes it safe)."""
    publication = await _load(session, publication_id)
    await audit.append(
        session,
        kind="publish_resend",
        actor="signoff",
        now=now,
        draft_id=publication.draft_id,
        detail={
            "destination": publication.destination,
            "part": publication.part,
            "idempotency_key": publication.idempotency_key,
            "why": why[:500],
        },
    )


async def reschedule_job(
    session: AsyncSession, outbox_id: int, *, now: datetime, defer_s: float, started_attempt: int, max_attempts: int
) -> tuple[OutboxJob | None, float]:
    """Run the same publish row again at now + defer_s under a new arq job id (a fresh token: arq
    keeps finished job ids for an hour); the sweep will not pick it up before `due_at` either.
    If someone asked for another pass while this one ran (`attempt` moved), run again at once."""
    row = await session.get(OutboxJob, outbox_id)
    if row is None or row.status != OutboxStatus.pending.value:
        return None, defer_s
    if row.attempt >= max_attempts:
        row.status, row.done_at, row.last_error = OutboxStatus.dead.value, now, "rescheduled too often"
        await session.flush()
        return None, defer_s
    defer_s = 0.0 if row.attempt != started_attempt else defer_s
    row.token, row.attempt, row.lease_until, row.lease_owner = uuid.uuid4().hex, row.attempt + 1, None, None
    row.due_at = now + timedelta(seconds=defer_s)
    await session.flush()
    return row, defer_s


async def finish_pass(session: AsyncSession, outbox_id: int, *, started_attempt: int, now: datetime) -> bool:
    """Mark a publish pass's row done unless someone asked for another pass meanwhile (a Retry
    bumps `attempt`); False means run again."""
    result = await session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == outbox_id,
            OutboxJob.attempt == started_attempt,
            OutboxJob.status == OutboxStatus.pending.value,
        )
        .values(status=OutboxStatus.done.value, done_at=now, lease_until=None, lease_owner=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


WAITING = (PublicationStatus.retrying, PublicationStatus.claimed, PublicationStatus.handoff)


async def give_up(session: AsyncSession, draft_id: int, *, error: str, now: datetime) -> Draft:
    """The publish job was given up: parts waiting for a retry fail (a person may still press
    Retry), a part left mid-call is unconfirmed (it may be out there), and the draft settles. A
    draft with no part claimed yet fails as a whole."""
    error = redactor_of(session).redact(error)
    for row in await queries.publications(session, draft_id):
        if row.status == PublicationStatus.retrying.value:
            await failed(session, row.id, error=error, retry=False, now=now)
        elif row.status == PublicationStatus.claimed.value:
            await unconfirmed(session, row.id, why=f"the publish job gave up mid-call: {error}", now=now)
    await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == DraftStatus.approved.value)
        .values(status=DraftStatus.publishing.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not await queries.publications(session, draft_id):
        await session.execute(
            update(Draft)
            .where(Draft.id == draft_id, Draft.status == DraftStatus.publishing.value)
            .values(status=DraftStatus.failed.value, version=Draft.version + 1, last_error=error, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await audit.append(
            session,
            kind="publishing_failed",
            actor="signoff",
            now=now,
            draft_id=draft_id,
            detail={"status": DraftStatus.failed.value, "error": error, "gave_up": True},
        )
        draft = await queries.draft(session, draft_id)
        await session.refresh(draft)
        return draft
    return await settle(session, draft_id, now=now)


async def settle(session: AsyncSession, draft_id: int, *, now: datetime) -> Draft:
    """Derive the draft's final status from its publication rows once no part is still waiting."""
    rows = await queries.publications(session, draft_id)
    statuses = {PublicationStatus(r.status) for r in rows}
    row = await queries.draft(session, draft_id)
    if statuses & set(WAITING):
        return row
    if statuses and statuses == {PublicationStatus.skipped}:
        final = DraftStatus.skipped
    elif statuses == {PublicationStatus.published}:
        final = DraftStatus.published
    elif PublicationStatus.published in statuses:
        final = DraftStatus.partially_published
    else:
        final = DraftStatus.failed
    changed = await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == DraftStatus.publishing.value)
        .values(status=final.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(changed) == 1:
        await audit.append(
            session,
            kind=f"publishing_{final.value}",
            actor="signoff",
            now=now,
            draft_id=draft_id,
            detail={"status": final.value},
        )
    await session.refresh(row)
    return row
