"""What the worker's jobs need, built once by worker.py's `startup` and kept under one key of arq's
`ctx`: jobs read it with `deps_of(ctx)`, never `ctx["…"]` by name. Settings are not in it: the
composition root turns them into the plain values below."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.jobs.metrics import WorkerMetrics
from bot.jobs.schedules import ScheduleConfig
from bot.queue import Queue
from destinations.base import Destination
from pipeline.base import Stage
from storage.clock import Clock

DEPS_KEY = "signoff"


@dataclass(frozen=True)
class JobConfig:
    lease_s: float  # a job's lease on its outbox row; a dead worker's job is taken over after it
    max_job_attempts: int  # tries before a failing job is given up (visibly)
    required_approvals: int  # shown on the draft message ("1 of 2 approvals")
    run_timeout_s: float  # the run's deadline
    draft_ttl_h: float  # a pending draft expires after this
    admins: tuple[str, ...]  # told by DM when a job is given up
    audit_channel: str | None  # where the audit chain's head is posted daily
    schedule: ScheduleConfig  # digests, reminders, weekly reports


@dataclass(frozen=True)
class WorkerDeps:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    slack: AsyncWebClient
    http: httpx.AsyncClient
    destinations: Mapping[str, Destination]
    stages: tuple[Stage, ...]
    queue: Queue
    metrics: WorkerMetrics
    config: JobConfig


def deps_of(ctx: Mapping[str, Any]) -> WorkerDeps:
    return ctx[DEPS_KEY]  # type: ignore[no-any-return]


def job_try(ctx: Mapping[str, Any]) -> int:
    """arq's count of this job's pickups (1 on the first)."""
    return int(ctx.get("job_try") or 1)
