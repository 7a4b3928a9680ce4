"""Pipeline errors.

    PipelineError                   a run could not produce a draft
    ├── TransientPipelineError      worth retrying later (LLM 429/5xx, timeouts)
    ├── PermanentPipelineError      retrying will not help (bad configuration, refused input)
    └── SourceError                 one source failed; collect turns it into a warning, never a crash
        └── FetchRefused            the SSRF guard said no (scheme, private address, size, redirects)
"""
from __future__ import annotations


class PipelineError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class TransientPipelineError(PipelineError):
    retryable = True


class PermanentPipelineError(PipelineError):
    pass


class SourceError(PipelineError):
    pass


class FetchRefused(SourceError):
    pass
