"""One deadline per run: retries happen inside it, honour Retry-After, are reported, and stop when
the time is up; a silent model cannot hold a run longer than its deadline, whatever the per-call
timeout and attempts say. (Each call also sits under a generous `wait_for`, so a broken deadline
fails the test instead of hanging it; nothing here asserts how fast anything is.)"""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Any

import httpx
import pytest

from pipeline.base import DraftBrief, PipelineState, RunContext
from pipeline.deadline import DEFAULT_RUN_DEADLINE_S, Deadline
from pipeline.errors import ErrorKind, PipelineError, TransientPipelineError
from pipeline.factory import PipelineConfig, build_stages
from pipeline.llm import LLMClient, LLMReply
from pipeline.runner import run_pipeline
from tests.e2e.fake_llm import HELD, FakeLLM, completion, error, http_date

HELLO = [{"role": "user", "content": "hi"}]
SLACK_S = 0.05  # the wall clock and the monotonic clock may disagree by a few milliseconds


class Phrases(list[str]):
    async def __call__(self, phrase: str) -> None:
        self.append(phrase)


def client(http: httpx.AsyncClient, url: str, **options: object) -> LLMClient:
    settings: dict[str, Any] = {"timeout_s": 5.0, "max_attempts": 4, "backoff_s": 0.05, "heartbeat_s": 10.0} | options
    return LLMClient(http, base_url=url, api_key="sk-local", model="local-1", **settings)


async def chat(llm: LLMClient, budget_s: float, phrases: Phrases | None = None) -> LLMReply:
    ctx = RunContext(progress=phrases, deadline=Deadline.after(budget_s))
    return await asyncio.wait_for(llm.chat(HELLO, ctx=ctx), budget_s + 15)


async def failure(llm: LLMClient, budget_s: float, phrases: Phrases | None = None) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        await chat(llm, budget_s, phrases)
    return caught.value


async def test_a_429_with_retry_after_in_seconds_is_waited_out_and_reported(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(
        error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"Retry-After": "1"}),
        completion("Answered."),
    )
    phrases = Phrases()
    reply = await chat(client(http, fake_llm.url), 10, phrases)
    assert reply.text == "Answered." and len(fake_llm.seen) == 2
    assert fake_llm.seen[1].arrived_at >= fake_llm.seen[0].arrived_at + 1 - SLACK_S
    assert phrases == ["the model is busy — retrying (2 of 4), next try in 1 s"]


async def test_a_429_with_retry_after_as_an_http_date_is_waited_out(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    retry_at = http_date(time.time() + 2)
    fake_llm.script(error(429, "Slow down", headers={"Retry-After": retry_at}), completion("Answered."))
    phrases = Phrases()
    reply = await chat(client(http, fake_llm.url), 10, phrases)
    assert reply.text == "Answered." and len(fake_llm.seen) == 2
    assert fake_llm.seen[1].arrived_at >= email.utils.parsedate_to_datetime(retry_at).timestamp() - SLACK_S
    assert phrases[0].startswith("the model is busy — retrying (2 of 4), next try in ")


async def test_a_retry_after_longer_than_the_time_left_fails_at_once_with_the_hint(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(error(429, "Quota", headers={"Retry-After": "120"}))
    exc = await failure(client(http, fake_llm.url, max_retry_wait_s=200), 45)
    assert isinstance(exc, TransientPipelineError) and exc.kind is ErrorKind.model_busy
    assert exc.retry_after_s == 120 and len(fake_llm.seen) == 1
    assert "asked us to wait 2 min" in exc.message and exc.message.endswith("Try again in 2 min.")


async def test_a_model_that_keeps_answering_503_fails_as_busy_at_the_deadline(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(error(503, "The engine is currently overloaded", type_="server_error"))
    phrases = Phrases()
    exc = await failure(client(http, fake_llm.url, max_attempts=1000, backoff_s=0.1, max_retry_wait_s=0.3), 2, phrases)
    assert isinstance(exc, TransientPipelineError) and exc.kind is ErrorKind.model_busy and exc.retryable
    assert exc.message == (
        "The model stayed busy (HTTP 503: The engine is currently overloaded) for the 2 s "
        "a draft may wait. Try again in a few minutes."
    )
    assert len(fake_llm.seen) >= 2 and len(fake_llm.seen) < 1000
    assert phrases[0] == "the model is busy — retrying (2 of 1000), next try in 1 s"


async def test_503_until_the_attempts_run_out_gives_up_before_the_deadline(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(error(503, "Service Unavailable", type_="server_error"))
    exc = await failure(client(http, fake_llm.url, max_attempts=3), 30)
    assert exc.kind is ErrorKind.model_busy and len(fake_llm.seen) == 3
    assert "3 tries got no answer" in exc.message


async def test_a_held_request_ends_at_the_run_deadline_not_after_timeout_times_attempts(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(HELD)
    phrases = Phrases()
    # Without the deadline this would wait 3 × 30 s; the wait_for in `chat` gives it 16 s.
    exc = await failure(client(http, fake_llm.url, timeout_s=30, max_attempts=3, heartbeat_s=0.2), 1, phrases)
    assert isinstance(exc, TransientPipelineError) and exc.kind is ErrorKind.model_timeout
    assert exc.message == "The model did not answer within 1 s." and len(fake_llm.seen) == 1
    assert phrases[:2] == ["waiting for the model (0.2 s)", "waiting for the model (0.4 s)"]


async def test_a_call_that_times_out_is_asked_again_while_the_run_has_time(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(HELD, completion("Second time lucky."))
    phrases = Phrases()
    reply = await chat(client(http, fake_llm.url, timeout_s=0.5), 10, phrases)
    assert reply.text == "Second time lucky." and len(fake_llm.seen) == 2
    assert phrases[0] == "the model did not answer in time — retrying (2 of 4), next try in 1 s"


async def test_a_run_with_no_time_left_does_not_ask_the_model(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    exc = await failure(client(http, fake_llm.url), 0)
    assert exc.kind is ErrorKind.deadline and exc.retryable and fake_llm.seen == []
    assert exc.message == "The run used up its 0 s before the model could be asked."


async def test_write_and_critique_share_one_deadline(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    """The write is answered; the critique's call is held and cut at the run's deadline, which
    costs only its opinion: the draft is kept, with a warning saying why."""
    fake_llm.script(completion("Tokio 1.40 ships a faster scheduler. #Rust"), HELD)
    config = PipelineConfig(
        llm_base_url=fake_llm.url, llm_model="local-1", fetch_topic_urls=False, llm_timeout_s=30, llm_max_attempts=3
    )
    ctx = RunContext(deadline=Deadline.after(3))
    result = await asyncio.wait_for(run_pipeline(DraftBrief(topic="tokio"), ctx, build_stages(config, http)), 20)
    assert result.text == "Tokio 1.40 ships a faster scheduler. #Rust" and len(fake_llm.seen) == 2
    critique = next(s for s in result.stages if s.name == "critique")
    assert critique.warnings == [
        ("The model's critique is missing, heuristics only: The model did not answer within 3 s.")
    ]


async def test_a_held_write_fails_the_run_at_its_deadline(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(HELD)
    config = PipelineConfig(llm_base_url=fake_llm.url, fetch_topic_urls=False, llm_timeout_s=30)
    stages = build_stages(config, http)
    with pytest.raises(TransientPipelineError) as caught:
        await asyncio.wait_for(
            run_pipeline(DraftBrief(topic="tokio"), RunContext(deadline=Deadline.after(1)), stages), 20
        )
    assert caught.value.kind is ErrorKind.model_timeout and len(fake_llm.seen) == 1


async def test_a_run_without_a_deadline_gets_the_default_one() -> None:
    seen: list[Deadline | None] = []

    async def look(ctx: RunContext, state: PipelineState) -> PipelineState:
        seen.append(ctx.deadline)
        return state

    await run_pipeline(DraftBrief(topic="t"), RunContext(), [look])
    assert seen[0] is not None and seen[0].budget_s == DEFAULT_RUN_DEADLINE_S
