"""Plan: per destination, a single post, a thread of N parts, or an article with title and tags."""

from __future__ import annotations

import re

from pipeline.base import DestinationCapabilities, DestinationPlan, DraftBrief, PipelineState, RunContext, Source
from pipeline.shape import THREAD_MAX_PARTS
from pipeline.textutil import keywords, sentences

ARTICLE_MIN_LENGTH = 1000
_URL = re.compile(r"https?://\S+")


def plan_destination(
    name: str, caps: DestinationCapabilities, style_max: int | None, material_sentences: int
) -> DestinationPlan:
    limit = caps.max_length
    if caps.markdown and (limit is None or limit >= ARTICLE_MIN_LENGTH):
        return DestinationPlan(destination=name, form="article", max_length=limit, length_unit=caps.length_unit)
    if caps.threads and limit and material_sentences >= 4 and not (style_max and style_max <= limit):
        # Roughly two sentences a part; the writer may use fewer parts, never more.
        parts = max(2, min(THREAD_MAX_PARTS, material_sentences // 2))
        return DestinationPlan(
            destination=name, form="thread", parts=parts, max_length=limit, length_unit=caps.length_unit
        )
    return DestinationPlan(destination=name, form="single", max_length=limit, length_unit=caps.length_unit)


def plan_all(brief: DraftBrief, material: list[Source]) -> dict[str, DestinationPlan]:
    count = sum(len(sentences(s.excerpt)) for s in material)
    return {
        name: plan_destination(name, caps, brief.style.max_length, count)
        for name, caps in brief.all_capabilities().items()
    }


def title_for(topic: str, material: list[Source]) -> str:
    title = " ".join(_URL.sub("", topic).split()).strip(" -:—")
    if not title and material:
        title = material[0].title
    title = title or "Notes"
    return title[:1].upper() + title[1:120]


def tags_for(topic: str, material: list[Source], limit: int = 4) -> list[str]:
    """Article tags the way Dev.to and most blogs accept them: lowercase letters and digits."""
    words = keywords([_URL.sub("", topic)] + [f"{s.title} {s.excerpt}" for s in material], limit * 2)
    tags = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in words]
    return list(dict.fromkeys(t for t in tags if t))[:limit]


async def plan(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("planning…")
    state.plans = plan_all(state.brief, state.material)
    if any(p.form == "article" for p in state.plans.values()):
        state.title = state.title or title_for(state.brief.topic, state.material)
        state.tags = state.tags or tags_for(state.brief.topic, state.material)
    return state
