"""Errors a destination raises, translated at the network boundary.

DestinationError                 anything that stopped a publish
├── RetryableError (retryable)   429, 5xx, connect/timeout before sending: try again later
│   └── RateLimitedError         429: the platform said "not now" (and usually until when)
├── PermanentError               401/403/422, content refused: stop, tell a human
└── UnknownOutcomeError          the request may have reached the platform: never resend blindly
"""

from __future__ import annotations


class DestinationError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class RetryableError(DestinationError):
    retryable = True


class RateLimitedError(RetryableError):
    """`until_reset`: the platform named when its limit resets (a window, a daily or monthly cap).
    Waiting for that is not a failed attempt: the publisher waits as long as it takes and never
    gives up over it. Without it, the wait is our guess and counts like any failure."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, until_reset: bool = False) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.until_reset = until_reset


class PermanentError(DestinationError):
    pass


class UnknownOutcomeError(DestinationError):
    pass
