"""The worker's publish job.

Every part of every destination goes: claim → send → record (destinations/publisher.py). A claim
found still `claimed` means a worker died mid-call: reconcile with the platform, resend only where
an idempotency key makes it safe, else ask a person. A draft's publish pass always runs under its
one outbox row's lease.
"""
from __future__ import annotations

from typing import Any

from bot import log_context
from bot.slack import notify
from bot.jobs.leases import finish, leased
from bot.jobs.sweep import MAX_PUBLISH_RESCHEDULES
from bot.blocks.publications import label
from bot.jobs.ledger import StorageLedger
from destinations.base import Post
from destinations.publisher import Publisher
from storage import outbox, publications, queries
from storage.runs import sha256_hex
from storage.outbox import QueuedJob
from storage.states import JobName, OutboxStatus

Ctx = dict[str, Any]


async def publish_draft(ctx: Ctx, outbox_id: int) -> str:
    log_context.bind(outbox_id=outbox_id, job=JobName.publish_draft.value)
    later: list[float] = []  # [defer_s, the row's attempt when this pass started]
    done = await leased(ctx, outbox_id, lambda args: _publish_draft(ctx, outbox_id, args["draft_id"], later))
    if later:  # after the lease is given back, so the renewer cannot take it again
        await _reschedule(ctx, outbox_id, later[0], int(later[1]))
    return done


async def _publish_draft(ctx: Ctx, outbox_id: int, draft_id: int, later: list[float]) -> str:
    log_context.bind(draft_id=draft_id)
    sm, clock = ctx["sessionmaker"], ctx["clock"]
    async with sm.begin() as session:
        started_attempt = (await outbox.get(session, outbox_id)).attempt  # type: ignore[union-attr]
        draft = await publications.begin(session, draft_id, now=clock())
        revision = await queries.revision(session, draft_id, draft.approved_revision) if draft else None
    if draft is None or revision is None:
        await finish(ctx, outbox_id)
        return f"draft {draft_id} is not approved; nothing to publish"
    if sha256_hex(revision.text) != draft.approved_sha256:
        await finish(ctx, outbox_id, OutboxStatus.dead, "approved text does not match its hash")
        raise RuntimeError(f"draft {draft_id}: stored text does not match the approved sha256")
    details = revision.details or {}
    post = Post(draft_id=draft_id, revision=revision.number, text=revision.text, sha256=revision.sha256,
                approved_by=draft.decided_by or "", title=details.get("title"),
                tags=tuple(details.get("tags") or ()))
    publisher = Publisher(StorageLedger(sm, clock, ctx["slack"], post, ctx.get("metrics")), label=label, clock=clock)
    for name in draft.destinations:
        await publisher.publish(ctx["destinations"].get(name), name, post)
    retry_in = publisher.retry_in
    async with sm.begin() as session:
        await publications.settle(session, draft_id, now=clock())
        waiting = [p for p in await queries.publications(session, draft_id) if p.status == "retrying"]
    await notify.show_draft(ctx["slack"], sm, draft_id, required=ctx["settings"].signoff_required_approvals)
    await notify.refresh_parent(ctx["slack"], sm, draft_id)
    if waiting:
        # attempts == 0: a person pressed Retry while this pass ran; go again at once.
        later += [0.0 if any(p.attempts == 0 for p in waiting) else min(retry_in or [60.0]), started_attempt]
        return f"draft {draft_id}: {len(waiting)} part(s) will be retried"
    async with sm.begin() as session:
        if not await publications.finish_pass(session, outbox_id, started_attempt=started_attempt, now=clock()):
            later += [0.0, started_attempt]  # a Retry or a Mark arrived after we looked
            return f"draft {draft_id}: asked again during this pass"
    return f"draft {draft_id} published"


async def _reschedule(ctx: Ctx, outbox_id: int, defer_s: float, started_attempt: int) -> None:
    """The same outbox row runs again after `defer_s`: its due_at and arq's defer are one number."""
    async with ctx["sessionmaker"].begin() as session:
        row, defer_s = await publications.reschedule_job(session, outbox_id, now=ctx["clock"](), defer_s=defer_s,
                                                         started_attempt=started_attempt,
                                                         max_attempts=MAX_PUBLISH_RESCHEDULES)
        job_id = outbox.arq_job_id(row) if row is not None else None
    if job_id is not None:
        await ctx["queue"].enqueue(QueuedJob(JobName.publish_draft, outbox_id, job_id), defer_s=defer_s or None)
