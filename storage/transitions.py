"""How every decision changes state: one compare-and-set, its audit event and any outbox job, in
the caller's transaction; and one kind of answer, `Outcome`, whether the change was made or refused.

A refusal is a value (`Outcome(ok=False, reason=Refusal.…)`), never an exception or a sentence:
the bot turns the reason into words (bot/blocks/replies.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage import audit, outbox
from storage.models import Draft, Publication, Revision
from storage.results import rowcount
from storage.states import JobName


class Refusal(str, Enum):
    already_decided = "already_decided"
    stale_revision = "stale_revision"
    not_ready = "not_ready"
    needs_attention = "needs_attention"
    hash_mismatch = "hash_mismatch"
    lost_race = "lost_race"
    own_draft = "own_draft"
    already_approved_by_you = "already_approved_by_you"
    # Claims no source supports, not accepted by an approver yet (storage/claims.py).
    unsupported_claims = "unsupported_claims"
    nothing_to_accept = "nothing_to_accept"
    claims_already_accepted = "claims_already_accepted"
    # Undo / Unschedule came too late: the publish job is due or running, or has run.
    publishing_started = "publishing_started"
    # A publication part: gone, or no longer in a state this decision applies to.
    no_such_publication = "no_such_publication"
    publication_moved_on = "publication_moved_on"
    # A draft's images (storage/media.py).
    too_many_images = "too_many_images"
    no_such_image = "no_such_image"


@dataclass(frozen=True)
class Outcome:
    """What a decision did. `job`, when set, is enqueued by the caller after the commit."""

    ok: bool
    draft: Draft | None = None
    reason: Refusal | None = None
    job: outbox.QueuedJob | None = None
    revision: Revision | None = None
    previous_text: str | None = None
    publication: Publication | None = None
    # Multi-approver drafts: who approved this revision so far, and whether that was enough.
    approvers: tuple[str, ...] = ()
    final: bool = True


def refused(reason: Refusal, draft: Draft | None = None, **values: Any) -> Outcome:
    return Outcome(False, draft, reason, **values)


@dataclass(frozen=True)
class JobSpec:
    """The outbox job a change needs, written in its transaction."""

    name: JobName
    args: dict[str, Any]
    dedupe_key: str | None = None
    due_at: datetime | None = None


@lru_cache(maxsize=64)
def _compare_and_set_statement(columns: tuple[str, ...]) -> Update:
    """One statement per set of written columns, built once (there are a handful of such sets)."""
    # Table columns, not ORM attributes: an ORM-annotated UPDATE takes SQLAlchemy's much slower
    # "bulk ORM update" path (session synchronisation) for no benefit here.
    drafts = Draft.__table__.c
    return (
        update(Draft.__table__)
        .where(
            drafts.id == bindparam("match_id"),
            drafts.status == bindparam("match_status"),
            drafts.version == bindparam("match_version"),
        )
        .values({column: bindparam(column) for column in columns})
    )


async def compare_and_set(session: AsyncSession, row: Draft, *, from_status: str, values: dict[str, Any]) -> bool:
    """Write `values` only if nobody changed the draft since `row` was read. On success `row` shows
    the written values (as if refreshed, without the extra SELECT)."""
    values = {"version": row.version + 1, **values}
    result = await session.execute(
        _compare_and_set_statement(tuple(sorted(values))),
        {"match_id": row.id, "match_status": from_status, "match_version": row.version, **values},
    )
    if rowcount(result) != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True


async def record(
    session: AsyncSession,
    *,
    kind: str,
    actor: str,
    now: datetime,
    draft_id: int | None,
    detail: dict[str, Any],
    job: JobSpec | None = None,
) -> outbox.QueuedJob | None:
    """The audit event of a change made in this transaction, and the job it needs, if any."""
    await audit.append(session, kind=kind, actor=actor, now=now, draft_id=draft_id, detail=detail)
    if job is None:
        return None
    row = await outbox.add(session, job=job.name, args=job.args, now=now, dedupe_key=job.dedupe_key, due_at=job.due_at)
    return outbox.queued(row)


async def transition(
    session: AsyncSession,
    row: Draft,
    *,
    from_status: str,
    values: dict[str, Any],
    kind: str,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
    job: JobSpec | None = None,
) -> Outcome:
    """Compare-and-set on the draft, then its audit event and job. When someone changed the draft
    first: refused with `lost_race`, carrying the draft as it is now."""
    if not await compare_and_set(session, row, from_status=from_status, values=values):
        await session.refresh(row)
        return refused(Refusal.lost_race, row)
    queued = await record(session, kind=kind, actor=actor, now=now, draft_id=row.id, detail=detail, job=job)
    return Outcome(True, row, job=queued)
