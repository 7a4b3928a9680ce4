"""Short, safe text from whatever a model endpoint sent: for messages people read, never raw bodies."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

EXCERPT_CHARS = 120
REDACTED = "[redacted]"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def excerpt(text: str, secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """One line of at most `limit` characters, with every secret removed before anything is cut
    (so no prefix of a key survives), and control, bidi and zero-width characters turned to spaces."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def page_title(raw: bytes, content_type: str) -> str | None:
    """The title of an HTML page ("" when it has none), or None when the body is not HTML."""
    head = raw[:4096].lstrip().lower()
    if "html" not in content_type.lower() and not head.startswith((b"<!doctype html", b"<html", b"<head")):
        return None
    match = _TITLE.search(raw[:65536])
    if not match:
        return ""
    return html.unescape(match.group(1).decode("utf-8", errors="replace"))


def is_cut_off(raw: bytes) -> bool:
    """True for a JSON object or array that stops before it is closed: the start of an answer
    whose end never came (a proxy or the server gave up), which is worth asking for again."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text.startswith(("{", "[")):
        return False
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth < 0:
                return False
    return in_string or depth > 0
