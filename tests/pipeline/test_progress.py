"""Progress phrases are coalesced: the newest one is shown, a run that ends at once shows none."""

from __future__ import annotations

import asyncio

from pipeline.base import DraftBrief, RunContext
from pipeline.progress import CoalescedProgress
from pipeline.runner import run_pipeline


async def test_a_run_that_ends_before_the_first_phrase_is_due_shows_none() -> None:
    shown: list[str] = []

    async def show(phrase: str) -> None:
        shown.append(phrase)

    progress = CoalescedProgress(show, first_after_s=60)
    result = await run_pipeline(DraftBrief(topic="Weekly changelog"), RunContext(progress=progress.report))
    await progress.close()
    assert result.text and shown == []


async def test_only_the_newest_phrase_is_shown_and_nothing_after_close() -> None:
    shown: list[str] = []
    seen = asyncio.Event()

    async def show(phrase: str) -> None:
        shown.append(phrase)
        seen.set()

    progress = CoalescedProgress(show, first_after_s=0, every_s=60)
    for phrase in ("collecting…", "planning…", "writing…"):
        await progress.report(phrase)
    await asyncio.wait_for(seen.wait(), 5)
    await progress.report("checking…")  # due only in a minute: dropped by close
    await progress.close()
    await progress.report("too late")
    assert shown == ["writing…"]


async def test_close_cancels_a_phrase_still_being_shown() -> None:
    entered, finished = asyncio.Event(), []

    async def show(phrase: str) -> None:  # a listener that never answers
        entered.set()
        await asyncio.Event().wait()
        finished.append(phrase)

    progress = CoalescedProgress(show, first_after_s=0)
    await progress.report("writing…")
    await asyncio.wait_for(entered.wait(), 5)
    await asyncio.wait_for(progress.close(), 5)
    assert finished == []


async def test_a_failing_listener_is_not_the_run_s_error() -> None:
    attempts: list[str] = []
    failed = asyncio.Event()

    async def show(phrase: str) -> None:
        attempts.append(phrase)
        failed.set()
        raise RuntimeError("Slack is away")

    progress = CoalescedProgress(show, first_after_s=0)
    await progress.report("writing…")
    await asyncio.wait_for(failed.wait(), 5)
    await progress.close()
    assert attempts == ["writing…"]
