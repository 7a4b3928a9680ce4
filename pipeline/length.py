"""Length as each destination counts it, and trimming a text to fit."""
from __future__ import annotations

import unicodedata

from twitter_text import extract_urls_with_indices, parse_tweet

from pipeline.base import LengthUnit

_ZWJ = "\u200d"


def count_graphemes(text: str) -> int:
    """An approximation of extended grapheme clusters without the third-party `regex` module."""
    count = 0
    joined = False
    previous_ri = False
    for char in text:
        code = ord(char)
        if char == _ZWJ:
            joined = True
            continue
        if joined:
            joined = False
            continue
        if unicodedata.category(char) in ("Mn", "Me") or 0xFE00 <= code <= 0xFE0F \
                or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            continue
        is_ri = 0x1F1E6 <= code <= 0x1F1FF
        if is_ri and previous_ri:
            previous_ri = False
            continue
        previous_ri = is_ri
        count += 1
    return count


def measure(text: str, unit: LengthUnit | str = LengthUnit.characters) -> int:
    unit = LengthUnit(unit)
    if unit is LengthUnit.x_weighted:
        return parse_tweet(text).weightedLength
    if unit is LengthUnit.graphemes:
        return count_graphemes(text)
    if unit is LengthUnit.mastodon:
        return mastodon_length(text)
    return len(text)


MASTODON_LINK_LENGTH = 23


def mastodon_length(text: str) -> int:
    """Mastodon counts every http(s) link as 23 characters however long (twitter-text's URL rules).
    The same rule as destinations/splitting.py: the writer and the publisher must agree, and the
    two packages do not import each other."""
    links = extract_urls_with_indices(text, extract_urls_without_protocol=False)
    return len(text) - sum(end - start for start, end in (link["indices"] for link in links)) \
        + MASTODON_LINK_LENGTH * len(links)


def fits(text: str, limit: int | None, unit: LengthUnit | str = LengthUnit.characters) -> bool:
    return limit is None or measure(text, unit) <= limit


def trim_to(text: str, limit: int | None, unit: LengthUnit | str = LengthUnit.characters) -> str:
    """The longest prefix (cut at a word boundary when possible, ending in "…") that fits."""
    if fits(text, limit, unit):
        return text
    assert limit is not None
    lo, hi = 0, len(text)
    # Every counting scheme grows monotonically with the prefix, so binary search is exact.
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid].rstrip() + "…", unit) <= limit:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    space = cut.rfind(" ")
    if space > lo * 0.6:
        cut = cut[:space]
    cut = cut.rstrip(" ,;:-–—\n")
    return cut + "…" if cut else ""
