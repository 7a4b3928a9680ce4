"""The worker's draft job: a run of the pipeline for one request, under its outbox row's lease.

    claim the lease, start the run (one transaction) → the parent line in the channel →
    the pipeline inside the run's deadline → a new revision (or a visible failure) → the draft in
    its thread, and a word diff when it replaces an earlier revision → the outbox row done.

A run whose worker died is taken over where it stands; one that already finished only re-shows
its draft, so a job delivered twice posts nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import log_context
from bot.blocks.diff import change_summary, word_diff
from bot.blocks.publications import label
from bot.jobs.deps import WorkerDeps, deps_of, job_try
from bot.jobs.leases import finish, leased
from bot.jobs.shield import let_finish
from bot.slack import notify
from bot.slack.pacer import optional
from destinations.base import Destination, Post
from destinations.lengths import measure
from destinations.preview import preview_lines
from pipeline.base import DestinationCapabilities, DraftBrief, DraftResult, RunContext, Source
from pipeline.deadline import Deadline
from pipeline.errors import PipelineError
from pipeline.progress import CoalescedProgress
from pipeline.runner import run_pipeline
from storage import comments, config, intake, queries, runs
from storage.models import Draft, Revision, Run
from storage.runs import sha256_hex
from storage.schedules import expires_at_for
from storage.states import JobName

log = logging.getLogger("signoff.worker")

# How long past its deadline a run may go before the worker stops it from outside.
RUN_BACKSTOP_S = 10.0


async def run_draft(ctx: dict[str, Any], outbox_id: int) -> str:
    """arq's entry point: `ctx` is arq's; everything the job uses comes from `deps_of(ctx)`."""
    log_context.bind(outbox_id=outbox_id, job=JobName.run_draft.value)
    deps = deps_of(ctx)
    return await leased(
        deps,
        outbox_id,
        lambda started: _run_draft(deps, outbox_id, started),
        attempt=job_try(ctx),
        begin=lambda session, args: _start_run(deps, session, args["run_id"]),
    )


@dataclass(frozen=True)
class StartedRun:
    """What a run reads when it starts; `run` is None when the run had already finished."""

    run: Run | None
    draft: Draft
    previous: Revision | None
    stored_config: dict[str, Any]
    comments: list[str]  # left on the current revision by people who may rewrite the draft
    given_sources: list[dict[str, Any]]  # what the request came with (a Slack message)


async def _start_run(deps: WorkerDeps, session: AsyncSession, run_id: int) -> StartedRun:
    log_context.bind(run_id=run_id)
    run = await runs.start(session, run_id, now=deps.clock())
    draft_id = run.draft_id if run else (await queries.run(session, run_id)).draft_id  # type: ignore[union-attr]
    log_context.bind(draft_id=draft_id)
    draft = await queries.draft(session, draft_id)
    previous = await queries.current_revision(session, draft)
    said = await comments.comments_for_rewrite(session, draft_id, since=previous.created_at if previous else None)
    return StartedRun(
        run,
        draft,
        previous,
        await config.get_all(session, draft.team_id or "default"),
        said,
        await intake.given_sources(session, draft_id),
    )


async def _run_draft(deps: WorkerDeps, outbox_id: int, started: StartedRun) -> str:
    sm, clock, slack = deps.sessionmaker, deps.clock, deps.slack
    run, draft, previous, stored_config = started.run, started.draft, started.previous, started.stored_config
    draft_id = draft.id
    await notify.ensure_parent(slack, sm, draft_id)
    revision = None
    if run is not None:
        brief = brief_for(
            deps.destinations,
            draft,
            run.feedback,
            previous.text if previous else None,
            list(stored_config.get("blocked_terms") or []),
            started.comments,
            [Source(**s) for s in started.given_sources],
        )
        try:
            result = await _pipeline(deps, brief, draft_id)
        except Exception as exc:
            # Whatever a stage raised, the thread shows a failure with Regenerate at once: the run
            # already retried the model inside its deadline, so the job is not tried again.
            message, kind = _failure(exc, deps.config.run_timeout_s)
            deps.metrics.run_failures.labels(kind).inc()
            async with sm.begin() as session:
                await runs.fail(session, run, error=message, kind=kind, now=clock())
        else:
            unapproved = Post(
                draft_id=draft_id,
                revision=0,
                text=result.text,
                sha256=sha256_hex(result.text),
                approved_by="",
                title=result.title,
                tags=tuple(result.tags),
            )
            preview = preview_lines(deps.destinations, list(draft.destinations), unapproved, label)
            async with sm.begin() as session:
                revision = await runs.record_revision(
                    session,
                    run,
                    text=result.text,
                    policy_ok=result.policy.ok,
                    details={**result.model_dump(mode="json", exclude={"text", "stages"}), "preview": preview},
                    stages=[s.model_dump(mode="json") for s in result.stages],
                    now=clock(),
                    expires_at=expires_at_for(clock(), deps.config.draft_ttl_h),
                )
    # The parent first: whoever sees the draft arrive in the thread must not read "Drafting" above it.
    await notify.refresh_parent(slack, sm, draft_id)
    await notify.show_draft(slack, sm, draft_id, required=deps.config.required_approvals)
    if revision is not None and previous is not None:
        await notify.say_mrkdwn_in_thread(
            slack,
            sm,
            draft_id,
            (
                f"🔁 Revision {revision.number} replaces revision {previous.number} "
                f"({change_summary(previous.text, revision.text)}):\n" + word_diff(previous.text, revision.text)
            ),
        )
    await finish(deps, outbox_id)
    return f"draft {draft_id} shown"


def brief_for(
    destinations: Mapping[str, Destination],
    draft: Draft,
    feedback: str | None,
    previous_text: str | None = None,
    blocked_terms: list[str] | None = None,
    comments: list[str] | None = None,
    given_sources: list[Source] | None = None,
) -> DraftBrief:
    """What the pipeline is asked for, including each destination's real limits and counting."""
    chosen = {name: dest for name, dest in destinations.items() if name in draft.destinations}
    return DraftBrief(
        topic=draft.topic,
        destinations=list(draft.destinations),
        feedback=feedback,
        comments=comments or [],
        given_sources=given_sources or [],
        previous_text=previous_text,
        blocked_terms=blocked_terms or [],
        limits={name: dest.capabilities.max_length for name, dest in chosen.items()},
        capabilities={
            name: DestinationCapabilities(
                max_length=dest.capabilities.max_length,
                length_unit=dest.capabilities.length_unit.value,
                threads=dest.capabilities.threads,
                markdown=dest.capabilities.markdown,
            )
            for name, dest in chosen.items()
        },
    )


def _failure(exc: Exception, run_timeout_s: float) -> tuple[str, str]:
    """(the sentence the thread shows, a short kind for the audit event and metrics)."""
    if isinstance(exc, PipelineError):
        return exc.message, exc.kind.value
    if isinstance(exc, asyncio.TimeoutError):
        return f"the run took longer than {run_timeout_s:.0f} s", "deadline"
    ref = uuid.uuid4().hex[:8]
    log.error("a pipeline stage failed unexpectedly (ref %s)", ref, exc_info=exc)
    return f"something went wrong while writing (ref {ref}); Regenerate to try again", "unexpected"


async def _pipeline(deps: WorkerDeps, brief: DraftBrief, draft_id: int) -> DraftResult:
    """The stages inside the run's deadline; no progress phrase is shown once this returns."""
    progress = _progress_reporter(deps, draft_id)
    budget_s = deps.config.run_timeout_s
    run_ctx = RunContext(progress=progress.report, http=deps.http, measure=measure, deadline=Deadline.after(budget_s))
    try:
        # The pipeline keeps its own deadline; this is only a backstop for a stage that ignores it.
        result = await asyncio.wait_for(run_pipeline(brief, run_ctx, deps.stages), budget_s + RUN_BACKSTOP_S)
    finally:
        await progress.close()
    for stage in result.stages:
        deps.metrics.stage_seconds.labels(stage.name).observe(stage.duration_ms / 1000)
    return result


def _progress_reporter(deps: WorkerDeps, draft_id: int) -> CoalescedProgress:
    """The newest stage phrase on the parent message, at most about once a second (chat.update is
    rate limited per channel), and none for a run that ends before anyone could read it."""

    async def store(phrase: str) -> None:
        async with deps.sessionmaker.begin() as session:
            await runs.set_progress(session, draft_id, phrase, now=deps.clock())

    async def show(phrase: str) -> None:
        await let_finish(store(phrase))  # the run ending cancels a show, never its transaction
        async with optional():  # skipped when chat.update's budget has no room: a newer state follows
            await notify.refresh_parent(deps.slack, deps.sessionmaker, draft_id)

    return CoalescedProgress(show)
