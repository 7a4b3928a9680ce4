"""What the worker relies on: a run built the way the worker builds it (`build_stages`,
`build_context` with the run deadline, `CoalescedProgress`) shows its retries and ends, within its
deadline, in a PipelineError whose kind, message, retryable and retry_after_s say what to record."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from pipeline.base import DraftBrief
from pipeline.errors import ErrorKind, PipelineError, SourceError
from pipeline.factory import PipelineConfig, build_context, build_stages
from pipeline.progress import CoalescedProgress
from pipeline.runner import run_pipeline
from tests.e2e.fake_llm import FakeLLM, error


async def run_as_the_worker_does(http: httpx.AsyncClient, config: PipelineConfig, shown: list[str]) -> None:
    async def show(phrase: str) -> None:
        shown.append(phrase)

    progress = CoalescedProgress(show, first_after_s=0, every_s=0)
    try:
        ctx = build_context(progress.report, http, config.run_deadline_s)
        await asyncio.wait_for(
            run_pipeline(DraftBrief(topic="search"), ctx, build_stages(config, http)), config.run_deadline_s + 15
        )
    finally:
        await progress.close()


async def test_a_busy_model_shows_its_retries_and_ends_the_run_as_model_busy(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(error(503, "overloaded", type_="server_error"))
    config = PipelineConfig(
        llm_base_url=fake_llm.url, llm_api_key="sk-contract", fetch_topic_urls=False, run_deadline_s=4
    )
    shown: list[str] = []
    with pytest.raises(PipelineError) as caught:
        await run_as_the_worker_does(http, config, shown)
    exc = caught.value
    assert (exc.kind, exc.retryable, exc.retry_after_s) == (ErrorKind.model_busy, True, None)
    assert exc.message.startswith("The model stayed busy (HTTP 503: overloaded) for the 4 s a draft may wait.")
    assert "the model is busy — retrying (2 of 4), next try in 1 s" in shown


async def test_a_bad_key_ends_the_run_at_once_and_is_not_worth_retrying(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(error(401, "Incorrect API key provided: sk-contract"))
    config = PipelineConfig(llm_base_url=fake_llm.url, llm_api_key="sk-contract", fetch_topic_urls=False)
    with pytest.raises(PipelineError) as caught:
        await run_as_the_worker_does(http, config, [])
    assert (caught.value.kind, caught.value.retryable) == (ErrorKind.model_auth, False)
    assert "sk-contract" not in caught.value.message and len(fake_llm.requests) == 1


def test_every_kind_is_a_short_word_fit_for_a_metrics_label_and_other_errors_have_one_too() -> None:
    assert all(re.fullmatch(r"[a-z_]{4,20}", kind.value) for kind in ErrorKind)
    assert PipelineError("a stage refused").kind is ErrorKind.pipeline
    assert SourceError("feed gone").kind is ErrorKind.source
