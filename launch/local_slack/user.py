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

from launch.local_slack import payloads
from launch.local_slack.people import Channel, Person
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
    def __init__(
        self,
        slack: LocalSlack,
        bot_url: str,
        signing_secret: str,
        user_id: str,
        *,
        channel_id: str = "C_GENERAL",
        user_name: str | None = None,
    ) -> None:
        self.slack, self.bot_url, self.secret = slack, bot_url.rstrip("/"), signing_secret
        self.user_id, self.channel_id = user_id, channel_id
        self.user_name = user_name or user_id.lower()
        self.person = Person(user_id, self.user_name, role="")

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

    async def slash(
        self,
        command: str,
        text: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        channel_id: str | None = None,
    ) -> Reply:
        trigger = f"{next(_trigger)}.{int(time.time())}.local"
        self.slack.channels.add(channel_id or self.channel_id)  # a person types where they are
        form = payloads.slash_form(
            team_id=self.slack.team_id,
            response_url=f"{self.slack.url}/response/{trigger}",
            trigger=trigger,
            person=self.person,
            channel=self._channel(channel_id),
            command=command,
            text=text,
        )
        body = urlencode(form).encode()
        return await self._post(body, signed_headers(secret or self.secret, body, timestamp=timestamp))

    async def slash_over_socket(self, command: str, text: str) -> dict:
        """The same slash command, delivered the Socket Mode way; returns the app's ack payload."""
        payload = {
            "token": "legacy-verification-token",
            "team_id": self.slack.team_id,
            "team_domain": "local",
            "channel_id": self.channel_id,
            "channel_name": "general",
            "user_id": self.user_id,
            "user_name": self.user_name,
            "command": command,
            "text": text,
            "api_app_id": "A_SIGNOFF",
            "is_enterprise_install": "false",
            "trigger_id": f"{next(_trigger)}.{int(time.time())}.local",
            "response_url": f"{self.slack.url}/response/socket",
        }
        return await self.slack.socket_request("slash_commands", payload)

    async def click(
        self, message: Message, action_id: str, *, timestamp: int | None = None, secret: str | None = None
    ) -> Reply:
        """Click the button `action_id` as it is rendered in `message` right now."""
        button, block_id = _find_button(message.blocks, action_id)
        trigger = f"{next(_trigger)}.{int(time.time())}.local"
        shown = {"ts": message.ts, "text": message.text, "blocks": message.blocks, "thread_ts": message.thread_ts}
        payload = payloads.block_actions(
            team_id=self.slack.team_id,
            response_url=f"{self.slack.url}/response/{trigger}",
            trigger=trigger,
            person=self.person,
            channel=self._channel(message.channel),
            message=shown,
            block_id=block_id,
            element=button,
        )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(body, signed_headers(secret or self.secret, body, timestamp=timestamp))

    async def submit_view(self, view: dict, values: dict[str, str | None]) -> Reply:
        """Submit a modal the bot opened, typing `values` (by input block id) into its fields."""
        payload = payloads.view_submission(
            team_id=self.slack.team_id,
            person=self.person,
            view=view,
            typed=values,
            trigger=f"{next(_trigger)}.{int(time.time())}.local",
        )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._post(body, signed_headers(self.secret, body))

    async def reply_in_thread(
        self, channel: str, thread_ts: str, text: str, *, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        """Post a thread reply as this user; Slack delivers it to the bot as an Events API event."""
        ts = (
            self.slack.add_user_message(channel, text, user=self.user_id, thread_ts=thread_ts)
            if retry_num is None
            else thread_ts
        )
        envelope = payloads.message_event(
            team_id=self.slack.team_id,
            bot_user_id=self.slack.bot_user_id,
            person=self.person,
            channel=self._channel(channel),
            text=text,
            ts=ts,
            thread_ts=thread_ts,
        )
        envelope["event_id"] = event_id or f"Ev{next(_trigger):08d}"
        body = json.dumps(envelope).encode()
        headers = signed_headers(self.secret, body, content_type="application/json")
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return await self._post(body, headers)

    def _channel(self, channel_id: str | None) -> Channel:
        return Channel(channel_id or self.channel_id, "general")


class NoSuchButton(LookupError):
    pass


def _find_button(blocks: list, action_id: str) -> tuple[dict, str]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element, block.get("block_id", "")
    raise NoSuchButton(f"no button {action_id!r} in this message")
