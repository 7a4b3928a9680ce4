"""Translate tweepy and aiohttp failures into destination errors, for X only."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

import aiohttp
import tweepy

from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.retry_after import DEFAULT_RETRY_AFTER_S, seconds_until_epoch


def _reason(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages) or str(exc.response.reason or "")


@asynccontextmanager
async def map_tweepy_errors(*, sending: bool) -> AsyncIterator[None]:
    """`sending` marks a POST: once the request may have left, a failure is an unknown outcome."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        wait_s = seconds_until_epoch(exc.reset_time)
        raise RetryableError(
            "X rate limit (429)", retry_after_s=DEFAULT_RETRY_AFTER_S if wait_s is None else wait_s
        ) from exc
    except tweepy.TwitterServerError as exc:
        raise RetryableError(f"X server error ({exc.response.status})") from exc
    except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
        raise PermanentError(f"X refused the credentials or the post ({exc.response.status}): "
                             f"{_reason(exc)}") from exc
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
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        if not sending:
            raise RetryableError(f"X lookup failed: {exc.__class__.__name__}") from exc
        raise UnknownOutcomeError(
            f"X did not answer after the post was sent ({exc.__class__.__name__})"
        ) from exc
