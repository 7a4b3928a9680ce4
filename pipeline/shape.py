"""How one text fits every destination: splitting into thread parts, and the writer's budget.

Thread convention (destinations should split the same way): parts break at blank lines first,
then between sentences, then between words, packing greedily up to the destination's limit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.base import DestinationPlan, LengthUnit
from pipeline.length import fits, measure, trim_to
from pipeline.textutil import sentences

THREAD_MAX_PARTS = 4
# Destinations number thread parts (" (2/3)"); leave room so their split never needs an extra part.
NUMBERING_RESERVE = 8


def _pieces(paragraph: str, limit: int, unit: LengthUnit) -> list[str]:
    if fits(paragraph, limit, unit):
        return [paragraph]
    pieces: list[str] = []
    for sentence in sentences(paragraph):
        if fits(sentence, limit, unit):
            pieces.append(sentence)
            continue
        pieces.extend(w if fits(w, limit, unit) else trim_to(w, limit, unit) for w in sentence.split())
    return pieces


def split_parts(text: str, limit: int | None, unit: LengthUnit = LengthUnit.characters) -> list[str]:
    if limit is None or fits(text, limit, unit):
        return [text.strip()] if text.strip() else []
    limit = max(1, limit - NUMBERING_RESERVE)
    parts: list[str] = []
    for p_index, paragraph in enumerate(x.strip() for x in text.split("\n\n")):
        if not paragraph:
            continue
        for s_index, piece in enumerate(_pieces(paragraph, limit, unit)):
            glue = "\n\n" if s_index == 0 else " "
            if parts and fits(parts[-1] + glue + piece, limit, unit):
                parts[-1] = parts[-1] + glue + piece
            else:
                parts.append(piece)
    return parts


@dataclass(frozen=True)
class Budget:
    """Every length constraint the single draft text must satisfy across its destinations."""

    whole: list[tuple[int, LengthUnit]] = field(default_factory=list)
    threads: list[tuple[int, LengthUnit, int]] = field(default_factory=list)

    @classmethod
    def of(cls, plans: dict[str, DestinationPlan], style_max: int | None = None) -> "Budget":
        whole = [(style_max, LengthUnit.characters)] if style_max else []
        threads = []
        for plan in plans.values():
            if plan.max_length is None:
                continue
            if plan.form == "thread":
                threads.append((plan.max_length, plan.length_unit, plan.parts))
            else:
                whole.append((plan.max_length, plan.length_unit))
        return cls(whole, threads)

    def accepts(self, text: str) -> bool:
        return all(fits(text, limit, unit) for limit, unit in self.whole) and all(
            len(split_parts(text, limit, unit)) <= parts for limit, unit, parts in self.threads)

    def tightest(self) -> tuple[int, LengthUnit] | None:
        """The smallest single-post limit, or the smallest thread size when all are threads."""
        if self.whole:
            return min(self.whole, key=lambda c: c[0])
        if self.threads:
            limit, unit, parts = min(self.threads, key=lambda c: c[0] * c[2])
            return limit * parts, unit
        return None

    def fit(self, text: str) -> str:
        """Trim until accepted; thread budgets are met by trimming to their total size."""
        for limit, unit in sorted(self.whole, key=lambda c: c[0]):
            text = trim_to(text, limit, unit)
        while not self.accepts(text) and text:
            shorter = trim_to(text, max(1, int(measure(text) * 0.9)))
            if shorter == text:
                break
            text = shorter
        return text
