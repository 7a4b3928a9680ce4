"""What a session's execute() returns for an UPDATE or DELETE, said in types."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. Its result is a CursorResult; the session types it as Result."""
    return cast(CursorResult[Any], result).rowcount
