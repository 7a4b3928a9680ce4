"""Making user and model text safe to show in Slack."""

from __future__ import annotations

import re

_USER_ID = re.compile(r"^[UW][A-Z0-9_]{1,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_mrkdwn(text: str) -> str:
    """Slack parses only &, < and > as control characters; escaping them defuses mentions and links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """A user mention we build ourselves, only from something that looks like a user id."""
    return f"<@{user_id}>" if _USER_ID.match(user_id or "") else escape_mrkdwn(user_id or "someone")


def clip(text: str, limit: int, marker: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(marker)] + marker


def chunks(text: str, size: int) -> list[str]:
    """Split on line breaks where possible so long drafts stay readable across sections."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not parts:
        parts.append(text)
    return parts


def without_control(text: str) -> str:
    """Control characters other than line breaks and tabs as spaces: PostgreSQL refuses NUL in
    text and JSON, and terminal codes mean nothing in Slack."""
    return _CONTROL.sub(" ", text)
