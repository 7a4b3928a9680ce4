"""The bot's HTTP server: Slack requests on /slack/events, health on /healthz."""
from __future__ import annotations

import json
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from bot.deps import BotDeps
from storage import outbox

log = logging.getLogger("signoff.bot.server")


def build_web_app(app: AsyncApp, deps: BotDeps) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        report: dict = {"database": False, "redis": await deps.queue.ping(), "outbox_backlog": None}
        try:
            async with deps.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                report["outbox_backlog"] = await outbox.backlog(session, now=deps.clock())
            report["database"] = True
        except Exception as exc:
            report["database_error"] = exc.__class__.__name__
        healthy = report["database"] and report["redis"]
        report["status"] = "ok" if healthy else "degraded"
        return web.json_response(report, status=200 if healthy else 503, dumps=json.dumps)

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app


async def serve(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    actual = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, actual
