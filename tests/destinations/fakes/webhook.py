"""A fake webhook receiver that checks what a careful receiver checks: X-Signoff-Signature
(`sha256=` + HMAC-SHA256 of the raw body with the shared secret) and Idempotency-Key (a repeated
key gets the first answer again). A bad or missing signature is 401 {"error": "..."}."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any

from aiohttp import web

from tests.destinations.fakes.server import FakeServer


class FakeWebhook(FakeServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret.encode()
        self.posts: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    @property
    def hook_url(self) -> str:
        return self.url + "/hook"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/hook", self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Signoff-Signature", ""), expected):
            return web.json_response({"error": "signature does not match"}, status=401)
        key = request.headers.get("Idempotency-Key", "")
        if key in self.by_key:
            return web.json_response(self.by_key[key])
        answer = {"url": f"{self.url}/posts/{next(self._ids)}"}
        self.posts.append(json.loads(body))
        self.by_key[key] = answer
        return web.json_response(answer)
