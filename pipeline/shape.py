"""How one text fits every destination: splitting into thread parts, and the writer's budget.

Thread convention (destinations should split the same way): parts break at blank lines first,
then between sentences, then between words, packing greedily up to the destination's limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.base import DestinationPlan, LengthUnit, Measure
from pipeline.length import Count, counter, fits, trim_to
from pipeline.textutil import sentences

THREAD_MAX_PARTS = 4
# Destinations number thread parts (" (2/3)"); leave room so their split never needs an extra part.
NUMBERING_RESERVE = 8


def _pieces(paragraph: str, limit: int, count: Count) -> list[str]:
    if fits(paragraph, limit, count):
        return [paragraph]
    pieces: list[str] = []
    for sentence in sentences(paragraph):
        if fits(sentence, limit, count):
            pieces.append(sentence)
            continue
        pieces.extend(w if fits(w, limit, count) else trim_to(w, limit, count) for w in sentence.split())
    return pieces


def split_parts(text: str, limit: int | None, count: Count = len) -> list[str]:
    if limit is None or fits(text, limit, count):
        return [text.strip()] if text.strip() else []
    limit = max(1, limit - NUMBERING_RESERVE)
    parts: list[str] = []
    for _p_index, paragraph in enumerate(x.strip() for x in text.split("\n\n")):
        if not paragraph:
            continue
        for s_index, piece in enumerate(_pieces(paragraph, limit, count)):
            glue = "\n\n" if s_index == 0 else " "
            if parts and fits(parts[-1] + glue + piece, limit, count):
                parts[-1] = parts[-1] + glue + piece
            else:
                parts.append(piece)
    return parts


@dataclass(frozen=True)
class Budget:
    """Every length constraint the single draft text must satisfy across its destinations, each
    counted by `measure` (the destinations' own counting, from RunContext)."""

    whole: list[tuple[int, LengthUnit]] = field(default_factory=list)
    threads: list[tuple[int, LengthUnit, int]] = field(default_factory=list)
    measure: Measure | None = None

    @classmethod
    def of(
        cls, plans: dict[str, DestinationPlan], style_max: int | None = None, measure: Measure | None = None
    ) -> Budget:
        whole = [(style_max, LengthUnit.characters)] if style_max else []
        threads = []
        for plan in plans.values():
            if plan.max_length is None:
                continue
            if plan.form == "thread":
                threads.append((plan.max_length, plan.length_unit, plan.parts))
            else:
                whole.append((plan.max_length, plan.length_unit))
        return cls(whole, threads, measure)

    def count(self, unit: LengthUnit) -> Count:
        return counter(self.measure, unit)

    def accepts(self, text: str) -> bool:
        return all(fits(text, limit, self.count(unit)) for limit, unit in self.whole) and all(
            len(split_parts(text, limit, self.count(unit))) <= parts for limit, unit, parts in self.threads
        )

    def fit(self, text: str) -> str:
        """Trim until accepted (or nothing is left); a thread over its part count loses a tenth."""
        while text and not self.accepts(text):
            shorter = self._trim_once(text)
            text = shorter if shorter != text else text[:-1]
        return text

    def _trim_once(self, text: str) -> str:
        for limit, unit in sorted(self.whole, key=lambda c: c[0]):
            if not fits(text, limit, self.count(unit)):
                return trim_to(text, limit, self.count(unit))
        for limit, unit, parts in self.threads:
            count = self.count(unit)
            if len(split_parts(text, limit, count)) > parts:
                return trim_to(text, max(1, int(count(text) * 0.9)), count)
        return text
