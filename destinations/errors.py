"""Errors a destination raises, translated at the network boundary.

    DestinationError                 anything that stopped a publish
    ├── RetryableError (retryable)   429, 5xx, connect/timeout before sending: try again later
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


class PermanentError(DestinationError):
    pass


class UnknownOutcomeError(DestinationError):
    pass
