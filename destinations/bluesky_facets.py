"""Rich-text facets for Bluesky posts: links and hashtags, indexed by UTF-8 byte offsets.

Bluesky shows plain text unless a facet marks a range; ranges are byte offsets into the UTF-8
encoding (start inclusive, end exclusive), so an emoji before a link shifts it by 4, not 1.
"""
from __future__ import annotations

import re

_LINK = re.compile(r"https?://[^\s<>\"]+")
_TAG = re.compile(r"(?:^|(?<=\s))#([^\d\s\W][\w]{0,63})")
# Punctuation that ends a sentence rather than belonging to the URL.
_TRAILING = ".,;:!?'\")]}"


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def facets(text: str) -> list[dict]:
    found = []
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
