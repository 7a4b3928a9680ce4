"""Rich-text facets for Bluesky posts: links, hashtags and @mentions, indexed by UTF-8 byte offsets.

Bluesky shows plain text unless a facet marks a range; ranges are byte offsets into the UTF-8
encoding (start inclusive, end exclusive), so an emoji before a link shifts it by 4, not 1.
"""
from __future__ import annotations

import re

_LINK = re.compile(r"https?://[^\s<>\"]+")
_TAG = re.compile(r"(?:^|(?<=\s))#([^\d\s\W][\w]{0,63})")
# A handle is a domain name (Bluesky's own check); the @ must start the text or follow a space or
# "(", so e-mail addresses are not mentions. A sentence's final "." is not part of the handle.
_MENTION = re.compile(r"(?:^|(?<=[\s(]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                      r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?![\w-]|\.\w)")
# Punctuation that ends a sentence rather than belonging to the URL.
_TRAILING = ".,;:!?'\")]}"


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def mentioned_handles(text: str) -> list[str]:
    """Handles mentioned in `text`, in order, each once (lower-cased, as Bluesky resolves them)."""
    return list(dict.fromkeys(match.group(1).lower() for match in _MENTION.finditer(text)))


def facets(text: str, dids: dict[str, str] | None = None) -> list[dict]:
    """Facets for `text`; a mention becomes one only when `dids` knows its handle (a mention of a
    handle that does not resolve stays plain text, as in Bluesky's own app)."""
    found = []
    for match in _MENTION.finditer(text):
        did = (dids or {}).get(match.group(1).lower())
        if did:
            found.append({"index": _byte_range(text, match.start(), match.end()),
                          "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]})
    for match in _LINK.finditer(text):
        url = match.group().rstrip(_TRAILING)
        if url.count("(") > url.count(")") and match.group()[len(url):].startswith(")"):
            url += ")"  # keep the closing parenthesis of a Wikipedia-style URL
        found.append({"index": _byte_range(text, match.start(), match.start() + len(url)),
                      "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}]})
    for match in _TAG.finditer(text):
        found.append({"index": _byte_range(text, match.start(), match.end()),
                      "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}]})
    return found
