"""Split a long text into numbered thread parts on sentence, then word, then grapheme boundaries.

Platforms count length differently (destinations/lengths.py), so the caller passes `measure`;
every candidate part is measured whole because no platform's count is additive (a URL counts 23
however long it is, a combining mark joins the letter before it).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from destinations.base import Part
from destinations.lengths import Measure, graphemes

# A sentence ends at terminal punctuation (and closing quotes) before whitespace, at a CJK full
# stop (no space follows those), or at a newline.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s|$)|[。！？]+[」』”’)]*|(?=\n)|$)\s*", re.S)
_WORD = re.compile(r"\S+\s*")


def numbering(index: int, total: int) -> str:
    return f" ({index}/{total})"


def thread_parts(text: str, limit: int, measure: Measure = len) -> list[Part]:
    """`split_thread` as the numbered Parts a threaded destination's `format` returns."""
    return [Part(index=i, text=t) for i, t in enumerate(split_thread(text, limit, measure))]


def split_thread(text: str, limit: int, measure: Measure = len) -> list[str]:
    """One part if it fits, else parts that each fit `limit` including their " (i/n)" suffix."""
    text = text.strip()
    if measure(text) <= limit:
        return [text]
    total = 2
    while True:
        # The widest suffix for this total; fewer parts only make the suffix shorter.
        budget = limit - measure(numbering(total, total))
        if budget <= 0:
            raise ValueError(f"a limit of {limit} leaves no room for thread numbering")
        chunks = _pack(text, budget, measure)
        if len(chunks) <= total:
            break
        total = len(chunks)
    return [chunk + numbering(i, len(chunks)) for i, chunk in enumerate(chunks, 1)]


def _pack(text: str, budget: int, measure: Measure) -> list[str]:
    chunks: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            chunks.append(current.strip())
        current = ""

    def add(unit: str, finer: Callable[[str], list[str]] | None) -> None:
        nonlocal current
        if measure((current + unit).strip()) <= budget:
            current += unit
            return
        flush()
        if measure(unit.strip()) <= budget or finer is None:
            current = unit
            return
        for piece in finer(unit):
            add(piece, _finer_than(finer))

    for sentence in _SENTENCE.findall(text):
        add(sentence, _words)
    flush()
    return chunks


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _code_points(text: str) -> list[str]:
    return list(text)


def _finer_than(finer: Callable[[str], list[str]]) -> Callable[[str], list[str]] | None:
    # Last resort for a grapheme that alone is over the budget (Bluesky's byte cap: a letter
    # carrying hundreds of combining marks): split it, rather than send a part the platform refuses.
    finer_of: dict[Callable[[str], list[str]], Callable[[str], list[str]]] = {
        _words: graphemes,
        graphemes: _code_points,
    }
    return finer_of.get(finer)
