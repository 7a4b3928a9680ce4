"""How long to wait before publishing again after a retryable failure."""
from __future__ import annotations

import random


def backoff_s(attempt: int, retry_after_s: float | None) -> float:
    """1, 2, 4, 8 … minutes, capped at an hour, jittered; a platform's own wait hint wins."""
    if retry_after_s is not None:
        # As long as the platform asked plus a little, so clients that were told the same do not collide.
        return min(6 * 3600.0, max(1.0, retry_after_s) * random.uniform(1.0, 1.1))
    return min(3600.0, 60.0 * 2 ** max(0, attempt - 1) * random.uniform(0.8, 1.2))


def humane(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
