"""The worker's own Prometheus metrics, served at `GET /metrics` on SIGNOFF_WORKER_METRICS_PORT
when it is set: what only a worker sees — how long jobs waited in Redis and ran and how each ended,
pipeline stage timings, and each destination call's time and outcome. Counts of drafts, runs and
publications by state come from the database, on the bot's /metrics."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from aiohttp import web
from arq import Retry
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.prometheus import CONTENT_TYPE

log = logging.getLogger("signoff.worker.metrics")

_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.jobs = Counter(
            "signoff_worker_jobs",
            "Jobs this worker ran, by function and outcome (done, retry, error, cancelled)",
            ["function", "outcome"],
            registry=r,
        )
        self.job_seconds = Histogram(
            "signoff_worker_job_seconds", "Time a job ran", ["function"], buckets=_SECONDS, registry=r
        )
        self.queue_wait = Histogram(
            "signoff_worker_queue_wait_seconds",
            "Time from enqueue to start, first tries only",
            ["function"],
            buckets=_SECONDS,
            registry=r,
        )
        self.dead_jobs = Counter(
            "signoff_worker_dead_jobs",
            "Jobs this worker gave up (made visible as failures in their threads), by job",
            ["job"],
            registry=r,
        )
        self.run_failures = Counter(
            "signoff_worker_run_failures",
            "Runs that ended without a draft, by kind (model_timeout, model_busy, model_auth, deadline, unexpected, …)",
            ["kind"],
            registry=r,
        )
        self.stage_seconds = Histogram(
            "signoff_worker_stage_seconds", "Pipeline stage duration", ["stage"], buckets=_SECONDS, registry=r
        )
        self.publish_seconds = Histogram(
            "signoff_worker_publish_seconds",
            "One part's destination call, from claim to outcome "
            "(published, reconciled, failed, retrying, unconfirmed, handoff)",
            ["destination", "outcome"],
            buckets=_SECONDS,
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _outcome(error: BaseException | None) -> str:
    if error is None:
        return "done"
    if isinstance(error, Retry):
        return "retry"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return "error"


def instrumented(
    job: Callable[..., Awaitable[Any]], metrics_of: Callable[[dict], WorkerMetrics]
) -> Callable[..., Awaitable[Any]]:
    """`job` counted and timed in the worker's metrics (same name and signature, for arq)."""
    name = job.__name__

    @functools.wraps(job)
    async def wrapper(ctx: dict, *args: Any, **kwargs: Any) -> Any:
        metrics = metrics_of(ctx)
        enqueued: datetime | None = ctx.get("enqueue_time")
        if enqueued is not None and ctx.get("job_try", 1) == 1:
            waited = (datetime.now(timezone.utc) - enqueued).total_seconds()
            metrics.queue_wait.labels(name).observe(max(0.0, waited))
        started, error = time.perf_counter(), None
        try:
            return await job(ctx, *args, **kwargs)
        except BaseException as exc:
            error = exc
            raise
        finally:
            metrics.job_seconds.labels(name).observe(time.perf_counter() - started)
            metrics.jobs.labels(name, _outcome(error)).inc()

    return wrapper


async def serve(metrics: WorkerMetrics, port: int, host: str = "0.0.0.0") -> tuple[web.AppRunner, int]:
    """`GET /metrics` on `port` (0: any free port); returns the runner to clean up and the port."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/metrics", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    log.info("worker metrics on http://%s:%d/metrics", host, bound)
    return runner, bound
