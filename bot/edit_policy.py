"""Hold a human edit to the same length and content rules as a written draft."""
from __future__ import annotations

from destinations.lengths import measure
from pipeline.base import DestinationPlan, PolicyVerdict
from pipeline.stages.policy import check_text


def check_edit(text: str, details: dict, blocked_terms: list[str]) -> PolicyVerdict:
    """Plans (limits, counting, thread or not) come from the revision being edited. Links a human
    adds are theirs to vouch for, so the sources check that guards model output is not applied."""
    plans = {name: DestinationPlan(**plan) for name, plan in (details.get("plans") or {}).items()}
    return check_text(text, limits={}, blocked_terms=blocked_terms, plans=plans, measure=measure)
