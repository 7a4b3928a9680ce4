"""The model's review of a draft: a score with reasons, and its own check of each claim against
the numbered sources, citing them. Both verdicts are kept on each claim; neither replaces the other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pipeline.base import Claim
from pipeline.grounding import flatten


@dataclass(frozen=True)
class ModelReview:
    score: float
    reasons: list[str]
    # (claim as the model wrote it, supported?, cited source numbers); None: it checked no claims.
    claims: list[tuple[str, bool, list[int]]] | None = field(default=None)


def parse_review(text: str) -> ModelReview | None:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
        score = max(0.0, min(10.0, float(data["score"])))
        reasons = [str(r) for r in data.get("reasons", [])][:6]
        raw = data.get("claims")
        claims = (
            None
            if raw is None
            else [
                (str(item["claim"]), bool(item.get("supported")), [int(n) for n in item.get("sources") or []])
                for item in raw
                if isinstance(item, dict) and str(item.get("claim") or "").strip()
            ]
        )
    except (ValueError, KeyError, TypeError):
        return None
    return ModelReview(score, reasons, claims)


def merge(claims: list[Claim], checked: list[tuple[str, bool, list[int]]], source_count: int) -> list[Claim]:
    """The model's verdicts on our claims (matched by their words), plus what only it named."""
    merged = [c.model_copy() for c in claims]
    extra: list[Claim] = []
    for said, supported, cited in checked:
        cited = sorted({n for n in cited if 1 <= n <= source_count})
        key = flatten(said)
        ours = [c for c in merged if flatten(c.text) == key] or [
            c
            for c in merged
            if len(flatten(c.text)) > 1 and re.search(rf"(?<!\w){re.escape(flatten(c.text))}(?!\w)", key)
        ]
        if not ours:
            extra.append(Claim(text=said.strip()[:200], kind="statement", model_found=supported, model_sources=cited))
        for claim in ours:
            # Two statements naming one claim: a single "not supported" is enough to flag it.
            claim.model_found = supported if claim.model_found is None else claim.model_found and supported
            claim.model_sources = sorted(set(claim.model_sources) | set(cited))
    return merged + extra
