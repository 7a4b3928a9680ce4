"""The worker's composition root: settings in, the jobs' typed deps out, and arq's settings.

`startup` reads the settings and builds everything the jobs use (engine, sessions, the Slack and
HTTP clients, destinations, pipeline stages, the queue, metrics) into one frozen `WorkerDeps`
under one key of arq's `ctx`; `shutdown` closes it. The jobs themselves live in bot/jobs/
(`run.py` writes a draft, `publish.py` publishes it, `crons.py` runs the schedules, `sweep.py`
re-enqueues what Redis lost). No business rule lives here.

`arq worker.WorkerSettings` runs it as arq would; `signoff worker` and `signoff dev` build the
same worker with `build_worker` and stop it with launch/worker_runner.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import httpx
from arq import Worker
from arq.connections import ArqRedis
from arq.worker import Function, func

from bot.jobs import failures
from bot.jobs.attach_media import attach_media, remove_media
from bot.jobs.configs import destination_config, job_config, pipeline_config
from bot.jobs.crons import cron_jobs
from bot.jobs.deps import DEPS_KEY, WorkerDeps, deps_of
from bot.jobs.metrics import WorkerMetrics, instrumented, serve as serve_metrics
from bot.jobs.publish import publish_draft
from bot.jobs.run import run_draft
from bot.jobs.sweep import sweep_forever
from bot.queue import HEALTH_CHECK_INTERVAL_S, QUEUE_NAME, Queue
from bot.redaction import redactor_for
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.client import build_slack_client
from bot.slack.pacer import Pacer
from destinations.registry import build_destinations
from pipeline.factory import build_stages
from storage.clock import utcnow
from storage.db import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import prepare
from storage.states import JobName

log = logging.getLogger("signoff.worker")
Ctx = dict[str, Any]

# What a caller may hand the worker in `ctx` before it starts (launch/ and tests do): the settings,
# a clock, a pipeline's own stages. Everything else startup builds.
SETTINGS, CLOCK, STAGES = "settings", "clock", "stages"
# What startup keeps for shutdown only.
_LIFECYCLE = "signoff_lifecycle"


async def startup(ctx: Ctx) -> None:
    settings: Settings = ctx.setdefault(SETTINGS, load_settings())
    redactor = redactor_for(settings, warn=True)  # the sessions and the Slack client redact what they store and send
    engine = create_engine(settings.database_url)
    lifecycle: dict[str, Any] = ctx.setdefault(_LIFECYCLE, {"engine": engine})
    await prepare(engine, upgrade_in_place=is_sqlite(settings.database_url))
    # trust_env would look up proxies and ~/.netrc in a thread on every call; slack_sdk already
    # takes HTTPS_PROXY from the environment itself and passes it on each request.
    lifecycle["slack_http"] = slack_http = aiohttp.ClientSession()
    lifecycle["http"] = http = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0), trust_env=False)
    metrics = WorkerMetrics()
    deps = WorkerDeps(
        engine=engine,
        sessionmaker=create_sessionmaker(engine, redactor=redactor),
        clock=ctx.get(CLOCK, utcnow),
        slack=build_slack_client(
            settings.secret("slack_bot_token"),
            settings.slack_api_url,
            redactor=redactor,
            session=slack_http,
            pacer=Pacer(ctx["redis"]) if settings.signoff_slack_pacing else None,
        ),
        http=http,
        destinations=build_destinations(settings.signoff_destinations, destination_config(settings), http),
        stages=tuple(ctx[STAGES]) if STAGES in ctx else tuple(build_stages(pipeline_config(settings), http)),
        queue=Queue(ctx["redis"]),
        metrics=metrics,
        config=job_config(settings),
    )
    ctx[DEPS_KEY] = deps
    if settings.signoff_worker_metrics_port is not None:
        try:
            lifecycle["metrics_server"], lifecycle["metrics_port"] = await serve_metrics(
                metrics, settings.signoff_worker_metrics_port
            )
        except OSError as exc:
            raise SettingsError(
                f"SIGNOFF_WORKER_METRICS_PORT: cannot listen on port "
                f"{settings.signoff_worker_metrics_port} ({exc.strerror or exc})"
            ) from None
    lifecycle["sweeper_stop"] = stop = asyncio.Event()
    lifecycle["sweeper"] = asyncio.create_task(
        sweep_forever(
            deps.sessionmaker,
            deps.clock,
            deps.queue,
            max_run_attempts=deps.config.max_job_attempts,
            give_up=lambda outbox_id, error: failures.give_up(deps, outbox_id, error),
            interval_s=settings.signoff_sweep_interval_s,
            stop=stop,
        )
    )


async def shutdown(ctx: Ctx) -> None:
    lifecycle: dict[str, Any] = ctx.get(_LIFECYCLE, {})
    if "sweeper" in lifecycle:
        # Ask the sweep to stop between rounds rather than cancelling it inside a transaction.
        lifecycle["sweeper_stop"].set()
        try:
            await asyncio.wait_for(asyncio.shield(lifecycle["sweeper"]), 10)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            lifecycle["sweeper"].cancel()
    if "metrics_server" in lifecycle:
        await lifecycle["metrics_server"].cleanup()
    if "http" in lifecycle:
        await lifecycle["http"].aclose()
    if "slack_http" in lifecycle:
        await lifecycle["slack_http"].close()
    if "engine" in lifecycle:
        await lifecycle["engine"].dispose()


def worker_metrics_port(ctx: Ctx) -> int | None:
    """The port the worker's /metrics listens on (SIGNOFF_WORKER_METRICS_PORT=0 picks a free one)."""
    port: int | None = ctx.get(_LIFECYCLE, {}).get("metrics_port")
    return port


def _job(function: Any, name: JobName) -> Function:
    """An arq function under the job name its outbox rows carry, counted in the worker's metrics."""
    return func(instrumented(function, lambda ctx: deps_of(ctx).metrics), name=name.value)


FUNCTIONS = [
    _job(run_draft, JobName.run_draft),
    _job(publish_draft, JobName.publish_draft),
    _job(attach_media, JobName.attach_media),
    _job(remove_media, JobName.remove_media),
]
# arq keeps each CronJob's next run on the object: a worker started anew (build_worker) gets fresh ones.
CRON_JOBS = cron_jobs()


def _concurrency() -> int:
    """SIGNOFF_WORKER_CONCURRENCY for `arq worker.WorkerSettings`, which reads it at import; a bad
    setting is reported by `startup`, so here it only falls back to the default."""
    try:
        return load_settings().signoff_worker_concurrency
    except SettingsError:
        return int(Settings.model_fields["signoff_worker_concurrency"].default)


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
    max_jobs = _concurrency()


def build_worker(settings: Settings, redis: ArqRedis, **overrides: Any) -> Worker:
    options: dict[str, Any] = dict(
        functions=FUNCTIONS,
        cron_jobs=cron_jobs(),
        on_startup=startup,
        on_shutdown=shutdown,
        redis_pool=redis,
        queue_name=QUEUE_NAME,
        poll_delay=settings.signoff_poll_delay_s,
        max_tries=settings.signoff_max_job_attempts,
        health_check_interval=HEALTH_CHECK_INTERVAL_S,
        job_timeout=settings.signoff_run_timeout_s + 30,
        ctx={SETTINGS: settings},
        # Jobs mostly wait (on the model, on Slack's pacing): many at once cost little.
        max_jobs=settings.signoff_worker_concurrency,
        # Signals are ours: launch/worker_runner.py stops the worker (running jobs get a grace period).
        handle_signals=False,
    )
    options.update(overrides)
    return Worker(**options)
