"""Ids that come from outside: typed after `/signoff status|history|cancel`, or read back from the
button values and modal metadata Signoff wrote (a client could send anything in their place).

Only what the database can hold is an id: ASCII digits, 1 to 2^31-1 (PostgreSQL INTEGER, the
narrowest of our backends). Python's `int()` also takes "١٢", "１２" or "1_000", and `isdigit()`
says yes to "²", which `int()` then refuses; neither is an id here.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_ID = 2**31 - 1
_TYPED = re.compile(r"#?([0-9]{1,10})")


class NotOurValue(ValueError):
    """A button value, private_metadata or modal state that is not in the shape Signoff writes."""


def parse_draft_id(text: str) -> int | None:
    """`12` or `#12` → 12; anything else, including ids no draft can have, → None."""
    match = _TYPED.fullmatch(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= MAX_ID else None


def row_id(value: Any, *, minimum: int = 1) -> int:
    """A JSON number we wrote as an id or a revision number; bools, floats and strings are refused."""
    if type(value) is not int or not minimum <= value <= MAX_ID:
        raise NotOurValue(f"not an id: {str(value)[:40]!r}")
    return value


def json_object(raw: Any) -> dict[str, Any]:
    """A JSON object we wrote into a button value (≤ 2000 chars) or private_metadata (≤ 3000)."""
    if not isinstance(raw, str) or len(raw) > 3000:
        raise NotOurValue("not a value Signoff wrote")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise NotOurValue("not JSON") from None
    if not isinstance(data, dict):
        raise NotOurValue("not a JSON object")
    return data


def text_field(data: dict[str, Any], key: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise NotOurValue(f"{key!r} is not text")
    return value
