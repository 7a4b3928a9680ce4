"""The bot's composition root: settings in, a running HTTP server out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.process.app import build_app
from bot.listeners.deps import BotDeps
from bot.queue import Queue, connect
from bot.redaction import redactor_for
from bot.process.server import build_web_app, serve
from bot.settings import Settings, SettingsError, require
from bot.slack.client import build_slack_client
from bot.slack.pacer import Pacer
from destinations.lengths import measure
from pipeline.edits import HumanTextRules
from storage.decisions import ApprovalRule
from storage.db import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import prepare

log = logging.getLogger("signoff.bot")


@dataclass
class BotRuntime:
    engine: AsyncEngine
    queue: Queue
    runner: web.AppRunner
    port: int
    socket_mode: Any = None
    http: aiohttp.ClientSession | None = None
    deps: BotDeps | None = None

    async def stop(self) -> None:
        if self.socket_mode is not None:
            await self.socket_mode.close_async()
        await self.runner.cleanup()
        if self.deps is not None:
            await self.deps.background.drain()
        if self.http is not None:
            await self.http.close()
        await self.queue.redis.aclose()
        await self.engine.dispose()


def check_bot_settings(settings: Settings) -> None:
    require(settings, "slack_bot_token", "slack_signing_secret")
    if not settings.signoff_approvers:
        log.warning("SIGNOFF_APPROVERS is empty: nobody will be able to approve drafts")
    if not settings.redis_url:
        raise SettingsError("REDIS_URL is not set (use `signoff dev` for an embedded Redis)")


async def start_bot(settings: Settings, *, host: str = "0.0.0.0", port: int = 3000) -> BotRuntime:
    check_bot_settings(settings)
    engine = create_engine(settings.database_url)
    try:
        await prepare(engine, upgrade_in_place=is_sqlite(settings.database_url))
    except BaseException:
        await engine.dispose()
        raise
    queue = Queue(connect(settings.redis_url or ""))
    redactor = redactor_for(settings, warn=True)
    deps = BotDeps(
        sessionmaker=create_sessionmaker(engine, redactor=redactor),
        queue=queue,
        approvers=frozenset(settings.signoff_approvers),
        destinations=tuple(settings.signoff_destinations),
        text_rules=HumanTextRules(measure),
        max_topic_chars=settings.signoff_max_topic_chars,
        admins=frozenset(settings.signoff_admins),
        rule=ApprovalRule(required=settings.signoff_required_approvals, four_eyes=settings.signoff_four_eyes),
        timezone=settings.signoff_timezone,
        drafts_per_hour=settings.signoff_drafts_per_hour,
        undo_s=settings.signoff_undo_s,
        draft_ttl_h=settings.signoff_draft_ttl_h,
    )
    # trust_env would make aiohttp look up proxies and ~/.netrc in a thread on every call (~0.4 ms of
    # CPU each); slack_sdk reads HTTPS_PROXY itself and passes it per request.
    http = aiohttp.ClientSession(trust_env=False)
    client = build_slack_client(
        settings.secret("slack_bot_token"),
        settings.slack_api_url,
        redactor=redactor,
        session=http,
        pacer=Pacer(queue.redis) if settings.signoff_slack_pacing else None,
    )
    app = build_app(deps, client=client, signing_secret=settings.secret("slack_signing_secret"), redactor=redactor)
    runtime = BotRuntime(engine, queue, web.AppRunner(web.Application()), 0, None, http, deps)
    try:
        runtime.runner, runtime.port = await serve(build_web_app(app, deps), host, port)
        if settings.slack_app_token:
            # Socket Mode: Slack's requests arrive over a WebSocket; the HTTP server still serves /healthz.
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            runtime.socket_mode = AsyncSocketModeHandler(app, settings.secret("slack_app_token"))
            await runtime.socket_mode.connect_async()
    except BaseException:
        # A port in use or Slack refusing the app token: close what is open before saying so.
        await runtime.stop()
        raise
    if runtime.socket_mode is not None:
        log.info("connected to Slack in Socket Mode; /healthz on port %d", runtime.port)
    else:
        log.info("bot listening on http://%s:%d/slack/events", host, runtime.port)
    return runtime
