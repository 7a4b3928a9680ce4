"""The worker's publish job.

Every part of every destination goes: claim → send → record (destinations/publisher.py). A claim
found still `claimed` means a worker died mid-call: reconcile with the platform, resend only where
an idempotency key makes it safe, else ask a person. A draft's publish pass always runs under its
one outbox row's lease.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import log_context
from bot.jobs.deps import WorkerDeps, deps_of, job_try
from bot.jobs.leases import finish, leased
from bot.slack import notify
from bot.jobs.sweep import MAX_PUBLISH_RESCHEDULES
from bot.blocks.publications import label
from bot.jobs.ledger import StorageLedger
from destinations.base import Post
from destinations.media.image import Image
from destinations.publisher import Publisher
from storage import media, outbox, publications, queries
from storage.runs import revision_sha256
from storage.states import JobName, OutboxStatus


async def publish_draft(ctx: dict[str, Any], outbox_id: int) -> str:
    """arq's entry point: `ctx` is arq's; everything the job uses comes from `deps_of(ctx)`."""
    log_context.bind(outbox_id=outbox_id, job=JobName.publish_draft.value)
    deps = deps_of(ctx)
    later: list[float] = []  # [defer_s, the row's attempt when this pass started]
    done = await leased(
        deps, outbox_id, lambda args: _publish_draft(deps, outbox_id, args["draft_id"], later), attempt=job_try(ctx)
    )
    if later:  # after the lease is given back, so the renewer cannot take it again
        await _reschedule(deps, outbox_id, later[0], int(later[1]))
    return done


async def _publish_draft(deps: WorkerDeps, outbox_id: int, draft_id: int, later: list[float]) -> str:
    log_context.bind(draft_id=draft_id)
    sm, clock = deps.sessionmaker, deps.clock
    async with sm.begin() as session:
        started_attempt = (await outbox.get(session, outbox_id)).attempt  # type: ignore[union-attr]
        draft = await publications.begin(session, draft_id, now=clock())
        revision = await queries.revision(session, draft_id, draft.approved_revision) if draft else None
        images = await _approved_images(session, draft_id, revision.number) if revision else ()
    if draft is None or revision is None:
        await finish(deps, outbox_id)
        return f"draft {draft_id} is not approved; nothing to publish"
    # The bytes are hashed again too: what goes out is exactly what was approved, images included.
    if revision_sha256(revision.text, [(i.sha256, i.alt) for i in images]) != draft.approved_sha256:
        await finish(deps, outbox_id, OutboxStatus.dead, "approved text or images do not match their hash")
        raise RuntimeError(f"draft {draft_id}: stored text or images do not match the approved sha256")
    details = revision.details or {}
    post = Post(
        draft_id=draft_id,
        revision=revision.number,
        text=revision.text,
        sha256=revision.sha256,
        approved_by=draft.decided_by or "",
        title=details.get("title"),
        tags=tuple(details.get("tags") or ()),
        images=images,
    )
    publisher = Publisher(StorageLedger(sm, clock, deps.slack, post, deps.metrics), label=label, clock=clock)
    for name in draft.destinations:
        await publisher.publish(deps.destinations.get(name), name, post)
    retry_in = publisher.retry_in
    async with sm.begin() as session:
        await publications.settle(session, draft_id, now=clock())
        waiting = [p for p in await queries.publications(session, draft_id) if p.status == "retrying"]
    await notify.show_draft(deps.slack, sm, draft_id, required=deps.config.required_approvals)
    await notify.refresh_parent(deps.slack, sm, draft_id)
    if waiting:
        # attempts == 0: a person pressed Retry while this pass ran; go again at once.
        later += [0.0 if any(p.attempts == 0 for p in waiting) else min(retry_in or [60.0]), started_attempt]
        return f"draft {draft_id}: {len(waiting)} part(s) will be retried"
    async with sm.begin() as session:
        if not await publications.finish_pass(session, outbox_id, started_attempt=started_attempt, now=clock()):
            later += [0.0, started_attempt]  # a Retry or a Mark arrived after we looked
            return f"draft {draft_id}: asked again during this pass"
    return f"draft {draft_id} published"


async def _approved_images(session: AsyncSession, draft_id: int, revision: int) -> tuple[Image, ...]:
    """The revision's images in order; `Image` checks that each one's bytes have its sha256."""
    items = await media.media_of(session, draft_id, revision)
    data = await media.data_of(session, [m.sha256 for m in items])
    return tuple(Image(data[m.sha256], m.mime, m.width, m.height, m.sha256, m.alt) for m in items)


async def _reschedule(deps: WorkerDeps, outbox_id: int, defer_s: float, started_attempt: int) -> None:
    """The same outbox row runs again after `defer_s`: its due_at and arq's defer are one number."""
    async with deps.sessionmaker.begin() as session:
        row, defer_s = await publications.reschedule_job(
            session,
            outbox_id,
            now=deps.clock(),
            defer_s=defer_s,
            started_attempt=started_attempt,
            max_attempts=MAX_PUBLISH_RESCHEDULES,
        )
        again = outbox.queued(row) if row is not None else None
    if again is not None:
        await deps.queue.enqueue(again, defer_s=defer_s or None)
