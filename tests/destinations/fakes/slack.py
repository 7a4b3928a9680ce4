"""A fake Slack Web API for chat.postMessage and conversations.history.

Like Slack: every answer is HTTP 200 with {"ok": false, "error": "..."} on failure, except the
per-method rate limit, which is HTTP 429 with Retry-After and {"ok": false, "error": "ratelimited"}.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiohttp import web

from tests.destinations.fakes.server import FakeServer


def slack_error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


def rate_limited(retry_after_s: int = 3) -> dict[str, Any]:
    return {
        "status": 429,
        "headers": {"Retry-After": str(retry_after_s)},
        "body": {"ok": False, "error": "ratelimited"},
    }


class FakeSlack(FakeServer):
    bot_id = "B0SIGNOFF"

    def __init__(self, token: str = "xoxb-test", channels: tuple[str, ...] = ("C0ANNOUNCE",)) -> None:
        super().__init__()
        self.token = token
        self.channels = set(channels)
        self.posts: list[dict[str, Any]] = []
        self._seq = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_post("/api/conversations.history", self.history)

    async def _args(self, request: web.Request) -> dict[str, Any] | web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return slack_error("invalid_auth")
        if request.content_type == "application/json":
            args: dict[str, Any] = await request.json()
            return args
        return dict(await request.post())

    async def post_message(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        if isinstance(args, web.Response):
            return args
        if args.get("channel") not in self.channels:
            return slack_error("channel_not_found")
        if not args.get("text"):
            return slack_error("no_text")
        ts = f"{int(time.time())}.{next(self._seq):06d}"
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": args["text"],
            "ts": ts,
            "bot_id": self.bot_id,
            "thread_ts": args.get("thread_ts"),
        }
        self.posts.append({**message, "channel": args["channel"]})
        return web.json_response({"ok": True, "channel": args["channel"], "ts": ts, "message": message})

    async def history(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        if isinstance(args, web.Response):
            return args
        limit = int(args.get("limit", 100))
        messages = [p for p in reversed(self.posts) if p["channel"] == args.get("channel")][:limit]
        return web.json_response({"ok": True, "messages": messages, "has_more": False})
