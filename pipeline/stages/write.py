"""Write with a model: prompt from the brief and fenced sources, then check what came back.

Links and @mentions the sources do not support are removed (and reported); a draft over budget is
trimmed. Model errors propagate (a PipelineError with its `kind`) for the worker to show.
"""

from __future__ import annotations

import re

from pipeline.base import PipelineState, RunContext, Stage
from pipeline.llm import LLMClient
from pipeline.prompts import write_messages
from pipeline.provenance import Support, strip_unsupported
from pipeline.shape import Budget
from pipeline.stages.plan import plan_all, tags_for, title_for

_PREAMBLE = re.compile(r"^(here('s| is) (a|the|your) [^\n:]*:|sure[,!][^\n]*\n)\s*", re.IGNORECASE)


def clean_reply(text: str) -> str:
    text = _PREAMBLE.sub("", text.strip())
    # Models like to wrap the whole post in quotes; a quote that opens and closes it is not content.
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) > 1 and text.startswith(left) and text.endswith(right) and text.count(left) <= 2:
            text = text[1:-1]
    return text.strip()


def make_write(llm: LLMClient) -> Stage:
    async def write(ctx: RunContext, state: PipelineState) -> PipelineState:
        brief = state.brief
        if not state.plans:
            state.plans = plan_all(brief, state.material)
        article = bool(state.plans) and all(p.form == "article" for p in state.plans.values())
        if article:
            state.title = state.title or title_for(brief.topic, state.material)
            state.tags = state.tags or tags_for(brief.topic, state.material)
        budget = Budget.of(state.plans, brief.style.max_length, ctx.measure)
        await ctx.report(f"writing with {llm.model}…")
        reply = await llm.chat(
            write_messages(brief, state.material, budget, article=article, title=state.title), ctx=ctx
        )
        text, notes = strip_unsupported(clean_reply(reply.text), Support.of(state.material, brief.topic))
        state.warnings.extend(notes)
        if not budget.accepts(text):
            text = budget.fit(text)
            state.warnings.append("the model's draft was too long and was trimmed to fit")
        state.text = text
        state.stage_notes["write"] = {
            "model": reply.model,
            "tokens_in": reply.tokens_in,
            "tokens_out": reply.tokens_out,
        }
        return state

    return write
