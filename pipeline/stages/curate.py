"""Curate: keep only material about the topic, best first; drop near-duplicates and items a
recent post already used. When nothing is about the topic, nothing is kept: the draft is then
written from the topic alone and says so, rather than borrowing unrelated notes' facts."""

from __future__ import annotations

import re

from pipeline.base import PipelineState, RunContext, Source, Stage
from pipeline.bm25 import bm25_scores
from pipeline.provenance import links_in, normalize_link
from pipeline.relevance import relevance
from pipeline.textutil import similarity

DUPLICATE_SIMILARITY = 0.6
# The share of the topic's words an item must contain to be kept. Measured on the quality set
# (bench/quality.py; how it was chosen is in docs/benchmarks.md, "Quality").
RELEVANCE_THRESHOLD = 0.375
# A topic about recent changes ("what shipped this week") is about the latest commits, whatever
# their words.
RECENT_CHANGES = re.compile(
    r"\b(?:this|last|past) (?:week|month|sprint|release)\b|\bwhat(?:'s| is)? new\b|"
    r"\bshipped\b|\bchangelog\b|\brelease notes\b|\brecent changes\b",
    re.IGNORECASE,
)
NOTHING_MATCHED = "no notes or sources matched this topic; the draft rests on the topic alone"


def source_text(source: Source) -> str:
    return f"{source.title}. {source.title}. {source.excerpt}"


def already_published(source: Source, recent: list[str]) -> bool:
    recent_links = {normalize_link(link) for text in recent for link in links_in(text)}
    recent_links |= {normalize_link(text) for text in recent if text.startswith(("http://", "https://"))}
    if source.url and normalize_link(source.url) in recent_links:
        return True
    body = f"{source.title} {source.excerpt}"
    return any(similarity(body, text) >= 0.5 or (len(source.title) > 20 and source.title in text) for text in recent)


GIVEN_KINDS = frozenset({"web", "slack"})


def wanted(source: Source, topic: str, score: float) -> bool:
    """A page linked in the topic, or the message a draft was started from, is wanted whatever its
    words; commits for a recent-changes topic."""
    return (
        source.kind in GIVEN_KINDS
        or score >= RELEVANCE_THRESHOLD
        or (source.kind.startswith("git") and RECENT_CHANGES.search(topic) is not None)
    )


def curate_sources(material: list[Source], topic: str, recent: list[str], keep: int) -> tuple[list[Source], list[str]]:
    notes: list[str] = []
    ranks = bm25_scores(topic, [source_text(s) for s in material])
    scored = [
        (relevance(topic, source_text(s)), rank, order, s)
        for order, (s, rank) in enumerate(zip(material, ranks, strict=False))
    ]
    # Most of the topic covered first, BM25 between equals, then the sources' own order (newest first).
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    ranked = [s.model_copy(update={"score": round(score, 3)}) for score, _, _, s in scored if wanted(s, topic, score)]
    if material and not ranked:
        notes.append(NOTHING_MATCHED)
    chosen: list[Source] = []
    # Items already published count as seen, so a mirror of a used story is dropped as well.
    seen: list[Source] = []
    for source in ranked:
        if any(
            (source.url and source.url == c.url)
            or similarity(source_text(source), source_text(c)) >= DUPLICATE_SIMILARITY
            for c in seen
        ):
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
