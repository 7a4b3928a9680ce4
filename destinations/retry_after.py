"""How long a platform asked us to wait, from the header shapes they actually send."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Mapping

# When a 429 carries no hint, wait one typical rate-limit window rather than hammer the API.
DEFAULT_RETRY_AFTER_S = 900.0


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


def seconds_from_retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
