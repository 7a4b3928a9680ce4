"""The requests Slack sends an app when a person acts, in Slack's shapes: a slash command form,
a `block_actions` click, a `view_submission`, and a `message` event. The page builds them here and
`SlackUser` signs and posts them, exactly as Slack would."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from launch.local_slack.people import CAST, Channel, Person

_counter = itertools.count(1)


def trigger_id() -> str:
    return f"{next(_counter)}.{int(time.time())}.page"


def typed_text(text: str, app_user_id: str) -> str:
    """A message as Slack stores what a person typed: `&`, `<`, `>` escaped, and `@name` of a
    member (or `@signoff`, the app) turned into a mention, `<@U…>`."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    ids = {p.name: p.id for p in CAST} | {"signoff": app_user_id}
    return re.sub(r"(?<![\w@])@(\w+)\b", lambda m: f"<@{ids[m[1].lower()]}>" if m[1].lower() in ids else m[0], escaped)


def slash_form(
    *, team_id: str, response_url: str, trigger: str, person: Person, channel: Channel, command: str, text: str
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "local",
        "channel_id": channel.id,
        "channel_name": channel.name if not channel.private else "privategroup",
        "user_id": person.id,
        "user_name": person.name,
        "command": command,
        "text": text,
        "api_app_id": "A_SIGNOFF",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }


def _user(person: Person, team_id: str) -> dict:
    return {"id": person.id, "username": person.name, "name": person.name, "team_id": team_id}


def block_actions(
    *,
    team_id: str,
    response_url: str,
    trigger: str,
    person: Person,
    channel: Channel,
    message: dict,
    block_id: str,
    element: dict,
) -> dict:
    """A click on `element` (a button as rendered in `message`)."""
    action: dict[str, Any] = {
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "type": element.get("type", "button"),
        "text": element.get("text"),
        "action_ts": f"{time.time():.6f}",
    }
    if "value" in element:
        action["value"] = element["value"]
    if element.get("style"):
        action["style"] = element["style"]
    ephemeral = bool(message.get("is_ephemeral"))
    return {
        "type": "block_actions",
        "user": _user(person, team_id),
        "api_app_id": "A_SIGNOFF",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel.id,
            "is_ephemeral": ephemeral,
            "thread_ts": message.get("thread_ts"),
        },
        "trigger_id": trigger,
        "team": {"id": team_id, "domain": "local"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "message": None
        if ephemeral
        else {
            "type": "message",
            "ts": message["ts"],
            "text": message.get("text", ""),
            "blocks": message.get("blocks", []),
            "thread_ts": message.get("thread_ts"),
            "user": message.get("user"),
        },
        "response_url": response_url,
        "actions": [action],
    }


def view_state(view: dict, typed: dict[str, str | None]) -> dict:
    """`view.state.values` for what was typed into each input block (by block id); an input not
    named keeps its initial value, and None is an empty input (Slack sends null)."""
    values: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block.get("element", {})
        if element.get("type") == "conversations_select":  # a chosen channel, not typed text
            chosen = typed.get(block["block_id"], element.get("initial_conversation"))
            values[block["block_id"]] = {
                element.get("action_id", ""): {"type": element["type"], "selected_conversation": chosen}
            }
            continue
        value = typed.get(block["block_id"], element.get("initial_value"))
        values[block["block_id"]] = {element.get("action_id", ""): {"type": element.get("type"), "value": value}}
    return {"values": values}


def view_submission(*, team_id: str, trigger: str, person: Person, view: dict, typed: dict[str, str | None]) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "local"},
        "user": _user(person, team_id),
        "api_app_id": "A_SIGNOFF",
        "token": "legacy-verification-token",
        "trigger_id": trigger,
        "view": {
            **view,
            "team_id": team_id,
            "state": view_state(view, typed),
            "hash": view.get("hash") or f"{int(time.time())}.page",
            "app_id": "A_SIGNOFF",
            "bot_id": "B_SIGNOFF",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_event(
    *, team_id: str, bot_user_id: str, person: Person, channel: Channel, text: str, ts: str, thread_ts: str | None
) -> dict:
    """The Events API envelope for a person's message (`message.channels` / `message.groups`)."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel.id,
        "user": person.id,
        "text": text,
        "ts": ts,
        "channel_type": "group" if channel.private else "channel",
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A_SIGNOFF",
        "type": "event_callback",
        "event_id": f"EvPage{next(_counter):08d}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [
            {
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "enterprise_id": None,
                "is_enterprise_install": False,
            }
        ],
    }
