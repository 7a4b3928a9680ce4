"""Changing a draft's content: a human edit (a new revision now) or a regeneration (a new run).

Both are compare-and-set on the revision the person was looking at, so an edit made on an
outdated rendering is refused instead of silently overwriting a newer revision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import media, media_rules, outbox, queries, search
from storage.claims import score_summary, unsupported_claims
from storage.decisions import locked_draft
from storage.models import Draft, OutboxJob, Revision, Run
from storage.runs import hash_inputs, revision_sha256
from storage.states import DraftStatus, JobName, OutboxStatus, RunStatus
from storage.transitions import Outcome, Refusal, refused, transition

EDITABLE = (DraftStatus.pending.value, DraftStatus.needs_attention.value)
REGENERABLE = EDITABLE + (DraftStatus.failed.value, DraftStatus.expired.value)


def _refusal(row: Draft, allowed: tuple[str, ...], base_revision: int | None) -> Refusal | None:
    if row.status == DraftStatus.generating.value:
        return Refusal.not_ready
    if row.status not in allowed:
        return Refusal.already_decided
    if base_revision is not None and row.status in EDITABLE and row.current_revision != base_revision:
        return Refusal.stale_revision
    return None


async def record_edit(
    session: AsyncSession,
    *,
    draft_id: int,
    base_revision: int,
    text: str,
    user_id: str,
    policy_ok: bool,
    problems: list[str],
    now: datetime,
    critique: dict[str, Any] | None = None,
    restored_from: int | None = None,
) -> Outcome:
    """`critique` is the edited text's own review (its claims checked again); without one the
    edited revision keeps its base's, so unsupported claims still block approval. `restored_from`:
    the text is that earlier revision's, brought back (its sources and plans come with it)."""
    row = await locked_draft(session, draft_id)
    refusal = _refusal(row, EDITABLE, base_revision)
    if refusal:
        return refused(refusal, row)
    base = await queries.revision(session, draft_id, base_revision)
    origin = await queries.revision(session, draft_id, restored_from) if restored_from is not None else base
    details = dict(origin.details) if origin else {}
    details["policy"] = {"ok": policy_ok, "problems": problems}
    if critique is not None:
        details["critique"] = critique
    # An edit of the text keeps the images, judged by the rules stored with them; the hash covers both.
    images = await media.media_of(session, draft_id, base_revision)
    policy_ok, problems = media_rules.judged(
        details, images, (base.details or {}).get("media") if base else None, policy_ok=policy_ok, problems=problems
    )
    revision = Revision(
        draft_id=draft_id,
        number=row.current_revision + 1,
        text=text,
        sha256=revision_sha256(text, hash_inputs(images)),
        author=user_id,
        policy_ok=policy_ok,
        details=details,
        created_at=now,
        unsupported_claims=len(unsupported_claims(details)),
    )
    status = DraftStatus.pending if policy_ok else DraftStatus.needs_attention
    outcome = await transition(
        session,
        row,
        from_status=row.status,
        values={"current_revision": revision.number, "status": status.value, "updated_at": now},
        kind="edited" if restored_from is None else "restored",
        actor=user_id,
        now=now,
        detail={
            "from_revision": base_revision,
            "revision": revision.number,
            "sha256": revision.sha256,
            "policy_ok": policy_ok,
            "problems": problems,
            **score_summary(details),
            **({"restored_from": restored_from} if restored_from is not None else {}),
        },
    )
    if not outcome.ok:
        return outcome
    session.add(revision)
    await media.copy_media(session, draft_id, base_revision, revision.number)
    await search.index(session, draft_id=draft_id, kind="revision", body=text)
    return replace(outcome, revision=revision, previous_text=base.text if base else None)


async def request_regenerate(
    session: AsyncSession,
    *,
    draft_id: int,
    base_revision: int | None,
    feedback: str | None,
    user_id: str,
    now: datetime,
) -> Outcome:
    row = await locked_draft(session, draft_id)
    refusal = _refusal(row, REGENERABLE, base_revision)
    if refusal:
        return refused(refusal, row)
    number = (await session.scalar(select(func.max(Run.number)).where(Run.draft_id == draft_id)) or 0) + 1
    feedback = (feedback or "").strip() or None
    outcome = await transition(
        session,
        row,
        from_status=row.status,
        values={"status": DraftStatus.generating.value, "progress": "queued", "last_error": None, "updated_at": now},
        kind="regenerate_requested",
        actor=user_id,
        now=now,
        detail={"run": number, "from_revision": row.current_revision, "feedback": feedback},
    )
    if not outcome.ok:
        return outcome
    run = Run(
        draft_id=draft_id,
        number=number,
        status=RunStatus.queued.value,
        requested_by=user_id,
        feedback=feedback,
        created_at=now,
    )
    session.add(run)
    await session.flush()  # the run's id names its job
    job = await outbox.add(
        session, job=JobName.run_draft, args={"run_id": run.id}, now=now, dedupe_key=outbox.run_key(run.id)
    )
    return replace(outcome, job=outbox.queued(job))


async def cancel(session: AsyncSession, *, draft_id: int, user_id: str, now: datetime) -> Outcome:
    """Stop a queued or running request (its run is cancelled and its job will not post anything),
    or a scheduled publication that has not fired yet."""
    row = await locked_draft(session, draft_id)
    if row.status == DraftStatus.approved.value and row.publish_at and row.publish_at > now:
        return await _cancel_scheduled(session, row, user_id, now)
    if row.status != DraftStatus.generating.value:
        return refused(Refusal.already_decided, row)
    runs = list(
        await session.scalars(
            select(Run).where(
                Run.draft_id == draft_id, Run.status.in_([RunStatus.queued.value, RunStatus.running.value])
            )
        )
    )
    for run in runs:
        run.status, run.finished_at, run.error = RunStatus.cancelled.value, now, f"cancelled by {user_id}"
        await session.execute(
            update(OutboxJob)
            .where(OutboxJob.dedupe_key == outbox.run_key(run.id))
            .values(status=OutboxStatus.done.value, done_at=now, lease_until=None)
        )
    final = DraftStatus.skipped if row.current_revision == 0 else DraftStatus.pending
    return await transition(
        session,
        row,
        from_status=row.status,
        values={
            "status": final.value,
            "progress": None,
            "decided_by": user_id if final is DraftStatus.skipped else None,
            "decided_at": now if final is DraftStatus.skipped else None,
            "decision_note": "cancelled",
            "updated_at": now,
        },
        kind="cancelled",
        actor=user_id,
        now=now,
        detail={"runs": [r.number for r in runs]},
    )


async def _cancel_scheduled(session: AsyncSession, row: Draft, user_id: str, now: datetime) -> Outcome:
    publish_at = row.publish_at.isoformat() if row.publish_at else None
    outcome = await transition(
        session,
        row,
        from_status=DraftStatus.approved.value,
        values={
            "status": DraftStatus.skipped.value,
            "decision_note": "scheduled publication cancelled",
            "updated_at": now,
        },
        kind="schedule_cancelled",
        actor=user_id,
        now=now,
        detail={"publish_at": publish_at},
    )
    if outcome.ok:
        await session.execute(
            update(OutboxJob)
            .where(
                OutboxJob.dedupe_key.like(outbox.publish_key_prefix(row.id) + "%"),
                OutboxJob.status == OutboxStatus.pending.value,
            )
            .values(status=OutboxStatus.done.value, done_at=now, lease_until=None)
        )
    return outcome
