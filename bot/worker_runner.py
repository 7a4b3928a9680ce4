"""Running an arq worker inside our own event loop, and stopping it so that it really stops.

arq's own stop cancels its main loop once. On Python 3.11 one cancellation can be lost:
`asyncio.wait_for`, which redis-py wraps around every socket write when a socket timeout is set,
drops a cancel that lands just as the write completes (fixed in 3.12), and the worker then polls
on forever. So `stop` lets running jobs finish first, then cancels until everything has ended.
"""
from __future__ import annotations

import asyncio
from typing import Iterable

from arq import Worker

# How long running jobs get to finish once a stop is asked for; a run cut short after that is
# taken over by another worker when its lease lapses.
GRACE_S = 10.0


def start(worker: Worker) -> asyncio.Task[None]:
    """The worker's main loop as a task of the running event loop."""
    return asyncio.create_task(worker.async_run(), name="arq-worker")


async def stop(worker: Worker, main: asyncio.Task[None], grace_s: float = GRACE_S) -> None:
    """Stop taking jobs, give running ones `grace_s`, cancel what is left and the main loop,
    then run the worker's shutdown (closes the database, HTTP sessions and Redis)."""
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        await asyncio.wait(running, timeout=grace_s)
    await _cancel_until_done([*worker.tasks.values(), main])
    # arq's close() gathers the job tasks: a cancelled one would re-raise and skip on_shutdown.
    worker.tasks.clear()
    await worker.close()


async def _cancel_until_done(tasks: Iterable[asyncio.Task]) -> None:
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
