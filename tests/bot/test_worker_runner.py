"""Stopping a real arq worker on a real Redis: running jobs get their grace, a job that shrugs off
a cancellation is cancelled again, and the worker's shutdown always runs."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import Worker
from arq.worker import func

from bot.queue import connect
from launch import worker_runner

QUEUE = "test:worker-runner"


async def _worker_with(job, redis_url: str, events: list[str]) -> Worker:  # type: ignore[no-untyped-def]
    async def on_shutdown(ctx: dict[str, Any]) -> None:
        events.append("shutdown")

    return Worker(
        functions=[func(job, name="job")],
        redis_pool=connect(redis_url),
        queue_name=QUEUE,
        poll_delay=0.02,
        on_shutdown=on_shutdown,
        handle_signals=False,
    )


async def _running(worker: Worker, redis_url: str, started: asyncio.Event) -> asyncio.Task[None]:
    main = worker_runner.start(worker)
    redis = connect(redis_url)
    await redis.enqueue_job("job", _queue_name=QUEUE)
    await redis.aclose()
    await asyncio.wait_for(started.wait(), 10)
    return main


async def test_a_running_job_finishes_within_the_grace(redis_url: str) -> None:
    events: list[str] = []
    started = asyncio.Event()

    async def job(ctx: dict[str, Any]) -> None:
        started.set()
        await asyncio.sleep(0.3)
        events.append("job finished")

    worker = await _worker_with(job, redis_url, events)
    main = await _running(worker, redis_url, started)
    await worker_runner.stop(worker, main, grace_s=5)
    assert events == ["job finished", "shutdown"]
    assert main.done()


async def test_a_job_that_ignores_one_cancellation_is_cancelled_again(redis_url: str) -> None:
    """The shape of Python 3.11's lost cancellation (asyncio.wait_for inside redis-py): the first
    cancel is swallowed. One cancel, as arq sends, would leave the worker running forever."""
    events: list[str] = []
    started = asyncio.Event()

    async def job(ctx: dict[str, Any]) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            events.append("first cancel swallowed")
        await asyncio.sleep(60)

    worker = await _worker_with(job, redis_url, events)
    main = await _running(worker, redis_url, started)
    await asyncio.wait_for(worker_runner.stop(worker, main, grace_s=0.1), 10)
    assert events == ["first cancel swallowed", "shutdown"]
    assert main.done() and not worker.tasks
