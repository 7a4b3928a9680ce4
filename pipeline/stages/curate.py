"""Curate: rank material against the topic, drop near-duplicates and already-published items."""
from __future__ import annotations

from pipeline.base import PipelineState, RunContext, Source, Stage
from pipeline.bm25 import bm25_scores
from pipeline.provenance import links_in, normalize_link
from pipeline.textutil import similarity

DUPLICATE_SIMILARITY = 0.6
# Local material (your notes, your repo) is on-topic by definition when nothing ranks higher.
_LOCAL_KINDS = ("notes", "git")


def _document(source: Source) -> str:
    return f"{source.title}. {source.title}. {source.excerpt}"


def already_published(source: Source, recent: list[str]) -> bool:
    recent_links = {normalize_link(link) for text in recent for link in links_in(text)}
    recent_links |= {normalize_link(text) for text in recent if text.startswith(("http://", "https://"))}
    if source.url and normalize_link(source.url) in recent_links:
        return True
    body = f"{source.title} {source.excerpt}"
    return any(similarity(body, text) >= 0.5 or (len(source.title) > 20 and source.title in text)
               for text in recent)


def curate_sources(material: list[Source], topic: str, recent: list[str], keep: int) -> tuple[list[Source], list[str]]:
    notes: list[str] = []
    scores = bm25_scores(topic, [_document(s) for s in material])
    ranked: list[Source] = []
    for source, score in zip(material, scores):
        # A page the user linked in the topic is wanted even if its words differ from the topic.
        bonus = 100.0 if source.kind == "web" else 0.0
        ranked.append(source.model_copy(update={"score": round(score + bonus, 3)}))
    ranked.sort(key=lambda s: s.score, reverse=True)
    if ranked and ranked[0].score <= 0:
        local = [s for s in ranked if s.kind.startswith(_LOCAL_KINDS)]
        if local:
            notes.append("nothing matched the topic closely; using the most recent notes and commits")
        ranked = local
    chosen: list[Source] = []
    # Items already published count as seen, so a mirror of a used story is dropped as well.
    seen: list[Source] = []
    for source in ranked:
        if source.score <= 0 and not source.kind.startswith(_LOCAL_KINDS):
            continue
        if any((source.url and source.url == c.url)
               or similarity(_document(source), _document(c)) >= DUPLICATE_SIMILARITY for c in seen):
            continue
        seen.append(source)
        if already_published(source, recent):
            notes.append(f"skipped “{source.title}”: already used in a recent post")
            continue
        chosen.append(source)
        if len(chosen) == keep:
            break
    return chosen, notes


def make_curate(keep: int = 5) -> Stage:
    async def curate(ctx: RunContext, state: PipelineState) -> PipelineState:
        if not state.material:
            return state
        await ctx.report(f"picking the best of {len(state.material)} items…")
        chosen, notes = curate_sources(state.material, state.brief.topic, state.brief.recent_published, keep)
        state.material = chosen
        state.warnings.extend(notes)
        return state

    return curate


curate = make_curate()
