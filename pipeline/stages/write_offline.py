"""The offline writer: a draft from the topic and the curated material, with no model at all."""
from __future__ import annotations

import re

from pipeline.base import PipelineState, RunContext

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#-]{3,}")
_STOP = {"about", "with", "from", "this", "that", "what", "your", "week", "into", "their", "there"}


def hashtags_for(topic: str, limit: int = 2) -> list[str]:
    tags: list[str] = []
    for word in _WORD.findall(topic):
        if word.lower() in _STOP:
            continue
        tag = "#" + re.sub(r"[^A-Za-z0-9]", "", word.title())
        if tag not in tags:
            tags.append(tag)
        if len(tags) == limit:
            break
    return tags


def compose(state: PipelineState) -> str:
    brief = state.brief
    topic = " ".join(brief.topic.split())
    lines = [f"{topic[:1].upper()}{topic[1:]}: here is what you need to know."]
    for source in state.material[:2]:
        if source.excerpt:
            lines.append(source.excerpt.strip())
    if brief.feedback:
        lines.append(f"(Revised: {brief.feedback.strip()})")
    if brief.style.hashtags:
        tags = hashtags_for(topic)
        if tags:
            lines.append(" ".join(tags))
    return "\n\n".join(lines)


def shortest_limit(state: PipelineState) -> int | None:
    limits = [v for v in state.brief.limits.values() if v]
    if state.brief.style.max_length:
        limits.append(state.brief.style.max_length)
    return min(limits) if limits else None


async def write_offline(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("writing…")
    text = compose(state)
    limit = shortest_limit(state)
    if limit and len(text) > limit:
        text = text[: max(1, limit - 1)].rstrip() + "…"
    state.text = text
    state.stage_notes["write_offline"] = {"model": "offline"}
    return state
