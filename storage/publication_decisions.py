"""Human decisions on one publication part: Retry, Mark as published, Skip.

Each is a compare-and-set on the publication row (`UPDATE … WHERE status IN …`) with its audit
event in the same transaction, so two people clicking at once produce one decision and one
refusal. A refused decision is a value, not an exception.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox, publications, queries
from storage.models import Draft, OutboxJob, Publication
from storage.results import rowcount
from storage.states import DraftStatus, JobName, OutboxStatus
from storage.states import PublicationStatus as S
from storage.transitions import Outcome, Refusal, record, refused

RETRY_FROM = (S.failed, S.unconfirmed, S.retrying)
MARK_FROM = (S.failed, S.unconfirmed, S.retrying, S.handoff)
SKIP_FROM = (S.failed, S.unconfirmed, S.retrying, S.handoff)
# A settled draft goes back to publishing while a person decides about one of its parts.
REOPEN_FROM = (DraftStatus.failed, DraftStatus.partially_published, DraftStatus.skipped)


def _detail(p: Publication, **extra: object) -> dict[str, Any]:
    return {"destination": p.destination, "part": p.part, "revision": p.revision, **extra}


async def _compare_and_set(
    session: AsyncSession, publication_id: int, allowed: tuple[S, ...], values: dict[str, Any]
) -> tuple[Publication | None, str | None]:
    """(the row, the status it had) when the change was made; (the row or None, None) when it was
    gone or in no state the change applies to (someone decided first)."""
    row = await session.get(Publication, publication_id)
    if row is None:
        return None, None
    before = row.status
    result = await session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.status.in_([s.value for s in allowed]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(row)
    return row, (before if rowcount(result) == 1 else None)


def _refused(row: Publication | None) -> Outcome:
    """`publication` carries the row as it is now, so the sentence can say what it is."""
    return refused(Refusal.no_such_publication if row is None else Refusal.publication_moved_on, publication=row)


async def _reopen(session: AsyncSession, draft_id: int, now: datetime) -> None:
    await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status.in_([s.value for s in REOPEN_FROM]))
        .values(status=DraftStatus.publishing.value, version=Draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def retry(session: AsyncSession, *, publication_id: int, user_id: str, now: datetime) -> Outcome:
    """Back to `retrying` with a fresh attempt budget; the draft's publish job runs again now."""
    row, before = await _compare_and_set(
        session,
        publication_id,
        RETRY_FROM,
        {"status": S.retrying.value, "attempts": 0, "error": None, "finished_at": None},
    )
    if row is None or before is None:
        return _refused(row)
    await record(
        session,
        kind="publish_retry_requested",
        actor=user_id,
        now=now,
        draft_id=row.draft_id,
        detail=_detail(row, was=before),
    )
    await _reopen(session, row.draft_id, now)
    job = await _publish_job_now(session, row.draft_id, now)
    return Outcome(True, publication=row, job=outbox.queued(job) if job else None)


async def _publish_job_now(session: AsyncSession, draft_id: int, now: datetime) -> OutboxJob | None:
    """One pending publish row per draft, so its lease keeps two passes from running at once.

    Bumping `attempt` tells a pass that holds the row right now to run again instead of finishing
    it (storage.publications.finish_pass). Returns the row to enqueue, or None when a worker holds it.
    """
    pending = await session.scalar(
        select(OutboxJob)
        .where(
            OutboxJob.job == JobName.publish_draft.value,
            OutboxJob.status == OutboxStatus.pending.value,
            OutboxJob.args["draft_id"].as_integer() == draft_id,
        )
        .order_by(OutboxJob.id)
        .limit(1)
    )
    if pending is not None:
        held = pending.lease_until is not None and pending.lease_until > now
        bumped = await session.execute(
            update(OutboxJob)
            .where(
                OutboxJob.id == pending.id,
                OutboxJob.attempt == pending.attempt,
                OutboxJob.status == OutboxStatus.pending.value,
            )
            .values(attempt=pending.attempt + 1, due_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(bumped) == 1:
            await session.refresh(pending)
            return None if held else pending
    return await outbox.add(session, job=JobName.publish_draft, args={"draft_id": draft_id}, now=now)


async def mark_published(
    session: AsyncSession, *, publication_id: int, user_id: str, url: str, now: datetime
) -> Outcome:
    """A person says it is live (or posted it by hand, for a hand-off) and gives the link.

    A publish pass runs next: the rest of a thread continues and the draft settles there.
    """
    external_id = _id_from_url(url)
    row, before = await _compare_and_set(
        session,
        publication_id,
        MARK_FROM,
        {"status": S.published.value, "url": url, "error": None, "external_id": external_id, "finished_at": now},
    )
    if row is None or before is None:
        return _refused(row)
    await record(
        session,
        kind="published",
        actor=user_id,
        now=now,
        draft_id=row.draft_id,
        detail=_detail(row, sha256=row.sha256, external_id=external_id, url=url, how="marked by hand", was=before),
    )
    await _reopen(session, row.draft_id, now)
    job = await _publish_job_now(session, row.draft_id, now)
    return Outcome(True, publication=row, job=outbox.queued(job) if job else None)


_BLUESKY_POST_LINK = re.compile(r"https://bsky\.app/profile/([^/?#\s]+)/post/([^/?#\s]+)")


def _id_from_url(url: str) -> str | None:
    """The id the next thread part replies to, when the link carries one: X and Mastodon post links
    end with the post's numeric id; a Bluesky link names the account (handle or DID) and the
    record key, which make the post's at:// URI."""
    bluesky = _BLUESKY_POST_LINK.match(url.strip())
    if bluesky:
        return f"at://{bluesky.group(1)}/app.bsky.feed.post/{bluesky.group(2)}"
    last = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return last if last.isdigit() else None


async def skip(session: AsyncSession, *, publication_id: int, user_id: str, now: datetime) -> Outcome:
    """This destination part is abandoned; later parts of its thread are never sent."""
    row, before = await _compare_and_set(
        session, publication_id, SKIP_FROM, {"status": S.skipped.value, "finished_at": now}
    )
    if row is None or before is None:
        return _refused(row)
    await record(
        session, kind="publish_skipped", actor=user_id, now=now, draft_id=row.draft_id, detail=_detail(row, was=before)
    )
    await _reopen(session, row.draft_id, now)
    await publications.settle(session, row.draft_id, now=now)
    return Outcome(True, publication=row)


async def record_refusal(
    session: AsyncSession, *, publication_id: int, user_id: str, action: str, why: str, now: datetime
) -> None:
    row = await session.get(Publication, publication_id)
    await audit.append(
        session,
        kind="refused",
        actor=user_id,
        now=now,
        draft_id=row.draft_id if row else None,
        detail={"action": action, "why": why, "publication_id": publication_id},
    )


async def draft_of(session: AsyncSession, publication_id: int) -> Draft | None:
    row = await session.get(Publication, publication_id)
    return await queries.draft(session, row.draft_id) if row else None
