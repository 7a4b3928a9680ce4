"""How long to wait before publishing again after a retryable failure."""

from __future__ import annotations

import random

# A platform's own wait is honoured up to this (X's monthly cap is looked at again daily); a
# header promising more than that is more likely wrong than meant.
MAX_PLATFORM_WAIT_S = 2 * 86400.0


def backoff_s(attempt: int, retry_after_s: float | None) -> float:
    """1, 2, 4, 8 … minutes, capped at an hour, jittered; a platform's own wait hint wins."""
    if retry_after_s is not None:
        # What the platform asked plus a little (at most 30 s), so clients told the same do not collide,
        # and a reset hours away is still kept to the minute.
        wait_s = max(1.0, retry_after_s)
        return min(MAX_PLATFORM_WAIT_S, wait_s + random.uniform(0.0, min(30.0, 0.1 * wait_s)))
    return min(3600.0, 60.0 * 2.0 ** max(0, attempt - 1) * random.uniform(0.8, 1.2))


def humane(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
