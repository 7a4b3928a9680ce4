"""The outbox sweep: every due outbox row whose job is not waiting in Redis is enqueued again, so a
request acknowledged while Redis was down, a flushed Redis or a killed worker still gets its job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any, Awaitable, Callable

from arq.jobs import JobStatus
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.queue import Queue
from storage import outbox
from storage.states import JobName

log = logging.getLogger("signoff.worker.sweep")

# Publish rows are rescheduled by design (backoff between attempts), so their cap is large.
MAX_PUBLISH_RESCHEDULES = 200


GiveUp = Callable[[int, str], Awaitable[Any]]


async def sweep_outbox(
    sm: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    queue: Queue,
    *,
    max_run_attempts: int,
    give_up: GiveUp,
) -> int:
    """Enqueue every due outbox row whose job is not waiting in Redis; returns how many. A row
    restarted too often (its workers keep dying) is given up, visibly, through `give_up`."""
    async with sm() as session:
        rows = await outbox.due(session, now=clock())
    enqueued = 0
    for row in rows:
        status = await queue.status(outbox.arq_job_id(row))
        if status in (JobStatus.queued, JobStatus.deferred):
            continue
        if status is JobStatus.in_progress and row.lease_until is None:
            continue  # picked up a moment ago, not claimed yet
        if status in (JobStatus.complete, JobStatus.in_progress):
            # Finished without marking the row done, or its worker died (the lease ran out).
            cap = MAX_PUBLISH_RESCHEDULES if row.job == JobName.publish_draft.value else max_run_attempts * 2
            if row.attempt + 1 >= cap:
                await give_up(row.id, f"its workers stopped {row.attempt + 1} times before it finished")
                continue
            async with sm.begin() as session:
                if not await outbox.bump_attempt(session, row.id, row.attempt, now=clock()):
                    continue
            row.attempt += 1
        if await queue.enqueue(outbox.queued(row)):
            enqueued += 1
    return enqueued


async def sweep_forever(
    sm: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    queue: Queue,
    *,
    max_run_attempts: int,
    give_up: GiveUp,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    """Sweep every `interval_s` until `stop` is set (checked between rounds, never mid-transaction)."""
    while not stop.is_set():
        try:
            count = await sweep_outbox(sm, clock, queue, max_run_attempts=max_run_attempts, give_up=give_up)
            if count:
                log.info("outbox sweep enqueued %d job(s)", count)
        except Exception as exc:  # Redis or the database away: try again next round
            log.warning("outbox sweep failed: %s", exc.__class__.__name__)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
