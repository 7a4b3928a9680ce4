"""The long-running commands: `signoff bot`, `signoff worker` and `signoff dev`.

Whatever a command started is stopped again, in reverse order, when it is asked to stop (SIGINT,
SIGTERM) and equally when something fails half-way through starting: `signoff dev` without a
token, on a port in use, or with a worker that cannot start leaves no embedded Redis behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from arq import Worker

log = logging.getLogger("signoff")


async def wait_for_signal() -> str:
    """The name of the first SIGINT or SIGTERM this process receives."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[str] = loop.create_future()

    def on_signal(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig.name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, on_signal, sig)
    return await received


async def run_bot(settings: Settings, host: str, port: int) -> None:
    from bot.process.runtime import start_bot

    runtime = await start_bot(settings, host=host, port=port)
    try:
        log.info("bot stopping on %s", await wait_for_signal())
    finally:
        await runtime.stop()


async def run_worker(settings: Settings) -> None:
    from bot.queue import connect
    from bot.settings import require
    from bot.jobs.configs import check_destinations
    from worker import build_worker

    require(settings, "slack_bot_token", "redis_url")
    await check_destinations(settings)
    await _serve(build_worker(settings, connect(settings.redis_url or "")))


async def run_dev(settings: Settings, host: str, port: int) -> None:
    """Bot and worker in one process, with an embedded Redis when REDIS_URL is not set."""
    from bot.queue import connect
    from launch.redis_server import EmbeddedRedis
    from bot.process.runtime import start_bot
    from bot.settings import require
    from bot.jobs.configs import check_destinations
    from worker import build_worker

    # What needs no service is checked before any service starts.
    require(settings, "slack_bot_token", "slack_signing_secret")
    await check_destinations(settings)
    async with contextlib.AsyncExitStack() as started:
        if not settings.redis_url:
            embedded = EmbeddedRedis(Path(settings.signoff_data_dir) / "redis")
            started.callback(embedded.stop)
            settings = settings.model_copy(update={"redis_url": embedded.start()})
            log.info("embedded Redis at %s", settings.redis_url)
        runtime = await start_bot(settings, host=host, port=port)
        started.push_async_callback(runtime.stop)
        await _serve(build_worker(settings, connect(settings.redis_url or "")))


async def _serve(worker: Worker) -> None:
    """Run the worker until a signal, or until it ends by itself (it could not start: Redis or the
    database unreachable), whose error is raised once the worker is stopped."""
    from launch import worker_runner

    main = worker_runner.start(worker)
    signalled = asyncio.ensure_future(wait_for_signal())
    try:
        await asyncio.wait([main, signalled], return_when=asyncio.FIRST_COMPLETED)
    finally:
        reason = signalled.result() if signalled.done() else "a failure at start" if main.done() else "shutdown"
        signalled.cancel()
        # Running jobs get worker_runner.GRACE_S to finish, then the worker stops.
        await worker_runner.stop(worker, main, reason=reason)
    if not main.cancelled() and main.exception() is not None:
        raise main.exception()  # type: ignore[misc]
