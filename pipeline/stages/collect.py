"""Collect: read every configured source concurrently; a failing source becomes a warning."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pipeline.base import PipelineState, RunContext, Source, Stage
from pipeline.errors import SourceError
from pipeline.sources import SourceReader


async def _read(reader: SourceReader, topic: str, warnings: list[str]) -> list[Source]:
    def warn(message: str) -> None:
        warnings.append(f"{reader.label}: {message}")

    try:
        return await reader.read(topic, warn)
    except SourceError as exc:
        warn(exc.message)
    except Exception as exc:  # a broken source must never sink the run
        warn(f"failed unexpectedly ({type(exc).__name__}: {exc})")
    return []


def make_collect(readers: Sequence[SourceReader]) -> Stage:
    readers = tuple(readers)

    async def collect(ctx: RunContext, state: PipelineState) -> PipelineState:
        state.material[:0] = [source.model_copy() for source in state.brief.given_sources]
        if not readers:
            return state
        await ctx.report(f"collecting {len(readers)} source{'s' if len(readers) != 1 else ''}…")
        warnings: list[str] = []
        found = await asyncio.gather(*(_read(r, state.brief.topic, warnings) for r in readers))
        state.material.extend(source for batch in found for source in batch)
        state.warnings.extend(warnings)
        return state

    return collect


collect = make_collect(())
