"""A person in the local Slack: sends signed slash commands and button clicks to the bot."""
from __future__ import annotations

import functools
import itertools
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from launch.local_slack.server import LocalSlack, Message
from launch.local_slack.signing import signed_headers


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # httpx loads the CA bundle for every new client (~20 ms of CPU), even for plain http://.
    return ssl.create_default_context()

_trigger = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> dict:
        return json.loads(self.body) if self.body.startswith("{") else {"text": self.body}


class SlackUser:
    def __init__(self, slack: LocalSlack, bot_url: str, signing_secret: str, user_id: str,
                 *, channel_id: str = "C_GENERAL", user_name: str | None = None) -> None:
        self.slack, self.bot_url, self.secret = slack, bot_url.rstrip("/"), signing_secret
        self.user_id, self.channel_id = user_id, channel_id
        self.user_name = user_name or user_id.lower()

    async def _post(self, body: bytes, headers: dict[str, str]) -> Reply:
        async with httpx.AsyncClient(timeout=30, trust_env=False, verify=_tls_context()) as http:
            response = await http.post(self.bot_url + "/slack/events", content=body, headers=headers)
        return Reply(response.status_code, response.text)

    async def send_interaction(self, payload: dict) -> Reply:
        """Any interactivity payload (block_actions, view_submission, …), signed as Slack signs it."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(body, signed_headers(self.secret, body))

    async def send_form(self, form: dict[str, str]) -> Reply:
        """Any slash-command form, signed as Slack signs it."""
        body = urlencode(form).encode()
        return await self._post(body, signed_headers(self.secret, body))

    async def send_event(self, envelope: dict) -> Reply:
        body = json.dumps(envelope).encode()
        return await self._post(body, signed_headers(self.secret, body, content_type="application/json"))

    async def slash(self, command: str, text: str, *, timestamp: int | None = None,
                    secret: str | None = None, channel_id: str | None = None) -> Reply:
        trigger = f"{next(_trigger)}.{int(time.time())}.local"
        self.slack.channels.add(channel_id or self.channel_id)  # a person types where they are
        form = {
            "token": "legacy-verification-token", "team_id": self.slack.team_id, "team_domain": "local",
            "channel_id": channel_id or self.channel_id, "channel_name": "general",
            "user_id": self.user_id, "user_name": self.user_name, "command": command, "text": text,
            "api_app_id": "A_SIGNOFF", "is_enterprise_install": "false",
            "response_url": f"{self.slack.url}/response/{trigger}", "trigger_id": trigger,
        }
        body = urlencode(form).encode()
        return await self._post(body, signed_headers(secret or self.secret, body, timestamp=timestamp))

    async def slash_over_socket(self, command: str, text: str) -> dict:
        """The same slash command, delivered the Socket Mode way; returns the app's ack payload."""
        payload = {"token": "legacy-verification-token", "team_id": self.slack.team_id, "team_domain": "local",
                   "channel_id": self.channel_id, "channel_name": "general", "user_id": self.user_id,
                   "user_name": self.user_name, "command": command, "text": text, "api_app_id": "A_SIGNOFF",
                   "is_enterprise_install": "false", "trigger_id": f"{next(_trigger)}.{int(time.time())}.local",
                   "response_url": f"{self.slack.url}/response/socket"}
        return await self.slack.socket_request("slash_commands", payload)

    async def click(self, message: Message, action_id: str, *, timestamp: int | None = None,
                    secret: str | None = None) -> Reply:
        """Click the button `action_id` as it is rendered in `message` right now."""
        button, block_id = _find_button(message.blocks, action_id)
        trigger = f"{next(_trigger)}.{int(time.time())}.local"
        payload = {
            "type": "block_actions",
            "user": {"id": self.user_id, "username": self.user_name, "name": self.user_name,
                     "team_id": self.slack.team_id},
            "api_app_id": "A_SIGNOFF", "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                          "is_ephemeral": False, "thread_ts": message.thread_ts},
            "trigger_id": trigger, "team": {"id": self.slack.team_id, "domain": "local"},
            "enterprise": None, "is_enterprise_install": False,
            "channel": {"id": message.channel, "name": "general"},
            "message": {"type": "message", "ts": message.ts, "text": message.text,
                        "blocks": message.blocks, "thread_ts": message.thread_ts},
            "response_url": f"{self.slack.url}/response/{trigger}",
            "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                         "value": button.get("value", ""), "text": button.get("text"),
                         "action_ts": f"{time.time():.6f}"}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(body, signed_headers(secret or self.secret, body, timestamp=timestamp))


    async def submit_view(self, view: dict, values: dict[str, str | None]) -> Reply:
        """Submit a modal the bot opened, typing `values` (by input block id) into its fields."""
        state: dict = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            if element["type"] == "conversations_select":  # a chosen channel, not typed text
                chosen = values.get(block["block_id"], element.get("initial_conversation"))
                state[block["block_id"]] = {element["action_id"]: {"type": element["type"],
                                                                   "selected_conversation": chosen}}
                continue
            typed = values.get(block["block_id"], element.get("initial_value"))
            state[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": typed}}
        payload = {
            "type": "view_submission", "team": {"id": self.slack.team_id, "domain": "local"},
            "user": {"id": self.user_id, "username": self.user_name, "name": self.user_name,
                     "team_id": self.slack.team_id},
            "api_app_id": "A_SIGNOFF", "token": "legacy-verification-token",
            "trigger_id": f"{next(_trigger)}.{int(time.time())}.local",
            "view": {**view, "team_id": self.slack.team_id, "state": {"values": state},
                     "hash": f"{int(time.time())}.local", "app_id": "A_SIGNOFF", "bot_id": "B_SIGNOFF"},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(body, signed_headers(self.secret, body))

    async def reply_in_thread(self, channel: str, thread_ts: str, text: str, *,
                              event_id: str | None = None, retry_num: int | None = None) -> Reply:
        """Post a thread reply as this user; Slack delivers it to the bot as an Events API event."""
        ts = self.slack.add_user_message(channel, text, user=self.user_id, thread_ts=thread_ts) \
            if retry_num is None else thread_ts
        event_id = event_id or f"Ev{next(_trigger):08d}"
        envelope = {
            "token": "legacy-verification-token", "team_id": self.slack.team_id, "api_app_id": "A_SIGNOFF",
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "message", "channel": channel, "user": self.user_id, "text": text, "ts": ts,
                      "thread_ts": thread_ts, "channel_type": "channel", "event_ts": ts},
            "authorizations": [{"team_id": self.slack.team_id, "user_id": self.slack.bot_user_id,
                                "is_bot": True, "enterprise_id": None, "is_enterprise_install": False}],
        }
        body = json.dumps(envelope).encode()
        headers = signed_headers(self.secret, body, content_type="application/json")
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return await self._post(body, headers)


class NoSuchButton(LookupError):
    pass


def _find_button(blocks: list, action_id: str) -> tuple[dict, str]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element, block.get("block_id", "")
    raise NoSuchButton(f"no button {action_id!r} in this message")
