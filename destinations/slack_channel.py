"""Announce the approved text in a Slack channel with chat.postMessage.

The text is escaped (&, <, > only, as Slack's mrkdwn wants) so it cannot ping <!channel> or
<!here>, mention a user group, or dress a link up as another one.
"""

from __future__ import annotations

from typing import Any

import httpx

from destinations.base import EMPTY_TEXT, Capabilities, Part, Post, PublishResult
from destinations.errors import PermanentError, RateLimitedError, RetryableError, UnknownOutcomeError
from destinations.http_errors import json_body, map_http_errors, raise_for_status
from destinations.media.checks import images_for, media_problems
from destinations.media.limits import SLACK_MEDIA
from destinations.retry_after import seconds_from_retry_after
from destinations.slack_media import find_share_ts, shared_ts, upload_files

MAX_TEXT = 40_000
# Slack errors after which trying again later can succeed; all others need a human.
_TRANSIENT = {"rate_limited", "ratelimited", "internal_error", "service_unavailable", "request_timeout"}
# "It's possible some aspect of the operation succeeded before the error was raised."
_MAYBE_DONE = {"fatal_error"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackChannel:
    name = "slack"
    capabilities = Capabilities(
        max_length=MAX_TEXT,
        threads=False,
        markdown=True,
        idempotency_keys=False,
        # About one message per second per channel.
        rate_limit_per_min=60,
        safe_to_retry_unknown=False,
        media=True,
        media_limits=SLACK_MEDIA,
    )
    handoff = False

    def __init__(
        self, token: str, channel: str, http: httpx.AsyncClient, *, api_url: str = "https://slack.com/api"
    ) -> None:
        self._api = api_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"}
        self._channel = channel
        self._http = http

    def format(self, post: Post) -> list[Part]:
        return [Part(index=0, text=post.text)]

    def preflight(self, post: Post) -> list[str]:
        if not post.text.strip():
            return [EMPTY_TEXT]
        if len(escape(post.text)) > MAX_TEXT:
            return [f"Slack cuts messages after {MAX_TEXT} characters"]
        return media_problems("Slack", self.capabilities.media_limits, post.images)

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        payload: dict[str, Any] = {"channel": self._channel, "text": escape(part.text), "link_names": False}
        if reply_to:
            payload["thread_ts"] = reply_to
        if images := images_for(post.images, part.index):
            return await self._publish_with_files(payload, images)
        data = await self._call("chat.postMessage", payload)
        return PublishResult(external_id=data["ts"], detail={"channel": data.get("channel")})

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        """Our message with this text among the channel's latest 15 (the strictest history limit)."""
        data = await self._call("conversations.history", {"channel": self._channel, "limit": 15}, sending=False)
        wanted = escape(part.text)
        for message in data.get("messages", []):
            if message.get("text") == wanted and message.get("bot_id"):
                return PublishResult(external_id=message["ts"], detail={"channel": self._channel, "reconciled": True})
        return None

    async def _publish_with_files(self, payload: dict[str, Any], images: tuple[Any, ...]) -> PublishResult:
        files = await upload_files(self._call, self._http, images)
        completion = {
            "files": files,
            "channel_id": self._channel,
            "initial_comment": payload["text"],
            **({"thread_ts": payload["thread_ts"]} if "thread_ts" in payload else {}),
        }
        data = await self._call("files.completeUploadExternal", completion)
        ts = shared_ts(data, self._channel) or await find_share_ts(self._call, self._channel, files[0]["id"])
        return PublishResult(external_id=ts, detail={"channel": self._channel, "file_ids": [f["id"] for f in files]})

    async def _call(
        self, method: str, payload: dict[str, Any], *, sending: bool = True, form: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"data": payload} if form else {"json": payload}
        async with map_http_errors("Slack"):
            response = await self._http.post(f"{self._api}/{method}", headers=self._auth, **body)
        raise_for_status(response, "Slack")
        data = json_body(response, "Slack")
        if data.get("ok"):
            return data
        error = str(data.get("error", "unknown_error"))
        if error in _MAYBE_DONE and sending:
            raise UnknownOutcomeError(f"Slack {method} failed with {error}; the message may exist")
        if error in _TRANSIENT or error in _MAYBE_DONE:
            retry_after = seconds_from_retry_after(response.headers.get("retry-after"))
            wait_s = 60.0 if retry_after is None else retry_after
            if error in ("rate_limited", "ratelimited"):
                raise RateLimitedError(
                    f"Slack {method} failed: {error}", retry_after_s=wait_s, until_reset=retry_after is not None
                )
            raise RetryableError(f"Slack {method} failed: {error}", retry_after_s=wait_s)
        raise PermanentError(f"Slack {method} failed: {error}")
