"""Pipeline errors.

    PipelineError                   a run could not produce a draft
    ├── TransientPipelineError      the same request may succeed later (model busy, slow, unreachable)
    ├── PermanentPipelineError      retrying will not help (bad key, unknown model, refusal, unusable answer)
    └── SourceError                 one source failed; collect turns it into a warning, never a crash
        └── FetchRefused            the SSRF guard said no (scheme, private address, size, redirects)

Every error carries what a caller needs and nothing more: `message`, a sentence a user can read
(never a raw body: at most a short excerpt with the API key removed), `kind`, a short machine word
for audit events and metrics, `retryable`, and `retry_after_s` when the server said how long to wait.
Model errors are raised once the run's own retries are spent, so `retryable` means "worth asking
again later", not "run again now".
"""

from __future__ import annotations

from enum import Enum


class ErrorKind(str, Enum):
    model_auth = "model_auth"  # 401/403: the key is wrong or not allowed this model
    model_not_found = "model_not_found"  # 404: unknown model or a wrong base URL
    model_rejected = "model_rejected"  # 400/422 and other 4xx: the request was not accepted
    model_too_long = "model_too_long"  # the prompt exceeds the model's context length
    model_refused = "model_refused"  # content filter or an explicit refusal
    model_unreadable = "model_unreadable"  # an answer that is not a usable chat completion
    model_busy = "model_busy"  # 429 / 5xx, until attempts or time ran out
    model_timeout = "model_timeout"  # the request was taken and never answered in time
    model_unreachable = "model_unreachable"  # connection refused, reset, or the answer cut off
    deadline = "deadline"  # the run's time was used up before the model was asked
    pipeline = "pipeline"  # anything else a stage refused
    source = "source"  # one source failed (only ever a warning)


class PipelineError(Exception):
    retryable = False
    default_kind = ErrorKind.pipeline

    def __init__(self, message: str, *, retry_after_s: float | None = None, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s
        self.kind = kind or self.default_kind


class TransientPipelineError(PipelineError):
    retryable = True


class PermanentPipelineError(PipelineError):
    pass


class SourceError(PipelineError):
    default_kind = ErrorKind.source


class FetchRefused(SourceError):
    pass
