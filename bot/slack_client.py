"""The Slack Web API client both processes use, with retries for 429 and 5xx answers."""
from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


def build_slack_client(token: str, base_url: str, *, timeout_s: int = 15,
                       session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """Pass a long-lived `session` so calls reuse connections (otherwise each call dials anew)."""
    client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout_s, session=session)
    # slack_sdk retries only connection errors by default; a 429 waits for Retry-After and goes on.
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client
