"""How long a server asked us to wait: Retry-After as seconds or as an HTTP date (RFC 9110 §10.2.3),
or `retry-after-ms`, which OpenAI-compatible servers send for sub-second waits."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC

# Beyond a day a hint is nonsense or hostile; capping keeps every later sum finite.
MAX_HINT_S = 86_400.0


def retry_after_s(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return min(MAX_HINT_S, millis / 1000)
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return min(MAX_HINT_S, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse as naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    try:
        return min(MAX_HINT_S, max(0.0, when.timestamp() - now()))
    except (OverflowError, ValueError, OSError):
        return None


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None
