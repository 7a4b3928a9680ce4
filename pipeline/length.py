"""Fitting a text to a length, counted by whoever counts for the destination.

The pipeline counts nothing itself: each platform's rules live with the destinations, and the
worker hands them to a run as `RunContext.measure` (the pipeline cannot import destinations/).
Without one, only plain code points can be counted; any other unit is refused loudly rather than
guessed, since a wrong guess is how a post the platform accepts gets trimmed.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

import regex

from pipeline.base import LengthUnit, Measure

Count = Callable[[str], int]

_GRAPHEME = regex.compile(r"\X")


class NoMeasure(LookupError):
    """A length in a platform's unit was needed, but no one said how that platform counts."""


def code_points_only(text: str, unit: LengthUnit | str) -> int:
    if LengthUnit(getattr(unit, "value", unit)) is not LengthUnit.characters:
        raise NoMeasure(
            f"counting {LengthUnit(unit).value} needs the destinations' measure "
            "(RunContext.measure), which the worker passes"
        )
    return len(text)


def counter(measure: Measure | None, unit: LengthUnit) -> Count:
    """`measure` bound to one unit."""
    chosen = measure or code_points_only
    return lambda text: chosen(text, unit)


def fits(text: str, limit: int | None, count: Count) -> bool:
    return limit is None or count(text) <= limit


def trim_to(text: str, limit: int | None, count: Count) -> str:
    """The longest prefix (cut between graphemes, at a word boundary when possible, ending in "…")
    that fits; "" when not even "…" does. The result always fits."""
    if fits(text, limit, count):
        return text
    assert limit is not None
    # Strict prefixes ending between graphemes, shortest first.
    ends = [0] + [m.end() for m in _GRAPHEME.finditer(text)][:-1]
    lo, hi = 0, len(ends) - 1
    # Counts grow with the prefix except where cutting a link makes it count in full; every
    # candidate is checked below, so the search only has to land close.
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[: ends[mid]].rstrip() + "…") <= limit:
            lo = mid
        else:
            hi = mid - 1
    longest = text[: ends[lo]]
    space = longest.rfind(" ")
    word_cut = [longest[:space]] if space > len(longest) * 0.6 else []
    for cut in chain(word_cut, (text[:end] for end in reversed(ends[: lo + 1]))):
        cut = cut.rstrip(" ,;:-–—\n")
        trimmed = cut + "…" if cut else ""
        if count(trimmed) <= limit:
            return trimmed
    return ""
