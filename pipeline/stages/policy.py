"""Policy: the checks a draft must pass before it can be approved.

`check_draft` is also what the worker should call on a human edit, so edited text is held to the
same rules (length as each destination counts it, links and mentions the sources support).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.base import (
    DestinationPlan,
    DraftBrief,
    LengthUnit,
    Measure,
    PipelineState,
    PolicyVerdict,
    RunContext,
    Source,
)
from pipeline.length import counter
from pipeline.provenance import Support
from pipeline.shape import THREAD_MAX_PARTS, split_parts
from pipeline.stages.plan import plan_all

_INVISIBLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u00ad",
    "\u180e",
}
_UNIT_NAMES = {
    LengthUnit.characters: "characters",
    LengthUnit.graphemes: "characters",
    LengthUnit.x_weighted: "(X-weighted length)",
    LengthUnit.mastodon: "characters (a link counts 23)",
}
# A zero-width joiner between two emoji is how 👨‍👩‍👧 is spelled, not a hidden character.
_EMOJI_ZWJ = re.compile(
    r"(?<=[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F])\u200d"
    r"(?=[\U0001F000-\U0001FAFF\u2600-\u27BF])"
)


def length_problems(text: str, plans: dict[str, DestinationPlan], measure: Measure | None = None) -> list[str]:
    """`measure` is the destinations' counting (RunContext.measure), so "too long" here means too
    long for the platform."""
    problems: list[str] = []
    for name, plan in sorted(plans.items()):
        if not plan.max_length:
            continue
        unit, count = _UNIT_NAMES[plan.length_unit], counter(measure, plan.length_unit)
        if plan.form == "thread":
            parts = split_parts(text, plan.max_length, count)
            if len(parts) > THREAD_MAX_PARTS:
                problems.append(f"Too long for {name}: {len(parts)} thread parts, at most {THREAD_MAX_PARTS}.")
            continue
        used = count(text)
        if used > plan.max_length:
            problems.append(f"Too long for {name}: {used}/{plan.max_length} {unit}.")
    return problems


def hidden_characters(text: str) -> list[str]:
    visible = _EMOJI_ZWJ.sub("", text)
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in visible
            if c in _INVISIBLE
            or (unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t" and not 0xE0020 <= ord(c) <= 0xE007F)
        }
    )


# A permalink to a Slack message: the post would send readers to a page they cannot open.
SLACK_MESSAGE_LINK = re.compile(r"https?://[\w.-]+\.slack\.com/archives/\S+", re.IGNORECASE)


def check_text(
    text: str,
    *,
    limits: dict[str, int | None],
    blocked_terms: list[str],
    plans: dict[str, DestinationPlan] | None = None,
    support: Support | None = None,
    measure: Measure | None = None,
) -> PolicyVerdict:
    problems: list[str] = []
    if not text.strip():
        problems.append("The draft is empty.")
    if plans is None:
        plans = {name: DestinationPlan(destination=name, max_length=limit) for name, limit in limits.items()}
    problems.extend(length_problems(text, plans, measure))
    lowered = text.casefold()
    for term in blocked_terms:
        if term and re.search(rf"(?<!\w){re.escape(term.casefold())}(?!\w)", lowered):
            problems.append(f"Contains the blocked term “{term}”.")
    if support is not None:
        for link in support.unsupported_links(text):
            problems.append(f"Links to {link}, which none of the sources contain.")
        for mention in support.unsupported_mentions(text):
            problems.append(f"Mentions @{mention}, who does not appear in the sources.")
    for link in SLACK_MESSAGE_LINK.findall(text):
        problems.append(f"Links to a Slack message ({link}), which people outside the workspace cannot open.")
    hidden = hidden_characters(text)
    if hidden:
        problems.append("Contains invisible or direction-changing characters: " + ", ".join(hidden) + ".")
    return PolicyVerdict(ok=not problems, problems=problems)


def check_draft(
    brief: DraftBrief,
    text: str,
    sources: list[Source],
    plans: dict[str, DestinationPlan] | None = None,
    measure: Measure | None = None,
) -> PolicyVerdict:
    """The full policy for `text` written for `brief` from `sources` (also for human edits)."""
    if plans is None:
        plans = plan_all(brief, sources)
    return check_text(
        text,
        limits=brief.limits,
        blocked_terms=brief.blocked_terms,
        plans=plans,
        support=Support.of(sources, brief.topic),
        measure=measure,
    )


async def policy(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("checking…")
    state.policy = check_draft(state.brief, state.text, state.material, state.plans or None, ctx.measure)
    return state
