"""Progress phrases, coalesced before anyone is told.

Stages report a phrase at every step; showing each one costs whoever listens (the worker writes it
to the database and edits a Slack message, which Slack rate-limits per channel). `CoalescedProgress`
shows only the newest phrase, once the run has lasted `first_after_s`, and then at most once every
`every_s`; a run that ends sooner shows none, since its result replaces the phrase at once.
`heartbeat` keeps a long wait visible ("waiting for the model (20 s)").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger("signoff.pipeline")


class CoalescedProgress:
    """Use `report` as the run's progress callback and `await close()` when the run is over."""

    def __init__(
        self, show: Callable[[str], Awaitable[None]], *, first_after_s: float = 0.25, every_s: float = 1.0
    ) -> None:
        self._show, self._every_s = show, every_s
        self._next_at = time.monotonic() + first_after_s
        self._latest: str | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False

    async def report(self, phrase: str) -> None:
        """Never waits for the listener: the phrase is shown later, by a task of its own."""
        if self._closed:
            return
        self._latest = phrase
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        await asyncio.sleep(max(0.0, self._next_at - time.monotonic()))
        phrase, self._latest = self._latest, None
        if self._closed or phrase is None:
            return
        try:
            await self._show(phrase)
        except Exception as exc:  # a phrase is a courtesy: losing one loses no work
            log.warning("could not show progress: %s", exc.__class__.__name__)
        finally:
            self._next_at = time.monotonic() + self._every_s
        if self._latest is not None and not self._closed:
            self._flusher = asyncio.create_task(self._flush())

    async def close(self) -> None:
        """No phrase is shown after this returns: one waiting is dropped and one being shown is
        cancelled (`show` protects what must not be cut short, such as a database transaction)."""
        self._closed = True
        flusher = self._flusher
        if flusher is not None and not flusher.done():
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher


@contextlib.asynccontextmanager
async def heartbeat(say: Callable[[float], Awaitable[None]], every_s: float) -> AsyncIterator[None]:
    """While the body runs, `say(elapsed_s)` every `every_s` seconds (10, 20, 30 …)."""

    async def beat() -> None:
        beats = 0
        while True:
            await asyncio.sleep(every_s)
            beats += 1
            try:
                await say(round(beats * every_s, 3))
            except Exception as exc:  # a phrase is a courtesy: it must never end the wait it reports
                log.warning("could not report progress: %s", exc.__class__.__name__)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the wait itself was cancelled from outside: that must not be swallowed
