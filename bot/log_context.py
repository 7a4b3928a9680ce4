"""Fields that every log line of the current request or job carries (request_id, draft_id, …).

A context variable, so concurrent requests and jobs never mix their fields; asyncio tasks started
inside a request inherit them.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

_fields: ContextVar[dict[str, object]] = ContextVar("signoff_log_fields", default={})


def bind(**fields: object) -> None:
    """Add fields for the rest of this request or job (and the tasks it starts)."""
    _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})


def current() -> dict[str, object]:
    return dict(_fields.get())


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
