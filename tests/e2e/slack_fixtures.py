"""Slack payloads from the fixture files (tests/fixtures/slack), filled in for one request."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from launch.local_slack.server import Message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
_unique = itertools.count(1)


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return payload


def command_form(shape: str, *, command: str, text: str, user: str, channel: str = "C_GENERAL") -> dict[str, str]:
    form = fixture(f"slash_command_{shape}")
    form.update(
        command=command,
        text=text,
        user_id=user,
        user_name=user.lower(),
        channel_id=channel,
        trigger_id=f"{next(_unique)}.fixture",
    )
    return form


def _button(message: Message, action_id: str) -> tuple[dict[str, Any], str]:
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element, block.get("block_id", "")
    raise LookupError(f"no button {action_id!r} in this message")


def click_payload(variant: str, *, user: str, message: Message, action_id: str) -> dict[str, Any]:
    payload = fixture(f"block_actions_{variant}")
    button, block_id = _button(message, action_id)
    payload["user"]["id"] = payload["user"]["username"] = payload["user"]["name"] = user
    payload["container"].update(message_ts=message.ts, channel_id=message.channel, thread_ts=message.thread_ts)
    if "message" in payload:
        payload["message"].update(ts=message.ts, thread_ts=message.thread_ts, text=message.text, blocks=message.blocks)
    if "channel" in payload:
        payload["channel"]["id"] = message.channel
    payload["actions"][0].update(action_id=action_id, block_id=block_id, value=button.get("value", ""))
    payload["trigger_id"] = f"{next(_unique)}.fixture"
    return payload


def view_payload(variant: str, *, user: str, view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    """A submission of `view` (as the bot opened it) with `values` typed into its inputs."""
    payload = fixture(f"view_submission_{variant}")
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            element = block["element"]
            typed = values.get(block["block_id"], element.get("initial_value"))
            state[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": typed}}
    payload["user"]["id"] = payload["user"]["username"] = payload["user"]["name"] = user
    payload["view"].update(
        {k: v for k, v in view.items() if k in ("id", "blocks", "private_metadata", "callback_id", "title")}
    )
    payload["view"]["state"] = {"values": state}
    payload["trigger_id"] = f"{next(_unique)}.fixture"
    return payload


def event_payload(variant: str, *, user: str, channel: str, thread_ts: str, ts: str, text: str) -> dict[str, Any]:
    envelope = fixture(f"event_{variant}")
    envelope["event_id"] = f"Ev{next(_unique):08d}"
    event = envelope["event"]
    if event.get("subtype") == "message_changed":
        for inner in (event["message"], event["previous_message"]):
            inner.update(user=user, ts=ts, thread_ts=thread_ts, text=text)
        event.update(channel=channel, ts=f"{ts}9", event_ts=f"{ts}9")
        return envelope
    event.update(channel=channel, ts=ts, event_ts=ts, thread_ts=thread_ts, text=text)
    if "user" in event:
        event["user"] = user
    if "root" in event:
        event["root"].update(ts=thread_ts, thread_ts=thread_ts)
    return envelope


def home_opened_payload(user: str) -> dict[str, Any]:
    envelope = fixture("event_app_home_opened")
    envelope["event_id"] = f"Ev{next(_unique):08d}"
    envelope["event"].update(user=user, channel=f"D_{user}")
    return envelope


def home_click_payload(user: str, home: dict[str, Any], action_id: str, *, nth: int = 0) -> dict[str, Any]:
    """A click on the `nth` button `action_id` in a published App Home view (a section's accessory
    or an actions block's element)."""
    found = []
    for block in home.get("blocks", []):
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        found += [(e, block.get("block_id", "")) for e in elements if e.get("action_id") == action_id]
    button, block_id = found[nth]
    payload = fixture("block_actions_home")
    payload["user"]["id"] = payload["user"]["username"] = payload["user"]["name"] = user
    payload["view"].update(id=home.get("id", ""), blocks=home.get("blocks", []))
    payload["container"]["view_id"] = home.get("id", "")
    payload["actions"][0].update(
        action_id=action_id, block_id=block_id, value=button.get("value", ""), text=button.get("text")
    )
    payload["trigger_id"] = f"{next(_unique)}.fixture"
    return payload
