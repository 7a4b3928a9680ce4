"""The bot's HTTP server: Slack requests on /slack/events, health on /healthz."""

from __future__ import annotations

import contextlib
import json
import logging
import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from bot.listeners.deps import BotDeps
from bot.process.metrics import Metrics, request_kind
from bot.prometheus import CONTENT_TYPE
from bot.process.slack_request import BadSlackRequest, from_aiohttp
from storage import outbox, stats

log = logging.getLogger("signoff.bot.process.server")


def build_web_app(app: AsyncApp, deps: BotDeps, metrics: Metrics | None = None) -> web.Application:
    metrics = metrics or Metrics()

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            bolt_request = await from_aiohttp(request)
        except BadSlackRequest as exc:
            log.info("refused a request Slack cannot have sent: %s", exc)
            metrics.observe("malformed", exc.status, started)
            return web.json_response({"error": "invalid request"}, status=exc.status)
        response = await to_aiohttp_response(await app.async_dispatch(bolt_request))
        metrics.observe(request_kind(bolt_request.raw_body), response.status, started)
        return response

    async def metrics_page(_: web.Request) -> web.Response:
        snap, depth = None, None
        try:
            async with deps.sessionmaker() as session:
                snap = await stats.snapshot(session, now=deps.clock())
        except Exception as exc:
            log.warning("metrics: database unavailable (%s)", exc.__class__.__name__)
        with contextlib.suppress(Exception):
            depth = await deps.queue.depth()
        return web.Response(body=metrics.render(snap, depth), headers={"Content-Type": CONTENT_TYPE})

    async def healthz(_: web.Request) -> web.Response:
        report: dict = {
            "database": False,
            "redis": await deps.queue.ping(),
            "outbox_backlog": None,
            "dead_jobs": None,
            "worker": None,
        }
        if report["redis"]:
            # Reported, not judged: the bot answers Slack without a worker (requests wait in the outbox).
            with contextlib.suppress(Exception):
                report["worker"] = await deps.queue.worker_health()
        try:
            async with deps.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                report["outbox_backlog"] = await outbox.backlog(session, now=deps.clock())
                # Reported, not judged: each dead job was shown as a failure in its thread.
                report["dead_jobs"] = sum((await outbox.dead_by_job(session)).values())
            report["database"] = True
        except Exception as exc:
            report["database_error"] = exc.__class__.__name__
        healthy = report["database"] and report["redis"]
        report["status"] = "ok" if healthy else "degraded"
        return web.json_response(report, status=200 if healthy else 503, dumps=json.dumps)

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_page)
    return web_app


async def serve(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    actual = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, actual
