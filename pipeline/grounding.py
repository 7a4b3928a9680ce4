"""Is each claim in a draft found in a source? The deterministic check, offline and always.

The evidence is the draft's sources (numbered as the message numbers them) and the topic. A claim
is found when the same value, date, name, quote or link appears in one of them: "900 ms" is found in
"0.9 seconds", "3×" in "three times", a link with tracking parameters in the same link without.
Regenerate feedback is looked at too, but is not evidence: a figure given in a thread reply is
marked as coming from the feedback and still needs an approver to accept it, so feedback cannot be
used to slip a claim past the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pipeline.base import Claim, Source
from pipeline.claims import Found, find_claims
from pipeline.framing import clean
from pipeline.provenance import links_in, mentions_in, normalize_link

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " ", "‐": "-", "–": "-", "—": "-"})


def flatten(text: str) -> str:
    """Lowercase, one kind of quote and dash, single spaces: how quotes and names are compared."""
    return " ".join(text.translate(_QUOTES).lower().split())


@dataclass(frozen=True)
class Evidence:
    """One text a claim may come from: a source (numbered from 1), the topic or the feedback."""

    text: str
    number: int = 0
    kind: str = "source"  # source, topic, feedback

    @cached_property
    def flat(self) -> str:
        return flatten(self.text)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(re.findall(r"[\w+]+", self.flat))

    @cached_property
    def found(self) -> list[Found]:
        return find_claims(self.text)

    @cached_property
    def links(self) -> frozenset[str]:
        return frozenset(normalize_link(link) for link in links_in(self.text))

    @cached_property
    def mentions(self) -> frozenset[str]:
        return frozenset(m.lower() for m in mentions_in(self.text))

    @cached_property
    def years(self) -> frozenset[int]:
        return frozenset(int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", self.text))


def evidence_for(sources: list[Source], topic: str, feedback: str | None = None) -> list[Evidence]:
    found = [
        Evidence(f"{s.title}\n{s.url or ''}\n{s.excerpt}", number, "source") for number, s in enumerate(sources, 1)
    ]
    # The topic as typed and as the writer frames it (framing.clean drops stray punctuation, so
    # ".0" becomes "0"): a number the framing makes readable is still the topic's own.
    found.append(Evidence(f"{topic}\n{clean(topic)}", 0, "topic"))
    if feedback:
        found.append(Evidence(feedback, 0, "feedback"))
    return found


def _phrase_in(phrase: str, flat: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", flat) is not None


def supports(evidence: Evidence, claim: Found) -> bool:
    if claim.kind in ("number", "version"):
        assert claim.quantity is not None
        return any(f.quantity is not None and claim.quantity.matches(f.quantity) for f in evidence.found)
    if claim.kind == "date":
        return any(f.date is not None and _same_date(claim.date, f.date, evidence.years) for f in evidence.found)
    if claim.kind == "link":
        return normalize_link(claim.text) in evidence.links
    if claim.kind == "mention":
        return claim.text.lstrip("@").lower() in evidence.mentions
    flat = flatten(claim.text)
    if claim.kind == "quote":
        return flat.strip(" .,;:!?") in evidence.flat
    # A name: the phrase itself, or every one of its words in the same text ("Acme CLI" in
    # "the acme command line tool (CLI)").
    spaced = flat.replace("-", " ")
    if _phrase_in(flat, evidence.flat) or _phrase_in(spaced, evidence.flat.replace("-", " ")):
        return True
    words = re.findall(r"[\w+]+", spaced)
    return len(words) > 1 and all(w in evidence.words for w in words)


def _same_date(claim: tuple[Any, ...] | None, seen: tuple[Any, ...], years: frozenset[int]) -> bool:
    assert claim is not None
    year, month, day = claim
    if month != seen[1] or (day is not None and day != seen[2]):
        return False
    return year is None or year == seen[0] or (seen[0] is None and year in years)


def check_claims(text: str, evidence: list[Evidence]) -> list[Claim]:
    """Every claim in `text` once, in order, with the evidence that supports it."""
    claims: list[Claim] = []
    seen: set[tuple[str, str]] = set()
    for found in find_claims(text):
        key = (found.kind, flatten(found.text))
        if key in seen:
            continue
        seen.add(key)
        backing = [e for e in evidence if supports(e, found)]
        claims.append(
            Claim(
                text=found.text,
                kind=found.kind,
                found=any(e.kind != "feedback" for e in backing),
                sources=[e.number for e in backing if e.kind == "source"],
                in_topic=any(e.kind == "topic" for e in backing),
                in_feedback=any(e.kind == "feedback" for e in backing),
            )
        )
    return claims
