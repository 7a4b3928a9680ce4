"""The Slack app manifest asks for the least it needs, and routes everything to /slack/events."""
from __future__ import annotations

import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"
NEEDED = {"commands", "chat:write", "channels:history", "groups:history", "channels:read", "groups:read",
          "reactions:write", "im:write"}


def test_bot_scopes_are_exactly_the_ones_signoff_uses() -> None:
    text = MANIFEST.read_text()
    scopes_block = text.split("bot:", 1)[1].split("settings:", 1)[0]
    scopes = set(re.findall(r"^\s+- ([a-z:._]+)", scopes_block, flags=re.M))
    assert scopes == NEEDED


def test_every_request_url_points_at_slack_events() -> None:
    urls = re.findall(r"(?:url|request_url): (\S+)", MANIFEST.read_text())
    assert urls and all(u.endswith("/slack/events") for u in urls)
    assert "/draft" in MANIFEST.read_text() and "/signoff" in MANIFEST.read_text()
