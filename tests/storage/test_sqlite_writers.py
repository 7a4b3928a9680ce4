"""SQLite writers queue for their turn instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import create_engine, create_sessionmaker
from storage.sqlite_writers import WriterQueue


def _hold(path: str) -> int:
    """The writer lock taken as another process would take it (a separate open file)."""
    fd = os.open(path + ".writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


async def test_a_write_transaction_waits_for_another_writer_and_then_goes(tmp_path: Path) -> None:
    database = tmp_path / "signoff.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    sessions = create_sessionmaker(engine)
    held = _hold(str(database))
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, fcntl.flock, held, fcntl.LOCK_UN)
    started = time.monotonic()
    async with sessions.begin() as session:
        await session.execute(text("CREATE TABLE t (x INTEGER)"))
    assert time.monotonic() - started >= 0.25  # it waited for the other writer, without an error
    os.close(held)
    await engine.dispose()


async def test_waiting_longer_than_the_timeout_says_the_database_is_locked(tmp_path: Path) -> None:
    path = str(tmp_path / "signoff.db")
    held = _hold(path)
    queue = WriterQueue(path, timeout_s=0.2)
    with pytest.raises(OperationalError, match="database is locked"):
        async with queue.turn():
            pass
    fcntl.flock(held, fcntl.LOCK_UN)
    async with queue.turn():  # a lock the abandoned wait got later was given back
        pass
    os.close(held)


async def test_a_cancelled_wait_leaves_nothing_held(tmp_path: Path) -> None:
    path = str(tmp_path / "signoff.db")
    held = _hold(path)
    queue = WriterQueue(path)

    async def write() -> None:
        async with queue.turn():
            pass

    waiting = asyncio.create_task(write())
    await asyncio.sleep(0.1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    fcntl.flock(held, fcntl.LOCK_UN)
    await asyncio.sleep(0.1)
    other = os.open(path + ".writers", os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again: raises if the cancelled wait kept it
    os.close(other)
    os.close(held)


async def test_writers_in_one_process_take_turns_in_arrival_order(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "signoff.db"))
    order: list[int] = []

    async def write(i: int) -> None:
        async with queue.turn():
            order.append(i)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(write(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]


async def test_a_writer_waiting_for_another_process_says_so_until_it_has_the_lock(tmp_path: Path) -> None:
    """What keeps a busy process from taking the lock again before a waiter wakes: it sees the
    waiter's shared lock on `.waiting` and waits in the kernel too."""
    path = str(tmp_path / "signoff.db")
    held = _hold(path)
    queue = WriterQueue(path)
    wrote = asyncio.Event()

    async def write() -> None:
        async with queue.turn():
            wrote.set()

    waiting = asyncio.create_task(write())
    await asyncio.sleep(0.1)
    probe = os.open(path + ".waiting", os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # someone is waiting
    fcntl.flock(held, fcntl.LOCK_UN)
    await waiting
    assert wrote.is_set()
    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody waits any more
    os.close(probe)
    os.close(held)
