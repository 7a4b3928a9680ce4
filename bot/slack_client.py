"""The Slack Web API client both processes use, with retries for 429 and 5xx answers."""
from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

# A connection that broke after the request was sent may have been served: sending these again
# would post twice. Their callers claim the post first and look for it before trying again.
NOT_REPEATABLE = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")


class ConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's retry of broken connections, for every method that is safe to send twice."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if request.url.rstrip("/").endswith(NOT_REPEATABLE):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def build_slack_client(token: str, base_url: str, *, timeout_s: int = 15,
                       session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """Pass a long-lived `session` so calls reuse connections (otherwise each call dials anew)."""
    client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout_s, session=session,
                            retry_handlers=[ConnectionErrorRetryHandler()])
    # slack_sdk retries only connection errors by default; a 429 waits for Retry-After and goes on.
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client
