"""Translate httpx outcomes into destination errors (the one place that knows HTTP status codes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from destinations.errors import PermanentError, RateLimitedError, RetryableError, UnknownOutcomeError
from destinations.retry_after import seconds_from_retry_after


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header, in seconds or as an HTTP-date."""
    return seconds_from_retry_after(response.headers.get("retry-after"))


def raise_for_status(
    response: httpx.Response, platform: str, *, retry_after_s: float | None = None, default_wait_s: float | None = None
) -> None:
    """`retry_after_s` is for platforms whose wait hint is not a Retry-After header;
    `default_wait_s` is how long a 429 without any hint waits (our guess, so it counts as a try)."""
    status = response.status_code
    if status < 400:
        return
    # "…" marks a cut body: a credential the platform quoted and the cut split is still recognised.
    reason = response.text if len(response.text) <= 300 else response.text[:299] + "…"
    if retry_after_s is None:
        retry_after_s = retry_after_seconds(response)
    if status == 429:
        raise RateLimitedError(
            f"{platform} rate limit (429)",
            retry_after_s=default_wait_s if retry_after_s is None else retry_after_s,
            until_reset=retry_after_s is not None,
        )
    if status >= 500:
        raise RetryableError(f"{platform} server error ({status})", retry_after_s=retry_after_s)
    raise PermanentError(f"{platform} refused the post ({status}): {reason}")


@asynccontextmanager
async def map_http_errors(platform: str) -> AsyncIterator[None]:
    """Connect failures never reached the platform; read timeouts may have."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise RetryableError(f"could not reach {platform}: {exc.__class__.__name__}") from exc
    except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise UnknownOutcomeError(
            f"{platform} did not answer after the request was sent ({exc.__class__.__name__})"
        ) from exc


def json_body(response: httpx.Response, platform: str) -> dict[str, Any]:
    """A success whose body we cannot read still may have published: that is an unknown outcome."""
    try:
        data = response.json()
    except ValueError as exc:
        raise UnknownOutcomeError(f"{platform} answered {response.status_code} with a body that is not JSON") from exc
    if not isinstance(data, dict):
        raise UnknownOutcomeError(f"{platform} answered {response.status_code} with unexpected JSON")
    return data
