"""A fake Mastodon server: statuses, Idempotency-Key, verify_credentials, account statuses.

Shapes follow Mastodon 4: a Status entity with string ids and HTML `content`; errors are
{"error": "..."}; 429 carries X-RateLimit-Limit/-Remaining/-Reset (an ISO 8601 time).
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.destinations.fakes.server import FakeServer

_URL = re.compile(r"https?://[^\s<]+")


def render_content(text: str) -> str:
    """Roughly what Mastodon renders: paragraphs, <br />, links split into invisible spans."""

    def link(match: re.Match[str]) -> str:
        url = match.group()
        scheme, rest = url.split("://", 1)
        return (
            f'<a href="{url}" rel="nofollow noopener" target="_blank"><span class="invisible">'
            f'{scheme}://</span><span class="ellipsis">{rest[:30]}</span>'
            f'<span class="invisible">{rest[30:]}</span></a>'
        )

    paragraphs = [html.escape(p, quote=False).replace("\n", "<br />") for p in text.split("\n\n")]
    return "".join(f"<p>{_URL.sub(link, p)}</p>" for p in paragraphs)


def rate_limited(reset_in_s: int = 60) -> dict[str, Any]:
    reset = (datetime.now(UTC) + timedelta(seconds=reset_in_s)).isoformat().replace("+00:00", "Z")
    return {
        "status": 429,
        "body": {"error": "Throttled"},
        "headers": {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    }


class FakeMastodon(FakeServer):
    account_id = "109000000000000001"

    def __init__(self, token: str = "mastodon-token", max_chars: int = 500) -> None:
        super().__init__()
        self.token = token
        self.max_chars = max_chars
        self.posts: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(111000000000000001)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/statuses", self.create_status)
        app.router.add_get("/api/v1/accounts/verify_credentials", self.verify_credentials)
        app.router.add_get("/api/v1/accounts/{id}/statuses", self.account_statuses)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def _account(self) -> dict[str, Any]:
        return {"id": self.account_id, "username": "signoff", "acct": "signoff", "url": f"{self.url}/@signoff"}

    async def create_status(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        key = request.headers.get("Idempotency-Key")
        if key and key in self.by_key:
            return web.json_response(self.by_key[key])
        body: dict[str, Any] = (
            await request.json() if request.content_type == "application/json" else dict(await request.post())
        )
        text = body.get("status", "")
        if not text.strip():
            return web.json_response({"error": "Validation failed: Text can't be blank"}, status=422)
        if len(text) > self.max_chars:
            return web.json_response(
                {"error": f"Validation failed: Text character limit of {self.max_chars} exceeded"}, status=422
            )
        reply_to = body.get("in_reply_to_id")
        if reply_to and not any(p["id"] == reply_to for p in self.posts):
            return web.json_response({"error": "Record not found"}, status=404)
        status_id = str(next(self._ids))
        status = {
            "id": status_id,
            "created_at": datetime.now(UTC).isoformat(),
            "in_reply_to_id": reply_to,
            "visibility": body.get("visibility", "public"),
            "uri": f"{self.url}/users/signoff/statuses/{status_id}",
            "url": f"{self.url}/@signoff/{status_id}",
            "content": render_content(text),
            "account": self._account(),
            "text": None,
        }
        self.posts.append(status)
        if key:
            self.by_key[key] = status
        return web.json_response(status)

    async def verify_credentials(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        return web.json_response(self._account())

    async def account_statuses(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "20"))
        return web.json_response(list(reversed(self.posts))[:limit])
