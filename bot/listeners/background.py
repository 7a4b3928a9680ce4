"""Work a listener starts after acknowledging Slack.

The app runs with `process_before_response=True`: Bolt answers Slack as soon as the listener
returns, instead of polling every 10 ms for `ack()`. So a listener acks, hands the rest of its
work to `Background.spawn`, and returns; `drain` lets that work finish before the bot stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Coroutine

log = logging.getLogger("signoff.bot.listeners.background")


class Background:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], what: str = "listener") -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)  # a reference, so the task is not collected half-way

        def done(finished: asyncio.Task) -> None:
            self.tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("%s failed after the ack", what, exc_info=finished.exception())

        task.add_done_callback(done)

    async def drain(self, timeout_s: float = 10.0) -> None:
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout_s)
