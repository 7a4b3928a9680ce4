"""Small text helpers shared by curate, the writers and critique: words, sentences, keywords."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[\"'“(\[]?[A-Z0-9\u3040-\u9fff])")
STOPWORDS = frozenset(
    """
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just let lets me more most my
new no nor not now of off on once only or other our ours out over own same she should so some such
than that the their them then there these they this those through to too under until up very was
we were what when where which while who whom why will with would you your yours week today via
one two get got make made use using used like need know things thing way ways really
""".split()
)


# Words that make poor keywords and hashtags even when frequent.
FILLER = frozenset(
    "day days time year years people lot lots part parts best good great better half "
    "next last first much many thoughts talk post posts news update updates cut".split()
)


def tokens(text: str) -> list[str]:
    """Lowercased content words with a light plural strip, so "feeds" matches "feed"."""
    return list(_tokens(text))


# Every run ranks and compares the same notes and commits again: their words are kept for the
# most recent texts (bounded, a few MB at most).
@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in _TOKEN.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 2 and word.isascii()):
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return tuple(out)


def sentences(text: str) -> list[str]:
    parts: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=[-*•] )", text):
        block = " ".join(block.split())
        parts.extend(s.strip() for s in _SENTENCE_END.split(block) if s.strip())
    return parts


@lru_cache(maxsize=256)
def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = _tokens(text)
    if len(words) < size:
        return frozenset({words}) if words else frozenset()
    return frozenset(words[i : i + size] for i in range(len(words) - size + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word 3-grams: 1.0 for the same text, ~0 for unrelated texts."""
    left, right = shingles(a), shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def keywords(texts: list[str], limit: int = 5) -> list[str]:
    """Most frequent content words, earlier texts (the topic) weighted up; original casing kept."""
    counts: Counter[str] = Counter()
    casing: dict[str, str] = {}
    for weight, text in zip(range(len(texts) + 2, 1, -1), texts, strict=False):
        for word in _TOKEN.findall(text):
            key = word.lower()
            # Two-letter acronyms (CI, AI, UX) are keywords; other short words are noise.
            if key in STOPWORDS or key in FILLER or key.isdigit() or (len(key) < 3 and not word.isupper()):
                continue
            counts[key] += weight
            casing.setdefault(key, word)
    return [casing[k] for k, _ in counts.most_common(limit)]
