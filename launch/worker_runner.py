"""Running an arq worker inside our own event loop, and stopping it so that it really stops.

arq's own stop cancels its main loop once. On Python 3.11 one cancellation can be lost:
`asyncio.wait_for`, which redis-py wraps around every socket write when a socket timeout is set,
drops a cancel that lands just as the write completes (fixed in 3.12), and the worker then polls
on forever. So `stop` lets running jobs finish first, then cancels until everything has ended.

arq's `close()`, for a worker that does not handle signals itself, calls its own signal handler
with SIGUSR1, which logs "shutdown on SIGUSR1" whatever really happened. `stop` logs the real
reason instead and drops that one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Iterable, Iterator

from arq import Worker

log = logging.getLogger("signoff.worker")

# How long running jobs get to finish once a stop is asked for; a run cut short after that is
# taken over by another worker when its lease lapses.
GRACE_S = 10.0


def start(worker: Worker) -> asyncio.Task[None]:
    """The worker's main loop as a task of the running event loop."""
    return asyncio.create_task(worker.async_run(), name="arq-worker")


async def stop(worker: Worker, main: asyncio.Task[None], grace_s: float = GRACE_S, *, reason: str = "request") -> None:
    """Stop taking jobs, give running ones `grace_s`, cancel what is left and the main loop,
    then run the worker's shutdown (closes the database, HTTP sessions and Redis). `reason` (a
    signal's name, say) is what the log line says the worker stopped on."""
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    log.info(
        "worker stopping on %s ◆ %d jobs complete ◆ %d failed ◆ %d retries ◆ %d running%s",
        reason,
        worker.jobs_complete,
        worker.jobs_failed,
        worker.jobs_retried,
        len(running),
        f" (given {grace_s:.0f} s to finish)" if running else "",
    )
    if running:
        await asyncio.wait(running, timeout=grace_s)
    await _cancel_until_done([*worker.tasks.values(), main])
    # arq's close() gathers the job tasks: a cancelled one would re-raise and skip on_shutdown.
    worker.tasks.clear()
    with _without_arqs_sigusr1_line():
        await worker.close()


async def _cancel_until_done(tasks: Iterable[asyncio.Task]) -> None:
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)


class _ArqsSigusr1Line(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            isinstance(record.msg, str)
            and record.msg.startswith("shutdown on %s")
            and record.args
            and record.args[0] == "SIGUSR1"  # type: ignore[index]
        )


@contextlib.contextmanager
def _without_arqs_sigusr1_line() -> Iterator[None]:
    """Our workers never handle signals themselves (`handle_signals=False`), so while `close()`
    runs, a "shutdown on SIGUSR1" line from arq can only be the one close() makes up."""
    arq_log, quiet = logging.getLogger("arq.worker"), _ArqsSigusr1Line()
    arq_log.addFilter(quiet)
    try:
        yield
    finally:
        arq_log.removeFilter(quiet)
