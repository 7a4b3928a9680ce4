"""The webhook destination receives exactly the approved text, signed, with a stable key."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from aiohttp import web

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import shows, wait_for_draft

SECRET = "whsec-test-secret"


class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.status, self.url = status, ""
        self.hits: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append((dict(request.headers), await request.read()))
        return web.json_response({"url": "https://example.test/posts/1"}, status=self.status)

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
        return runner


async def _approve_one(database_url: str, redis_url: str, receiver: Receiver) -> tuple[Any, ...]:
    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        signoff_destinations=["webhook"],
    ) as stack:
        await stack.user("U_CAROL").slash("/draft", "webhooks are great")
        draft = await wait_for_draft(stack.slack)
        text = next(b for b in draft.blocks if b["type"] == "section")["text"]["text"]
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(
            lambda: (
                not shows(draft, "publishing…") and ("Published" in str(draft.blocks) or "failed" in str(draft.blocks))
            ),
            15,
        )
        return draft, text


async def test_webhook_gets_the_approved_text_signed_with_hash_and_key(database_url: str, redis_url: str) -> None:
    receiver = Receiver()
    runner = await receiver.start()
    try:
        draft, shown_text = await _approve_one(database_url, redis_url, receiver)
    finally:
        await runner.cleanup()
    ((headers, body),) = receiver.hits
    payload = json.loads(body)
    assert payload["text"] == shown_text
    assert payload["sha256"] == hashlib.sha256(shown_text.encode()).hexdigest()
    assert payload["approved_by"] == "U_ALICE" and payload["destination"] == "webhook"
    assert payload["draft_id"] == 1 and payload["revision"] == 1
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signoff-Signature"] == expected
    assert len(headers["Idempotency-Key"]) >= 16
    assert shows(draft, "https://example.test/posts/1")


async def test_a_refusing_webhook_is_reported_in_the_thread_not_retried(database_url: str, redis_url: str) -> None:
    receiver = Receiver(status=422)
    runner = await receiver.start()
    try:
        draft, _ = await _approve_one(database_url, redis_url, receiver)
    finally:
        await runner.cleanup()
    assert len(receiver.hits) == 1
    assert shows(draft, "webhook: failed") and shows(draft, "422")
