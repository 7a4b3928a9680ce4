"""Translate tweepy and aiohttp failures into destination errors, for X only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp
import tweepy

from destinations.errors import PermanentError, RateLimitedError, RetryableError, UnknownOutcomeError
from destinations.retry_after import DEFAULT_RETRY_AFTER_S, seconds_until_epoch

# A usage cap (429, "UsageCapExceeded") names no reset: look again once a day.
USAGE_CAP_RECHECK_S = 24 * 3600.0
# Exhausted limits, most specific first: each header prefix and how the thread names it.
_CAPS = (
    ("x-user-limit-24hour", "X daily post limit reached"),
    ("x-app-limit-24hour", "X daily post limit for this app reached"),
)


def _reason(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages) or str(exc.response.reason or "")


def x_rate_limited(headers: Mapping[str, str], body: str, *, now: float | None = None) -> RateLimitedError:
    """What X's 429 means: the 15-minute window (x-rate-limit-*), the user's or the app's 24-hour
    post cap (x-user-limit-24hour-*, x-app-limit-24hour-*; the window may still have room), or the
    app's monthly usage cap (a body titled UsageCapExceeded, no reset). Waits for the latest reset
    among the limits that are used up."""
    try:
        problem = json.loads(body) if body else {}
    except ValueError:
        problem = {}
    if isinstance(problem, dict) and (
        problem.get("title") == "UsageCapExceeded" or str(problem.get("type", "")).endswith("/usage-capped")
    ):
        period = str(problem.get("period") or "usage").lower()
        return RateLimitedError(f"X {period} usage cap reached", retry_after_s=USAGE_CAP_RECHECK_S, until_reset=True)
    waits = []
    for prefix, message in _CAPS:
        reset_s = seconds_until_epoch(headers.get(f"{prefix}-reset"), now=now)
        if headers.get(f"{prefix}-remaining") == "0" and reset_s is not None:
            waits.append((reset_s, message))
    window_s = seconds_until_epoch(headers.get("x-rate-limit-reset"), now=now)
    if window_s is not None and (headers.get("x-rate-limit-remaining") == "0" or not waits):
        waits.append((window_s, "X rate limit (429)"))
    if not waits:
        return RateLimitedError("X rate limit (429)", retry_after_s=DEFAULT_RETRY_AFTER_S, until_reset=False)
    wait_s, message = max(waits, key=lambda w: w[0])
    return RateLimitedError(message, retry_after_s=wait_s, until_reset=True)


async def _body(response: aiohttp.ClientResponse) -> str:
    try:  # tweepy has read it already; this only decodes what is buffered
        return await response.text()
    except (aiohttp.ClientError, UnicodeDecodeError, RuntimeError):
        return ""


@asynccontextmanager
async def map_tweepy_errors(*, sending: bool) -> AsyncIterator[None]:
    """`sending` marks a POST: once the request may have left, a failure is an unknown outcome."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        raise x_rate_limited(exc.response.headers, await _body(exc.response)) from exc
    except tweepy.TwitterServerError as exc:
        raise RetryableError(f"X server error ({exc.response.status})") from exc
    except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
        raise PermanentError(f"X refused the credentials or the post ({exc.response.status}): {_reason(exc)}") from exc
    except tweepy.HTTPException as exc:
        raise PermanentError(f"X refused the post ({exc.response.status}): {_reason(exc)}") from exc
    except aiohttp.ContentTypeError as exc:
        # tweepy parses every body as JSON; gateways answer 5xx/429 with HTML.
        if exc.status < 300 and sending:
            raise UnknownOutcomeError(f"X answered {exc.status} with a body that is not JSON") from exc
        if exc.status == 429 or exc.status >= 500:
            raise RetryableError(f"X error ({exc.status}) with a non-JSON body") from exc
        raise PermanentError(f"X refused the post ({exc.status}) with a non-JSON body") from exc
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
        raise RetryableError(f"could not reach X: {exc.__class__.__name__}") from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        if not sending:
            raise RetryableError(f"X lookup failed: {exc.__class__.__name__}") from exc
        raise UnknownOutcomeError(f"X did not answer after the post was sent ({exc.__class__.__name__})") from exc
