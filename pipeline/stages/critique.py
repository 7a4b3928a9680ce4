"""Critique: a 0–10 score in parts (relevance, support, length, tone), and every claim in the
draft checked against the sources. With a model configured, the model reviews too: its opinion
joins the tone part and its check of each claim (with the sources it cites) is kept beside ours."""

from __future__ import annotations

from pipeline.base import Claim, Critique, Measure, PipelineState, RunContext, ScorePart, Stage
from pipeline.errors import PipelineError
from pipeline.grounding import check_claims, evidence_for
from pipeline.llm import LLMClient
from pipeline.model_check import ModelReview, merge, parse_review
from pipeline.prompts import critique_messages
from pipeline.score import length_part, relevance_part, support_part, tone_part, total
from pipeline.shape import Budget


def claims_of(state: PipelineState) -> list[Claim]:
    brief = state.brief
    return check_claims(state.text, evidence_for(state.material, brief.topic, brief.feedback))


def critique_text(state: PipelineState, measure: Measure | None = None, review: ModelReview | None = None) -> Critique:
    claims = claims_of(state)
    if review is not None and review.claims is not None:
        claims = merge(claims, review.claims, len(state.material))
    tone = tone_part(state, measure)
    if review is not None:
        tone = ScorePart(
            name="tone",
            weight=tone.weight,
            score=round((tone.score + review.score) / 2, 1),
            reasons=[f"The model: {r}" for r in review.reasons] + tone.reasons,
        )
    budget = Budget.of(state.plans, state.brief.style.max_length, measure)
    parts = [
        relevance_part(state.brief.topic, state.text, state.material),
        support_part(claims),
        length_part(state.text, budget),
        tone,
    ]
    nothing_matched = not state.material
    score, reasons = total(parts, nothing_matched=nothing_matched)
    return Critique(
        score=score,
        reasons=reasons,
        parts=parts,
        claims=claims,
        nothing_matched=nothing_matched,
        model_checked=review is not None and review.claims is not None,
    )


async def critique(ctx: RunContext, state: PipelineState) -> PipelineState:
    await ctx.report("reviewing…")
    state.critique = critique_text(state, ctx.measure)
    return state


def make_critique(llm: LLMClient | None) -> Stage:
    """Heuristics and our claim check always; with a model, its review too (its failure only warns)."""
    if llm is None:
        return critique

    async def critique_with_model(ctx: RunContext, state: PipelineState) -> PipelineState:
        await ctx.report("reviewing…")
        claims = claims_of(state)
        try:
            reply = await llm.chat(
                critique_messages(state.text, state.material, state.brief.topic, claims), ctx=ctx, temperature=0.0
            )
        except PipelineError as exc:
            # The draft is written: a model that fails now (or a run out of time) costs only its opinion.
            state.warnings.append(f"The model's critique is missing, heuristics only: {exc.message}")
            state.critique = critique_text(state, ctx.measure)
            return state
        review = parse_review(reply.text)
        if review is None:
            state.warnings.append("the model's critique was not valid JSON; heuristics only")
        elif review.claims is None:
            state.warnings.append("the model did not check the claims; only the deterministic check applies")
        state.critique = critique_text(state, ctx.measure, review)
        state.stage_notes["critique"] = {
            "model": reply.model,
            "tokens_in": reply.tokens_in,
            "tokens_out": reply.tokens_out,
        }
        return state

    critique_with_model.__name__ = "critique"
    return critique_with_model
