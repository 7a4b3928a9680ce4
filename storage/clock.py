"""Time as storage sees it: naive UTC. Callers pass `now` in, so tests can move the clock."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
