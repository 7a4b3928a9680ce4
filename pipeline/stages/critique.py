"""Critique: a 0–10 score with reasons a reviewer can act on (heuristics; a model when configured)."""
from __future__ import annotations

import json
import re

from pipeline.base import Critique, Measure, PipelineState, RunContext, Stage
from pipeline.errors import PipelineError
from pipeline.llm import LLMClient
from pipeline.prompts import critique_messages
from pipeline.provenance import Support
from pipeline.shape import Budget
from pipeline.textutil import sentences

_HASHTAG = re.compile(r"(?<!\w)#\w+")
_NUMBER = re.compile(r"\d[\d,.]*%?")
_GENERIC_HOOKS = ("in this post", "here is what you need to know", "today we", "i want to talk")


def critique_text(state: PipelineState, measure: Measure | None = None) -> Critique:
    text, brief = state.text, state.brief
    score = 10.0
    reasons: list[str] = []

    budget = Budget.of(state.plans, brief.style.max_length, measure)
    tightest = budget.tightest()
    if tightest:
        used = budget.count(tightest[1])(text) / tightest[0]
        if used > 1:
            score -= 3
            reasons.append(f"Over the length limit ({used:.0%} of the space).")
        elif used < 0.3:
            score -= 1
            reasons.append(f"Uses only {used:.0%} of the available space; there is room for one more point.")
        else:
            reasons.append(f"Uses {used:.0%} of the available space.")

    hook = text.strip().split("\n", 1)[0]
    if not hook or len(hook) > 140 or hook.lower().startswith(_GENERIC_HOOKS):
        score -= 1.5
        reasons.append("The opening line is long or generic; lead with the most interesting fact.")

    said = [s for s in sentences(_HASHTAG.sub("", text)) if s.strip()]
    words = [len(s.split()) for s in said]
    if words and sum(words) / len(words) > 24:
        score -= 1.5
        reasons.append(f"Sentences average {sum(words) / len(words):.0f} words; shorter ones read better.")

    source_text = " ".join(f"{s.title} {s.excerpt}" for s in state.material) + " " + brief.topic
    unsupported = sorted({n for n in _NUMBER.findall(_HASHTAG.sub("", text))
                          if n.strip(".,") not in source_text and not re.fullmatch(r"\d", n)})
    support = Support.of(state.material, brief.topic)
    if unsupported:
        score -= 2
        reasons.append("Figures not found in the sources: " + ", ".join(unsupported) + ".")
    if support.unsupported_links(text) or support.unsupported_mentions(text):
        score -= 2
        reasons.append("Links or @mentions that the sources do not contain.")
    if not state.material:
        score -= 1
        reasons.append("No sources: the draft rests on the topic alone.")

    tags = _HASHTAG.findall(text)
    if brief.style.hashtags and not tags:
        score -= 0.5
        reasons.append("No hashtags, though the style asks for them.")
    elif len(tags) > 3:
        score -= 1
        reasons.append(f"{len(tags)} hashtags; two or three is plenty.")
    elif not brief.style.hashtags and tags:
        score -= 0.5
        reasons.append("Hashtags, though the style asks for none.")
    return Critique(score=max(0.0, min(10.0, round(score, 1))), reasons=reasons)


async def critique(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("reviewing…")
    state.critique = critique_text(state, ctx.measure)
    return state


def _parse_model_critique(text: str) -> Critique | None:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
        score = float(data["score"])
        reasons = [str(r) for r in data.get("reasons", [])][:6]
    except (ValueError, KeyError, TypeError):
        return None
    return Critique(score=max(0.0, min(10.0, score)), reasons=reasons)


def make_critique(llm: LLMClient | None) -> Stage:
    """Heuristics always; with a model, its opinion is averaged in (and its failure only warns)."""
    if llm is None:
        return critique

    async def critique_with_model(ctx: RunContext, state: PipelineState) -> PipelineState:
        await ctx.report("reviewing…")
        heuristic = critique_text(state, ctx.measure)
        try:
            reply = await llm.chat(critique_messages(state.text, state.material), ctx=ctx, temperature=0.0)
        except PipelineError as exc:
            # The draft is written: a model that fails now (or a run out of time) costs only its opinion.
            state.warnings.append(f"The model's critique is missing, heuristics only: {exc.message}")
            state.critique = heuristic
            return state
        opinion = _parse_model_critique(reply.text)
        if opinion is None:
            state.warnings.append("the model's critique was not valid JSON; heuristics only")
            state.critique = heuristic
        else:
            state.critique = Critique(score=round((opinion.score + heuristic.score) / 2, 1),
                                      reasons=opinion.reasons + heuristic.reasons)
        state.stage_notes["critique"] = {"model": reply.model, "tokens_in": reply.tokens_in,
                                         "tokens_out": reply.tokens_out}
        return state

    critique_with_model.__name__ = "critique"
    return critique_with_model
