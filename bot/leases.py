"""Outbox leases for the worker's jobs: a job holds a renewable lease on its outbox row while it
works (so the sweep knows a live worker has it) and marks the row done, dead or due later."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Awaitable, Callable

from arq import Retry
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage import outbox
from storage.states import OutboxStatus

Ctx = dict[str, Any]


async def leased(ctx: Ctx, outbox_id: int, work: Callable[[Any], Awaitable[str]],
                  begin: Callable[[AsyncSession, dict], Awaitable[Any]] | None = None) -> str:
    """Run `work` under the outbox row's lease. `begin(session, args)`, when given, shares the
    claim's transaction (one commit fewer per job) and `work` gets what it returns, else the args."""
    settings: Settings = ctx["settings"]
    sm, clock, lease_s = ctx["sessionmaker"], ctx["clock"], settings.signoff_job_lease_s
    async with sm.begin() as session:
        args = await outbox.claim(session, outbox_id, now=clock(), lease_s=lease_s)
        if args is None:
            return "not claimed (done, or another worker holds it)"
        if begin is not None:
            args = await begin(session, args)

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            async with sm.begin() as session:
                await outbox.renew(session, outbox_id, now=clock(), lease_s=lease_s)

    renewer = asyncio.create_task(renew())
    try:
        return await work(args)
    finally:
        renewer.cancel()


async def finish(ctx: Ctx, outbox_id: int, status: OutboxStatus = OutboxStatus.done,
                  error: str | None = None) -> None:
    async with ctx["sessionmaker"].begin() as session:
        await outbox.finish(session, outbox_id, now=ctx["clock"](), status=status, error=error)


async def retry_later(ctx: Ctx, outbox_id: int, error: str, defer_s: float) -> None:
    """arq retries the same job after `defer_s`; `due_at` keeps the sweep from doing it sooner."""
    async with ctx["sessionmaker"].begin() as session:
        await outbox.release(session, outbox_id, error=error,
                             due_at=ctx["clock"]() + timedelta(seconds=defer_s))
    raise Retry(defer=defer_s)
