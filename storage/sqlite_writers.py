"""A queue for SQLite writers, so a busy worker cannot starve the bot's acknowledgements.

SQLite has one write lock, and a writer that finds it taken sleeps and retries (1, 2, 5 … 100 ms,
never in arrival order): with a worker writing continuously, a `/draft` could wait seconds while
the worker kept winning. So Signoff's write transactions queue before they begin: one at a time
per process (an asyncio lock), and across processes on an OS lock (flock) on a file beside the
database, which hands the turn to a waiter the moment it is released. SQLite's own lock and busy
timeout stay underneath for anything else that writes to the file.

A process waiting in the kernel says so (a shared lock on `<database>.waiting`): a process whose
writers follow each other closely (a worker running fifty jobs) then waits in the kernel too instead
of taking the file lock again in the microseconds before the waiter wakes up, which kept the bot's
acknowledgements waiting behind whole runs of the worker's transactions.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import OperationalError


class WriterQueue:
    def __init__(self, database_path: str, *, timeout_s: float = 30.0) -> None:
        self.path = database_path + ".writers"
        self.timeout_s = timeout_s
        self._in_process = asyncio.Lock()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._waiting_fd = os.open(database_path + ".waiting", os.O_RDWR | os.O_CREAT, 0o600)
        weakref.finalize(self, os.close, self._fd)
        weakref.finalize(self, os.close, self._waiting_fd)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this writer's turn (at most `timeout_s`, like SQLite's busy timeout)."""
        try:
            await asyncio.wait_for(self._in_process.acquire(), self.timeout_s)
        except TimeoutError:
            raise _locked(self.timeout_s) from None
        try:
            await self._take_file_lock()
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._in_process.release()

    async def _take_file_lock(self) -> None:
        if not self._others_waiting():
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: no thread needed
                return
            except BlockingIOError:
                pass
        # Another process writes or waits: wait in the kernel (one executor thread per queue at most).
        waiting = asyncio.get_running_loop().run_in_executor(None, self._wait_in_kernel)
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self.timeout_s)
        except TimeoutError:
            waiting.add_done_callback(self._release_if_taken)  # the thread may still get it later
            raise _locked(self.timeout_s) from None
        except asyncio.CancelledError:
            waiting.add_done_callback(self._release_if_taken)
            raise

    def _others_waiting(self) -> bool:
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
        return False

    def _wait_in_kernel(self) -> None:
        fcntl.flock(self._waiting_fd, fcntl.LOCK_SH)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        finally:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)

    def _release_if_taken(self, waiting: asyncio.Future[None]) -> None:
        if not waiting.cancelled() and waiting.exception() is None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def _locked(timeout_s: float) -> OperationalError:
    return OperationalError(
        "BEGIN IMMEDIATE", {}, Exception(f"database is locked (waited {timeout_s:.0f} s for another writer)")
    )
