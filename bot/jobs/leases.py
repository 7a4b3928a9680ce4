"""Outbox leases for the worker's jobs: a job holds a renewable lease on its outbox row while it
works (so the sweep knows a live worker has it) and marks the row done, dead or due later.

A lease names its owner. A job whose renewal finds the lease gone (it lapsed while the worker was
stalled and another worker took the job over) is cancelled at once, so two holders never work on
one row. A job cancelled because its worker is stopping gives its lease back, so the job arq puts
back in the queue can be taken over without waiting for the lease to lapse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from typing import Any, Awaitable, Callable

from arq import Retry
from sqlalchemy.ext.asyncio import AsyncSession

from bot.jobs import failures as job_failures
from bot.jobs.deps import WorkerDeps
from bot.jobs.shield import let_finish
from storage import outbox
from storage.states import OutboxStatus

log = logging.getLogger("signoff.worker.leases")


class LeaseLost(Exception):
    """Another worker holds this job's lease now; this one stopped its work."""


async def leased(
    deps: WorkerDeps,
    outbox_id: int,
    work: Callable[[Any], Awaitable[str]],
    *,
    attempt: int,
    begin: Callable[[AsyncSession, dict], Awaitable[Any]] | None = None,
) -> str:
    """Run `work` under the outbox row's lease. `begin(session, args)`, when given, shares the
    claim's transaction (one commit fewer per job) and `work` gets what it returns, else the args.
    `attempt` is arq's count of this job's tries (a failing job is given up after the last)."""
    sm, clock, lease_s = deps.sessionmaker, deps.clock, deps.config.lease_s
    async with sm.begin() as session:
        lease = await outbox.claim(session, outbox_id, now=clock(), lease_s=lease_s)
        if lease is None:
            return "not claimed (done, or another worker holds it)"
        args = await begin(session, lease.args) if begin is not None else lease.args

    working = asyncio.ensure_future(work(args))
    lost = False

    async def renew() -> None:
        nonlocal lost
        while not working.done():
            await asyncio.sleep(lease_s / 3)
            try:
                async with sm.begin() as session:
                    ours = await outbox.renew(session, outbox_id, lease.owner, now=clock(), lease_s=lease_s)
            except Exception as exc:  # the database away for a moment: try again next round
                log.warning("could not renew the lease of outbox %s: %s", outbox_id, exc.__class__.__name__)
                continue
            if not ours:
                lost = True
                working.cancel()
                return

    renewer = asyncio.ensure_future(renew())
    try:
        return await working
    except (Retry, LeaseLost):
        raise
    except Exception as exc:
        return await _after_error(deps, outbox_id, lease.owner, exc, attempt)
    except asyncio.CancelledError:
        if lost:
            raise LeaseLost(f"outbox {outbox_id}: the lease lapsed and another worker took the job over") from None
        working.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(working), 5)
        await let_finish(_give_back(deps, outbox_id, lease.owner))
        raise
    finally:
        renewer.cancel()


async def _after_error(deps: WorkerDeps, outbox_id: int, owner: str, exc: Exception, attempt: int) -> str:
    """Any exception a job did not turn into an outcome itself: try again soon (2, 4, 8, 16 s), and
    when the attempts are spent, give the job up visibly (bot/job_failures.py)."""
    ref = uuid.uuid4().hex[:8]
    error = f"{exc.__class__.__name__} (ref {ref})"
    log.error("outbox %s failed (ref %s)", outbox_id, ref, exc_info=exc)
    attempts = deps.config.max_job_attempts
    if attempt < attempts:
        defer_s = float(min(60, 2**attempt))
        async with deps.sessionmaker.begin() as session:
            await outbox.release(
                session,
                outbox_id,
                owner=owner,
                error=f"attempt {attempt} of {attempts}: {error}",
                due_at=deps.clock() + timedelta(seconds=defer_s),
            )
        raise Retry(defer=defer_s)
    await job_failures.give_up(deps, outbox_id, f"{error} after {attempts} attempts")
    return f"gave up: {error}"


async def _give_back(deps: WorkerDeps, outbox_id: int, owner: str) -> None:
    with contextlib.suppress(Exception):
        async with deps.sessionmaker.begin() as session:
            await outbox.release(session, outbox_id, owner=owner)


async def finish(
    deps: WorkerDeps, outbox_id: int, status: OutboxStatus = OutboxStatus.done, error: str | None = None
) -> None:
    async with deps.sessionmaker.begin() as session:
        await outbox.finish(session, outbox_id, now=deps.clock(), status=status, error=error)
