"""The offline writer: an extractive draft from the topic and curated material, with no model.

It picks a hook, the most informative sentences, one source link and a few hashtags, then keeps
only what fits every destination's budget. Regenerate feedback is read as simple directives
("shorter", "no hashtags", "more formal"), and a regenerated draft never repeats the previous one.
"""

from __future__ import annotations

import hashlib
import re

from pipeline.base import PipelineState, RunContext, Source
from pipeline.bm25 import bm25_scores
from pipeline.framing import frame
from pipeline.offline_text import BODIES_BARE, CLOSERS, LINK_LEADS, Directives, directives_for, emoji_for, opening
from pipeline.provenance import links_in
from pipeline.shape import Budget
from pipeline.stages.plan import plan_all
from pipeline.textutil import keywords, sentences, similarity


def hashtags_for(texts: list[str], limit: int = 2) -> list[str]:
    tags: list[str] = []
    for word in keywords(texts, limit * 3):
        # Past-tense verbs ("#Learned") and filler nouns ("#Day") read as noise, not topics.
        if not word.isascii() or not word[:1].isalpha() or word.endswith("ed"):
            continue
        tag = "#" + "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", word))
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags[:limit]


def best_sentences(material: list[Source], topic: str, wanted: int) -> list[str]:
    candidates: list[tuple[int, str]] = []
    for rank, source in enumerate(material):
        if source.kind.startswith("git"):
            candidates.append((rank, f"• {source.title}"))
            continue
        for sentence in sentences(source.excerpt):
            if 25 <= len(sentence) <= 260 and not links_in(sentence) and not sentence.endswith("?"):
                candidates.append((rank, sentence))
    scores = bm25_scores(topic, [c[1] for c in candidates])
    ranked = sorted(
        range(len(candidates)),
        key=lambda i: scores[i] - 0.3 * candidates[i][0] - 0.2 * (i > 0 and candidates[i][0] == candidates[i - 1][0]),
        reverse=True,
    )
    chosen: list[int] = []
    for i in ranked:
        if all(similarity(candidates[i][1], candidates[j][1]) < 0.5 for j in chosen):
            chosen.append(i)
        if len(chosen) == wanted:
            break
    return [candidates[i][1] for i in sorted(chosen)]


def _pick(options: list[str], variant: int) -> str:
    return options[variant % len(options)]


def compose(state: PipelineState, d: Directives, variant: int, budget: Budget) -> str:
    brief = state.brief
    shape = frame(brief.topic)
    if shape.kind == "empty" and state.material:
        shape = frame(state.material[0].title)
    topic = shape.text
    hook = opening(shape, d.tone, variant, bool(state.material))
    if d.emoji and not 0x2190 <= ord(hook[0]) <= 0x1FAFF:
        hook = f"{emoji_for(topic)} {hook}"
    body = (
        best_sentences(state.material, topic or brief.topic, d.max_sentences)
        if state.material
        else [_pick(BODIES_BARE[d.tone], variant + 1)]
    )
    closer = _pick(CLOSERS[d.tone], variant + 2) if d.closer and not state.material else ""
    links = [s.public_url for s in state.material if s.public_url] + links_in(brief.topic)
    link = f"{LINK_LEADS[d.tone]}{links[0]}" if links and d.link else ""
    texts = [brief.topic] + [f"{s.title} {s.excerpt}" for s in state.material]
    tags = " ".join(hashtags_for(texts)) if d.hashtags else ""

    def render(used: list[str], with_closer: bool, with_link: bool, with_tags: bool) -> str:
        bullets = all(s.startswith("•") for s in used)
        middle = "\n".join(used) if bullets else "\n\n".join(used) if budget.threads else " ".join(used)
        tail = " ".join(x for x, keep in ((link, with_link), (tags, with_tags)) if x and keep)
        blocks = [hook, middle, closer if with_closer else "", tail]
        return "\n\n".join(b for b in blocks if b)

    # Drop the least essential extras first until the bare hook fits, then add sentences greedily.
    extras = [True, True, True]
    for drop in (2, 0, 1):
        if budget.accepts(render([], *extras)):
            break
        extras[drop] = False
    used: list[str] = []
    for sentence in body:
        if budget.accepts(render(used + [sentence], *extras)):
            used.append(sentence)
    if not used and body and not state.material:
        extras[0] = False
        used = [s for s in body if budget.accepts(render([s], *extras))][:1]
    return budget.fit(render(used, *extras))


def _variant_seed(*parts: str | None) -> int:
    return int(hashlib.sha256("\x00".join(p or "" for p in parts).encode()).hexdigest()[:8], 16)


async def write_offline(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("writing…")
    brief = state.brief
    if not state.plans:
        state.plans = plan_all(brief, state.material)
    budget = Budget.of(state.plans, brief.style.max_length, ctx.measure)
    d = directives_for(brief.style.tone, brief.style.hashtags, brief.style.emoji, brief.feedback)
    seed = _variant_seed(brief.topic, brief.feedback, brief.previous_text)
    text = compose(state, d, seed, budget)
    previous = " ".join((brief.previous_text or "").split())
    for bump in range(1, 6):
        if not previous or " ".join(text.split()) != previous:
            break
        # Same words as last time: rotate the hook, body and closer choices.
        text = compose(state, d, seed + bump, budget)
    state.text = text
    state.stage_notes["write_offline"] = {"model": "offline"}
    return state
