"""Policy: the checks a draft must pass before it can be approved."""
from __future__ import annotations

import re
import unicodedata

from pipeline.base import PipelineState, PolicyVerdict, RunContext

_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202b", "\u202c",
              "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def check_text(text: str, *, limits: dict[str, int | None], blocked_terms: list[str]) -> PolicyVerdict:
    problems: list[str] = []
    if not text.strip():
        problems.append("The draft is empty.")
    for destination, limit in sorted(limits.items()):
        if limit and len(text) > limit:
            problems.append(f"Too long for {destination}: {len(text)}/{limit} characters.")
    lowered = text.casefold()
    for term in blocked_terms:
        if term and re.search(rf"(?<!\w){re.escape(term.casefold())}(?!\w)", lowered):
            problems.append(f"Contains the blocked term “{term}”.")
    hidden = sorted({f"U+{ord(c):04X}" for c in text if c in _INVISIBLE or unicodedata.category(c) == "Cc"
                     and c not in "\n\t"})
    if hidden:
        problems.append("Contains invisible or direction-changing characters: " + ", ".join(hidden) + ".")
    return PolicyVerdict(ok=not problems, problems=problems)


async def policy(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("checking…")
    state.policy = check_text(state.text, limits=state.brief.limits, blocked_terms=state.brief.blocked_terms)
    return state
