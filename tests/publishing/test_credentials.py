"""No credential reaches a log line (even with every library at DEBUG), an audit row or Slack."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from bot import logs
from bot.redaction import redactor_for
from tests.destinations.fakes.bluesky import FakeBluesky
from tests.destinations.fakes.devto import FakeDevTo
from tests.destinations.fakes.mastodon import FakeMastodon
from tests.destinations.fakes.x import FakeX
from tests.e2e.conftest import shows
from tests.publishing.conftest import X_SECRETS, approve, audit_kinds, desk, until, x_settings

SECRETS = {
    **X_SECRETS,
    "mastodon_token": "mastodon-TOKEN-0a1b2c3d",
    "bluesky_app_password": "bsky-APP-pass-4e5f6a",
    "devto_api_key": "devto-KEY-7b8c9d0e",
    "webhook_secret": "whsec-SECRET-1f2e3d4c",
}
TEXT = "Every credential stays out of our logs, our audit trail and Slack. #Signoff"


async def _webhook() -> tuple[web.AppRunner, str, list[Any]]:
    hits: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(await request.read())
        return web.json_response({"url": "https://example.test/posts/1"})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook", hits  # type: ignore[union-attr]


@pytest.fixture
def debug_logs() -> Iterator[io.StringIO]:
    """Where the handler `signoff worker` installs will write (the test sets it up)."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield stream
    root.handlers[:], root.level = saved


async def test_no_credential_appears_in_logs_audit_rows_or_slack(
    database_url: str, redis_url: str, debug_logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    runner, hook_url, hits = await _webhook()
    try:
        async with (
            FakeX(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as x,
            FakeMastodon(token=SECRETS["mastodon_token"]) as mastodon,
            FakeBluesky(password=SECRETS["bluesky_app_password"]) as bluesky,
            FakeDevTo(api_key=SECRETS["devto_api_key"]) as devto,
            desk(
                database_url,
                redis_url,
                ["x", "mastodon", "bluesky", "devto", "slack", "webhook"],
                text=TEXT,
                **x_settings(x.url),
                mastodon_base_url=mastodon.url,
                mastodon_token=SECRETS["mastodon_token"],
                bluesky_handle=bluesky.handle,
                bluesky_app_password=SECRETS["bluesky_app_password"],
                bluesky_service_url=bluesky.url,
                devto_api_key=SECRETS["devto_api_key"],
                devto_api_url=devto.url,
                slack_publish_channel="C_ANNOUNCE",
                webhook_url=hook_url,
                webhook_secret=SECRETS["webhook_secret"],
            ) as stack,
        ):
            assert stack.settings is not None
            logs.configure("DEBUG", redactor_for(stack.settings), json_lines=True)
            logging.getLogger().handlers[0].setStream(debug_logs)  # type: ignore[attr-defined]
            caplog.set_level(logging.DEBUG)
            for name in ("tweepy", "slack_sdk", "httpx", "httpcore", "aiohttp", "oauthlib", "slack_bolt"):
                logging.getLogger(name).setLevel(logging.DEBUG)
            draft = await approve(stack)
            await until(stack.slack, draft, "Published", timeout_s=30)
            secrets = list(SECRETS.values()) + [stack.slack.bot_token, stack.signing_secret]
            slack_text = json.dumps(
                [(m.text, m.blocks) for m in stack.slack.messages.values()] + stack.slack.ephemerals
            )
    finally:
        await runner.cleanup()
    assert x.posts and mastodon.posts and bluesky.records and devto.posts and hits
    assert shows(draft, "slack: published") and shows(draft, "webhook: published")
    written = debug_logs.getvalue()
    assert "DEBUG" in written and "api/v1/statuses" in written, "DEBUG request logs were produced"
    audit_text = json.dumps(await audit_kinds(database_url))
    for secret in secrets:
        assert secret not in written, f"a log line shows {secret[:6]}…"
        assert secret not in audit_text and secret not in slack_text
    raw = [r for r in caplog.records if any(s in r.getMessage() for s in secrets)]
    assert not [r.name for r in raw if r.name.startswith(("signoff", "tweepy", "oauthlib", "destinations"))]
