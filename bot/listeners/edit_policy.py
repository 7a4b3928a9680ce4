"""Hold a human edit to the same length, content and grounding rules as a written draft."""
from __future__ import annotations

from destinations.lengths import measure
from pipeline.base import DestinationPlan, DraftBrief, PipelineState, PolicyVerdict, Source
from pipeline.stages.critique import critique_text
from pipeline.stages.policy import check_text


def _plans(details: dict) -> dict[str, DestinationPlan]:
    return {name: DestinationPlan(**plan) for name, plan in (details.get("plans") or {}).items()}


def check_edit(text: str, details: dict, blocked_terms: list[str]) -> PolicyVerdict:
    """Plans (limits, counting, thread or not) come from the revision being edited. Links a human
    adds are theirs to vouch for, so the sources check that guards model output is not applied."""
    return check_text(text, limits={}, blocked_terms=blocked_terms, plans=_plans(details), measure=measure)


def review_edit(text: str, details: dict, topic: str, blocked_terms: list[str]) -> dict:
    """The edited text's own critique against the revision's sources: its claims are checked again,
    so an edit that removes an unsupported claim unblocks approval and one that adds a claim shows it."""
    sources = [Source(**s) for s in details.get("sources") or [] if isinstance(s, dict)]
    state = PipelineState(brief=DraftBrief(topic=topic, blocked_terms=blocked_terms), material=sources,
                          plans=_plans(details), text=text)
    return critique_text(state, measure).model_dump(mode="json")
