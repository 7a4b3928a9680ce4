"""The Slack app manifest asks for the least it needs, and routes everything to /slack/events."""

from __future__ import annotations

import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"
NEEDED = {
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "reactions:write",
    "im:write",
    "files:read",
}


def test_bot_scopes_are_exactly_the_ones_signoff_uses() -> None:
    text = MANIFEST.read_text()
    scopes_block = text.split("bot:", 1)[1].split("settings:", 1)[0]
    scopes = set(re.findall(r"^\s+- ([a-z:._]+)", scopes_block, flags=re.M))
    assert scopes == NEEDED


def test_every_request_url_points_at_slack_events() -> None:
    urls = re.findall(r"(?:url|request_url): (\S+)", MANIFEST.read_text())
    assert urls and all(u.endswith("/slack/events") for u in urls)
    assert "/draft" in MANIFEST.read_text() and "/signoff" in MANIFEST.read_text()


# Slack's event subscriptions that deliver each event type a listener registers for.
SUBSCRIPTIONS = {"message": {"message.channels", "message.groups"}, "app_home_opened": {"app_home_opened"}}


def registered_events() -> set[str]:
    """Every `app.event("…")` in the listeners, read from the source (what the app registers)."""
    import ast

    found: set[str] = set()
    for path in (MANIFEST.parent / "bot" / "listeners").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "event"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_the_manifest_subscribes_to_exactly_the_events_the_listeners_handle() -> None:
    text = MANIFEST.read_text()
    subscribed = set(
        re.findall(r"^\s+- ([a-z_.]+)$", text.split("bot_events:", 1)[1].split("interactivity:", 1)[0], flags=re.M)
    )
    events = registered_events()
    assert events == set(SUBSCRIPTIONS)
    assert subscribed == set().union(*(SUBSCRIPTIONS[e] for e in events))


def test_the_home_tab_is_enabled_since_a_listener_publishes_it() -> None:
    assert "app_home_opened" in registered_events()
    assert re.search(r"home_tab_enabled: true", MANIFEST.read_text())
