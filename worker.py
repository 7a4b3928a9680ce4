"""The arq worker: its lifecycle, the run job and the worker's arq settings. Thin glue between
pipeline/, destinations/, storage/ and the Slack messages in bot/notify.py. The rest of the worker
lives in bot/: publish_job.py (+ publish_ledger.py), leases.py, outbox_sweep.py, worker_schedule.py
(cron) and worker_config.py (settings → configs).

Every job takes an outbox id, holds a renewable lease on that row while it works, and marks the
row done in the end; the sweep re-enqueues rows whose job never ran or whose worker died.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from typing import Any

import aiohttp
import httpx
from arq import Worker
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncSession

from bot import log_context
from bot.jobs import failures as job_failures
from bot.slack import notify
from bot.listeners.background import let_finish
from bot.blocks.diff import change_summary, word_diff
from bot.jobs.leases import finish, leased
from bot.jobs.sweep import sweep_forever
from bot.blocks.publications import label
from bot.jobs.publish import publish_draft
from bot.queue import HEALTH_CHECK_INTERVAL_S, QUEUE_NAME, Queue
from bot.redaction import redactor_for
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.client import build_slack_client
from bot.jobs.configs import brief_for, destination_config, pipeline_config
from bot.jobs.metrics import WorkerMetrics, instrumented, serve as serve_metrics
from bot.jobs.crons import cron_jobs
from destinations.base import Post
from destinations.lengths import measure as destination_measure
from destinations.preview import preview_lines as destination_preview
from destinations.registry import build_destinations
from pipeline.base import DraftBrief, DraftResult, RunContext
from pipeline.deadline import Deadline
from pipeline.errors import PipelineError
from pipeline.factory import build_stages
from pipeline.progress import CoalescedProgress
from pipeline.runner import run_pipeline
from storage import config, queries, runs
from storage.clock import utcnow
from storage.db import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import prepare
from storage.models import Draft, Revision, Run
from storage.runs import sha256_hex
from storage.schedules import expires_at_for

log = logging.getLogger("signoff.worker")
Ctx = dict[str, Any]


# -- lifecycle ------------------------------------------------------------------------------------
async def startup(ctx: Ctx) -> None:
    settings: Settings = ctx.setdefault("settings", load_settings())
    engine = create_engine(settings.database_url)
    redactor = redactor_for(settings, warn=True)  # the sessions and the Slack client redact what they store and send
    ctx["engine"], ctx["sessionmaker"] = engine, create_sessionmaker(engine, redactor=redactor)  # disposed by shutdown
    await prepare(engine, upgrade_in_place=is_sqlite(settings.database_url))
    ctx["clock"] = ctx.get("clock", utcnow)
    # trust_env would look up proxies and ~/.netrc in a thread on every call; slack_sdk already
    # takes HTTPS_PROXY from the environment itself and passes it on each request.
    ctx["slack_http"] = aiohttp.ClientSession()
    ctx["slack"] = build_slack_client(settings.secret("slack_bot_token"), settings.slack_api_url,
                                      redactor=redactor, session=ctx["slack_http"])
    ctx["http"] = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0), trust_env=False)
    ctx["destinations"] = build_destinations(settings.signoff_destinations, destination_config(settings),
                                             ctx["http"])
    if "stages" not in ctx:  # given in ctx: a caller's own stage list (tests of the run contract)
        ctx["stages"] = build_stages(pipeline_config(settings), ctx["http"])
    ctx["queue"] = Queue(ctx["redis"])
    ctx["metrics"] = WorkerMetrics()
    if settings.signoff_worker_metrics_port is not None:
        try:
            ctx["metrics_server"], ctx["metrics_port"] = await serve_metrics(
                ctx["metrics"], settings.signoff_worker_metrics_port)
        except OSError as exc:
            raise SettingsError(f"SIGNOFF_WORKER_METRICS_PORT: cannot listen on port "
                                f"{settings.signoff_worker_metrics_port} ({exc.strerror or exc})") from None
    ctx["sweeper_stop"] = asyncio.Event()
    ctx["sweeper"] = asyncio.create_task(sweep_forever(
        ctx["sessionmaker"], ctx["clock"], ctx["queue"], max_run_attempts=settings.signoff_max_job_attempts,
        give_up=lambda outbox_id, error: job_failures.give_up(ctx, outbox_id, error),
        interval_s=settings.signoff_sweep_interval_s, stop=ctx["sweeper_stop"]))


async def shutdown(ctx: Ctx) -> None:
    if "sweeper" in ctx:
        # Ask the sweep to stop between rounds rather than cancelling it inside a transaction.
        ctx["sweeper_stop"].set()
        try:
            await asyncio.wait_for(asyncio.shield(ctx["sweeper"]), 10)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            ctx["sweeper"].cancel()
    if "metrics_server" in ctx:
        await ctx["metrics_server"].cleanup()
    if "http" in ctx:
        await ctx["http"].aclose()
    if "slack_http" in ctx:
        await ctx["slack_http"].close()
    if "engine" in ctx:
        await ctx["engine"].dispose()


# -- run a draft ----------------------------------------------------------------------------------
async def run_draft(ctx: Ctx, outbox_id: int) -> str:
    log_context.bind(outbox_id=outbox_id, job="run_draft")
    return await leased(ctx, outbox_id, lambda started: _run_draft(ctx, outbox_id, started),
                         begin=lambda session, args: _start_run(ctx, session, args["run_id"]))


@dataclasses.dataclass(frozen=True)
class StartedRun:
    """What a run reads when it starts; `run` is None when the run had already finished."""

    run: Run | None
    draft: Draft
    previous: Revision | None
    stored_config: dict[str, Any]


async def _start_run(ctx: Ctx, session: AsyncSession, run_id: int) -> StartedRun:
    log_context.bind(run_id=run_id)
    run = await runs.start(session, run_id, now=ctx["clock"]())
    draft_id = run.draft_id if run else (await queries.run(session, run_id)).draft_id  # type: ignore[union-attr]
    log_context.bind(draft_id=draft_id)
    draft = await queries.draft(session, draft_id)
    previous = await queries.current_revision(session, draft)
    return StartedRun(run, draft, previous, await config.get_all(session, draft.team_id or "default"))


async def _run_draft(ctx: Ctx, outbox_id: int, started: StartedRun) -> str:
    sm, clock, slack, settings = ctx["sessionmaker"], ctx["clock"], ctx["slack"], ctx["settings"]
    run, draft, previous, stored_config = started.run, started.draft, started.previous, started.stored_config
    draft_id = draft.id
    await notify.ensure_parent(slack, sm, draft_id)
    revision = None
    if run is not None:
        brief = brief_for(ctx["destinations"], draft, run.feedback, previous.text if previous else None,
                          list(stored_config.get("blocked_terms") or []))
        try:
            result = await _pipeline(ctx, brief, draft_id)
        except Exception as exc:
            # Whatever a stage raised, the thread shows a failure with Regenerate at once: the run
            # already retried the model inside its deadline, so the job is not tried again.
            message, kind = _failure(exc, settings.signoff_run_timeout_s)
            if (metrics := ctx.get("metrics")) is not None:
                metrics.run_failures.labels(kind).inc()
            async with sm.begin() as session:
                await runs.fail(session, run, error=message, kind=kind, now=clock())
        else:
            unapproved = Post(draft_id=draft_id, revision=0, text=result.text, sha256=sha256_hex(result.text),
                              approved_by="", title=result.title, tags=tuple(result.tags))
            preview = destination_preview(ctx["destinations"], list(draft.destinations), unapproved, label)
            async with sm.begin() as session:
                revision = await runs.record_revision(
                    session, run, text=result.text, policy_ok=result.policy.ok,
                    details={**result.model_dump(mode="json", exclude={"text", "stages"}), "preview": preview},
                    stages=[s.model_dump(mode="json") for s in result.stages], now=clock(),
                    expires_at=expires_at_for(clock(), settings.signoff_draft_ttl_h))
    # The parent first: whoever sees the draft arrive in the thread must not read "Drafting" above it.
    await notify.refresh_parent(slack, sm, draft_id)
    await notify.show_draft(slack, sm, draft_id, required=settings.signoff_required_approvals)
    if revision is not None and previous is not None:
        await notify.say_mrkdwn_in_thread(slack, sm, draft_id, (
            f"🔁 Revision {revision.number} replaces revision {previous.number} "
            f"({change_summary(previous.text, revision.text)}):\n" + word_diff(previous.text, revision.text)))
    await finish(ctx, outbox_id)
    return f"draft {draft_id} shown"


# How long past its deadline a run may go before the worker stops it from outside.
RUN_BACKSTOP_S = 10.0


def _failure(exc: Exception, run_timeout_s: float) -> tuple[str, str]:
    """(the sentence the thread shows, a short kind for the audit event and metrics)."""
    if isinstance(exc, PipelineError):
        return exc.message, exc.kind.value
    if isinstance(exc, asyncio.TimeoutError):
        return f"the run took longer than {run_timeout_s:.0f} s", "deadline"
    ref = uuid.uuid4().hex[:8]
    log.error("a pipeline stage failed unexpectedly (ref %s)", ref, exc_info=exc)
    return f"something went wrong while writing (ref {ref}); Regenerate to try again", "unexpected"


async def _pipeline(ctx: Ctx, brief: DraftBrief, draft_id: int) -> DraftResult:
    """The stages inside the run's deadline; no progress phrase is shown once this returns."""
    progress = _progress_reporter(ctx, draft_id)
    budget_s = ctx["settings"].signoff_run_timeout_s
    run_ctx = RunContext(progress=progress.report, http=ctx["http"], measure=destination_measure,
                         deadline=Deadline.after(budget_s))
    try:
        # The pipeline keeps its own deadline; this is only a backstop for a stage that ignores it.
        result = await asyncio.wait_for(run_pipeline(brief, run_ctx, ctx["stages"]), budget_s + RUN_BACKSTOP_S)
    finally:
        await progress.close()
    if (metrics := ctx.get("metrics")) is not None:
        for stage in result.stages:
            metrics.stage_seconds.labels(stage.name).observe(stage.duration_ms / 1000)
    return result


def _progress_reporter(ctx: Ctx, draft_id: int) -> CoalescedProgress:
    """The newest stage phrase on the parent message, at most about once a second (chat.update is
    rate limited per channel), and none for a run that ends before anyone could read it."""
    async def store(phrase: str) -> None:
        async with ctx["sessionmaker"].begin() as session:
            await runs.set_progress(session, draft_id, phrase, now=ctx["clock"]())

    async def show(phrase: str) -> None:
        await let_finish(store(phrase))  # the run ending cancels a show, never its transaction
        await notify.refresh_parent(ctx["slack"], ctx["sessionmaker"], draft_id)

    return CoalescedProgress(show)


# arq keeps each CronJob's next run on the object: a worker started anew (build_worker) gets fresh ones.
CRON_JOBS = cron_jobs()


# -- arq settings ---------------------------------------------------------------------------------
FUNCTIONS = [instrumented(run_draft), instrumented(publish_draft)]


class WorkerSettings:
    """For `arq worker.WorkerSettings`; `signoff worker` builds the same thing via `build_worker`."""

    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    queue_name = QUEUE_NAME
    poll_delay = 0.05
    max_tries = 5
    health_check_interval = HEALTH_CHECK_INTERVAL_S


def build_worker(settings: Settings, redis: ArqRedis, **overrides: Any) -> Worker:
    options: dict[str, Any] = dict(
        functions=FUNCTIONS, cron_jobs=cron_jobs(), on_startup=startup, on_shutdown=shutdown, redis_pool=redis,
        queue_name=QUEUE_NAME, poll_delay=settings.signoff_poll_delay_s,
        max_tries=settings.signoff_max_job_attempts, health_check_interval=HEALTH_CHECK_INTERVAL_S,
        job_timeout=settings.signoff_run_timeout_s + 30, ctx={"settings": settings},
        # Signals are ours: bot/worker_runner.py stops the worker (running jobs get a grace period).
        handle_signals=False)
    options.update(overrides)
    return Worker(**options)
