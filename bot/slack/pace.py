"""Posting many messages (digests, reminders) without tripping Slack: about one message per second
per channel, and a 429 waits for Retry-After and sends the same message again, so nothing is dropped.

The Slack client itself paces every call across processes when it has a pacer (bot/slack/pacer.py);
this poster keeps its own pace too, for a client without one, and keeps waiting where the client's
retries give up."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("signoff.schedules")
Sleep = Callable[[float], Awaitable[None]]


class SlackRefused(Exception):
    """Slack answered with an error other than a rate limit; `message` is fit to show an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _retry_after_s(exc: SlackApiError) -> float | None:
    response = exc.response
    if getattr(response, "status_code", None) != 429:
        return None
    headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    value = headers.get("retry-after", "1")
    value = value[0] if isinstance(value, list) else value
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


class PacedPoster:
    """One per job run; remembers when it last posted to each channel."""

    def __init__(
        self, client: AsyncWebClient, *, pace_s: float = 1.0, max_waits: int = 30, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.client, self.pace_s, self.max_waits, self.sleep = client, pace_s, max_waits, sleep
        self._last: dict[str, float] = {}
        self.waited_for_rate_limit = 0

    async def post(self, channel: str, text: str, blocks: list[dict]) -> str:
        gap = self._last.get(channel, float("-inf")) + self.pace_s - time.monotonic()
        if gap > 0:
            await self.sleep(gap)
        for _ in range(self.max_waits):
            try:
                answer = await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as exc:
                wait_s = _retry_after_s(exc)
                if wait_s is None:
                    error = exc.response.get("error", "unknown_error") if exc.response else "no answer"
                    raise SlackRefused(f"Slack refused chat.postMessage to {channel}: {error}") from None
                # slack_sdk's own retry handler gave up; keep waiting as Slack asks.
                self.waited_for_rate_limit += 1
                log.info("rate limited posting to %s; waiting %.0f s", channel, wait_s)
                await self.sleep(wait_s)
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise SlackRefused(f"could not reach Slack: {exc.__class__.__name__}") from None
            finally:
                self._last[channel] = time.monotonic()
            return str(answer["ts"])
        raise SlackRefused(f"Slack kept rate limiting {channel} after {self.max_waits} waits")

    async def direct_message(self, user_id: str, text: str, blocks: list[dict]) -> str:
        try:
            opened = await self.client.conversations_open(users=user_id)
        except SlackApiError as exc:
            raise SlackRefused(
                f"Slack refused conversations.open for {user_id}: {exc.response.get('error', 'unknown_error')}"
            ) from None
        return await self.post(opened["channel"]["id"], text, blocks)
