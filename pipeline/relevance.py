"""How much a text is about a topic: the share of the topic's content words it contains.

BM25 ranks documents against each other, but its scores have no fixed scale (they depend on the
collection), so they cannot say "this is off-topic". Coverage can: 0.0 shares no word of the topic,
1.0 contains them all. Words are compared by a light stem ("runners" ~ "runner", "moved" ~ "move").
The threshold curate applies was measured on the quality set (bench/quality.py, docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.textutil import FILLER, STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words a topic uses to frame itself ("why we moved…", "tips for…") rather than to name its subject.
FRAMING = frozenset(
    """
why how what whats when where who which whether announce announcing share sharing celebrate
celebrating introduce introducing explain explained recap summary summarize summarise highlight
thoughts lessons learned learn tip tips guide story notes note write post tweet draft about our us
""".split()
)


def stem(word: str) -> str:
    word = word.lower().removesuffix("'s").removesuffix("’s")
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("ies", "ied"):
        if word.endswith(suffix) and len(word) > 4:
            return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "running" → "run"
            return word.rstrip("e") if len(word) > 3 else word
    if word.endswith("es") and word[:-2].endswith(("s", "x", "ch", "sh", "z")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word.rstrip("e") if len(word) > 3 else word


@lru_cache(maxsize=1024)
def terms(text: str) -> frozenset[str]:
    """Content words of `text`, stemmed; hyphenated words count as their parts."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or word in FILLER or (len(word) < 2 and word.isascii()) or word.isdigit():
            continue
        found.add(stem(word))
    return frozenset(found)


def topic_terms(topic: str) -> frozenset[str]:
    """What the topic is about: its content words, less the words that only frame it."""
    framing = {stem(w) for w in FRAMING}
    return frozenset(t for t in terms(topic) if t not in framing) or terms(topic)


def relevance(topic: str, text: str) -> float:
    """Share of the topic's words found in `text` (0.0–1.0); 0.0 for a topic with no content words."""
    wanted = topic_terms(topic)
    if not wanted:
        return 0.0
    return len(wanted & terms(text)) / len(wanted)
