"""Letting a database write finish although the job that started it is being cancelled."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Awaitable


async def let_finish(work: Awaitable[Any], grace_s: float = 5.0) -> Any:
    """`work`, which a cancellation of the caller (a worker shutting down) does not cut short for up
    to `grace_s`: an aiosqlite connection cancelled mid-transaction may never close (and keeps
    SQLite's write lock)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, grace_s)
        raise
