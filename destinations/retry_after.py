"""How long a platform asked us to wait, from the header shapes they actually send."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# When a 429 carries no hint, wait one typical rate-limit window rather than hammer the API.
DEFAULT_RETRY_AFTER_S = 900.0
_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def seconds_until_epoch(value: str | int | float | None, *, now: float | None = None) -> float | None:
    if value is None:
        return None
    try:
        reset = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, reset - (time.time() if now is None else now))


def seconds_until_iso(value: str | None, *, now: float | None = None) -> float | None:
    if not value:
        return None
    try:
        reset = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return max(0.0, reset - (time.time() if now is None else now))


def seconds_from_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """RFC 9110 Retry-After: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
    or the obsolete RFC 850 and asctime forms, which are UTC too). None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):  # a fraction is not RFC 9110, but is plainly meant as seconds
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
