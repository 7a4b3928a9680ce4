"""Slack's Web API rate limits, enforced by the local Slack when asked, answered as Slack answers.

https://api.slack.com/apis/rate-limits: each method belongs to a tier that allows about N calls a
minute per workspace and tolerates short bursts; `chat.postMessage` instead allows about one message
a second per channel (plus a workspace cap of several hundred a minute). Over a limit Slack answers
HTTP 429 with a `Retry-After` header (whole seconds) and `{"ok": false, "error": "ratelimited"}`.

Each limit is a token bucket: `burst` calls at once, refilled at `per_minute / 60` a second. A
refused call takes no token, as at Slack.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from collections.abc import Awaitable, Callable

from aiohttp import web

# Calls a minute per workspace, by tier; https://api.slack.com/apis/rate-limits#tiers
# Written out here on purpose, not imported from bot/slack/budget.py: this is Slack's side of the
# wire, so a mistake in the pacer's table must meet Slack's published numbers here, not be copied.
TIERS = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "auth.test": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.open": 3,
    "users.conversations": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "reactions.add": 3,
    "users.info": 4,
}


@dataclass
class Bucket:
    burst: float
    per_s: float
    tokens: float = -1.0
    at: float = field(default_factory=time.monotonic)

    def take(self, now: float) -> float:
        """0 if a call may go now (and takes its token), else the seconds until one may."""
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_s)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_s


@dataclass
class Refusal:
    method: str
    channel: str | None
    retry_after_s: int
    at: float = field(default_factory=time.monotonic)


class SlackLimits:
    """The limits one workspace's app meets. `refused` lists every 429 answered, for benchmarks and
    tests; `post_per_s`/`post_burst` are per channel, tiers per method."""

    def __init__(
        self,
        *,
        post_per_s: float = 1.0,
        post_burst: int = 3,
        posts_per_minute: int = 600,
        tiers: dict[int, int] | None = None,
        tier_burst_s: float = 60.0,
    ) -> None:
        self.post_per_s, self.post_burst, self.posts_per_minute = post_per_s, post_burst, posts_per_minute
        self.tiers, self.tier_burst_s = dict(tiers or TIERS), tier_burst_s
        self.refused: list[Refusal] = []
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def _bucket(self, key: tuple[str, str], burst: float, per_s: float) -> Bucket:
        if key not in self._buckets:
            self._buckets[key] = Bucket(burst, per_s)
        return self._buckets[key]

    def wait_s(self, method: str, channel: str | None, now: float | None = None) -> float:
        """0 when the call is within the limits (its tokens are taken), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        if method == "chat.postMessage":
            per_minute = self.posts_per_minute
            workspace = self._bucket(("post", "*"), per_minute * self.tier_burst_s / 60, per_minute / 60)
            if channel:
                wait = self._bucket(("post", channel), self.post_burst, self.post_per_s).take(now)
                if wait:
                    return wait
            return workspace.take(now)
        tier = METHOD_TIERS.get(method)
        if tier is None:
            return 0.0
        per_minute = self.tiers[tier]
        return self._bucket((method, "*"), max(1.0, per_minute * self.tier_burst_s / 60), per_minute / 60).take(now)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def limits_middleware(limits: SlackLimits) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """An aiohttp middleware for the local Slack's `/api/{method}` routes."""

    @web.middleware
    async def enforce(request: web.Request, handler: Handler) -> web.StreamResponse:
        method = request.match_info.get("method")
        if not method or not request.path.startswith("/api/"):
            return await handler(request)
        wait = limits.wait_s(method, await _channel(request))
        if wait <= 0:
            return await handler(request)
        retry_after = max(1, math.ceil(wait))
        limits.refused.append(Refusal(method, await _channel(request), retry_after))
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
        )

    return enforce


async def _channel(request: web.Request) -> str | None:
    """The call's channel, wherever the client put it (aiohttp caches the body for the handler)."""
    channel = request.query.get("channel")
    if channel or not request.body_exists:
        return channel
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            return None
        value = body.get("channel") if isinstance(body, dict) else None
    else:
        value = (await request.post()).get("channel")
    return str(value) if value else None
