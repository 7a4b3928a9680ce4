"""Run stages in order, timing each one; the single entry point the worker calls."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from pipeline.base import DraftBrief, DraftResult, PipelineState, RunContext, Stage, StageReport
from pipeline.deadline import DEFAULT_RUN_DEADLINE_S, Deadline
from pipeline.stages.collect import collect
from pipeline.stages.critique import critique
from pipeline.stages.curate import curate
from pipeline.stages.plan import plan
from pipeline.stages.policy import policy
from pipeline.stages.write_offline import write_offline

# Fully offline and fast: no sources configured, no model; `factory.build_stages` adds both.
DEFAULT_STAGES: tuple[Stage, ...] = (collect, curate, plan, write_offline, critique, policy)


async def run_pipeline(brief: DraftBrief, ctx: RunContext, stages: Sequence[Stage] = DEFAULT_STAGES) -> DraftResult:
    """Raises PipelineError (see pipeline/errors.py) when no draft can be written within the deadline."""
    if ctx.deadline is None:
        ctx = dataclasses.replace(ctx, deadline=Deadline.after(DEFAULT_RUN_DEADLINE_S))
    state = PipelineState(brief=brief)
    reports: list[StageReport] = []
    for stage in stages:
        started = time.perf_counter()
        warnings_before = len(state.warnings)
        state = await stage(ctx, state)
        notes = state.stage_notes.get(stage.__name__, {})
        reports.append(
            StageReport(
                name=stage.__name__,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                model=notes.get("model"),
                tokens_in=notes.get("tokens_in"),
                tokens_out=notes.get("tokens_out"),
                warnings=state.warnings[warnings_before:],
            )
        )
    return DraftResult(
        text=state.text,
        title=state.title,
        tags=state.tags,
        sources=state.material,
        critique=state.critique,
        policy=state.policy,
        stages=reports,
        plans=state.plans,
    )
