"""Enqueue outbox jobs on arq. Redis being down is logged, never raised: the sweep will catch up."""

from __future__ import annotations

import asyncio
import logging

from arq.connections import ArqRedis
from arq.constants import health_check_key_suffix
from arq.jobs import Job, JobStatus
from redis.asyncio import ConnectionPool

from storage.outbox import QueuedJob

log = logging.getLogger("signoff.queue")

QUEUE_NAME = "signoff:queue"
# arq's worker writes a one-line summary here every `health_check_interval` seconds, with a TTL a
# second longer; the key is gone when no worker has been alive for that long.
HEALTH_CHECK_KEY = QUEUE_NAME + health_check_key_suffix
HEALTH_CHECK_INTERVAL_S = 15


def connect(url: str, *, timeout_s: float = 2.0) -> ArqRedis:
    """A lazy pool: nothing is dialled until the first command, so a process starts without Redis."""
    pool = ConnectionPool.from_url(
        url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s * 3,
        health_check_interval=30,
        retry_on_timeout=False,
    )
    return ArqRedis(connection_pool=pool, default_queue_name=QUEUE_NAME)


class Queue:
    def __init__(self, redis: ArqRedis, *, timeout_s: float = 2.0) -> None:
        self.redis = redis
        self.timeout_s = timeout_s

    async def enqueue(self, job: QueuedJob, *, defer_s: float | None = None) -> bool:
        """True when arq accepted it or already has it; False when Redis could not be reached."""
        try:
            await asyncio.wait_for(
                self.redis.enqueue_job(job.name.value, job.outbox_id, _job_id=job.arq_id, _defer_by=defer_s),
                self.timeout_s,
            )
            return True
        except Exception as exc:  # a dead Redis must never break the caller
            log.warning(
                "enqueue of %s (%s) failed, the outbox sweep will retry: %s",
                job.name.value,
                job.arq_id,
                exc.__class__.__name__,
            )
            return False

    async def status(self, job_id: str) -> JobStatus:
        return await Job(job_id, self.redis, _queue_name=QUEUE_NAME).status()

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.redis.ping(), self.timeout_s))
        except Exception:
            return False

    async def worker_health(self) -> str | None:
        """arq's health line of a live worker (`… j_complete=… queued=…`), None if none reported lately;
        raises when Redis cannot be reached."""
        raw = await asyncio.wait_for(self.redis.get(HEALTH_CHECK_KEY), self.timeout_s)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def depth(self) -> int:
        return int(await self.redis.zcard(QUEUE_NAME))
