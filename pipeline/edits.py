"""The pipeline's rules applied to text a person wrote: an edit is held to the same length, content
and grounding rules as a written draft, and a topic to the same hidden-character check. The bot's
composition root hands `HumanTextRules` to the listeners, which never import the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.base import DestinationPlan, DraftBrief, Measure, PipelineState, PolicyVerdict, Source
from pipeline.stages.critique import critique_text
from pipeline.stages.policy import check_text, hidden_characters


def _plans(details: dict[str, Any]) -> dict[str, DestinationPlan]:
    return {name: DestinationPlan(**plan) for name, plan in (details.get("plans") or {}).items()}


@dataclass(frozen=True)
class HumanTextRules:
    measure: Measure  # the destinations' own counting, passed in (the pipeline counts nothing itself)

    def check_edit(self, text: str, details: dict[str, Any], blocked_terms: list[str]) -> PolicyVerdict:
        """Plans (limits, counting, thread or not) come from the revision being edited. Links a human
        adds are theirs to vouch for, so the sources check that guards model output is not applied."""
        return check_text(text, limits={}, blocked_terms=blocked_terms, plans=_plans(details), measure=self.measure)

    def review_edit(self, text: str, details: dict[str, Any], topic: str, blocked_terms: list[str]) -> dict[str, Any]:
        """The edited text's own critique against the revision's sources: its claims are checked again,
        so an edit that removes an unsupported claim unblocks approval and one that adds a claim shows it."""
        sources = [Source(**s) for s in details.get("sources") or [] if isinstance(s, dict)]
        state = PipelineState(
            brief=DraftBrief(topic=topic, blocked_terms=blocked_terms),
            material=sources,
            plans=_plans(details),
            text=text,
        )
        return critique_text(state, self.measure).model_dump(mode="json")

    def hidden_characters(self, text: str) -> list[str]:
        """Code points of invisible or control characters in `text` (as U+XXXX), emoji joiners allowed."""
        return hidden_characters(text)
