"""Every failure is visible: whatever raises in a run or a job ends, within seconds, in a failure in
the thread with its next step, an audit event, a dead-job count and a word to the admins."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from sqlalchemy import select

from launch.local_slack.stack import LocalStack
from pipeline.base import PipelineState, RunContext
from pipeline.runner import DEFAULT_STAGES
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Draft, OutboxJob
from tests.e2e.fake_llm import FakeLLM, error


async def broken_stage(ctx: RunContext, state: PipelineState) -> PipelineState:
    raise KeyError("a bug in a stage")


def _buttons(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def _rows(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return (
                list(await session.scalars(select(Draft))),
                list(await session.scalars(select(OutboxJob))),
                list(await session.scalars(select(AuditEvent).order_by(AuditEvent.seq))),
            )
    finally:
        await engine.dispose()


async def _settled(database_url: str):  # type: ignore[no-untyped-def]
    """The rows once the job has finished its outbox row (it does so after its Slack updates)."""
    for _ in range(200):
        drafts, jobs, events = await _rows(database_url)
        if jobs and jobs[0].status != "pending":
            return drafts, jobs, events
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished its outbox row")


async def test_a_stage_that_raises_shows_a_failure_with_regenerate_at_once(database_url: str, redis_url: str) -> None:
    stages = (DEFAULT_STAGES[0], broken_stage, *DEFAULT_STAGES[1:])
    async with LocalStack(database_url=database_url, redis_url=redis_url, stages=stages) as stack:
        await stack.user("U_CAROL").slash("/draft", "a topic that meets a bug")
        failed = await stack.slack.wait_for(
            lambda: next(
                (m for m in stack.slack.messages.values() if m.thread_ts and "could not be written" in str(m.blocks)),
                None,
            ),
            15,
        )
        assert "something went wrong while writing (ref " in str(failed.blocks)
        assert "signoff_regenerate" in _buttons(failed)
        await stack.slack.wait_for(lambda: "Failed" in str(stack.slack.channel_messages("C_GENERAL")[0].blocks))
        drafts, jobs, events = await _settled(database_url)
    assert drafts[0].status == "failed" and jobs[0].status == "done"
    assert [e.kind for e in events][-1] == "failed"


async def test_a_job_that_keeps_failing_is_given_up_visibly_and_the_admins_hear_of_it(
    database_url: str, redis_url: str
) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, signoff_max_job_attempts=2, signoff_admins=["U_ADMIN"]
    ) as stack:
        stack.slack.archived.add("C_ARCHIVED")
        await stack.user("U_CAROL", channel_id="C_ARCHIVED").slash("/draft", "posted where nobody can post")
        told = await stack.slack.wait_for(
            lambda: [m for m in stack.slack.messages.values() if m.channel == "DU_ADMIN"], 30
        )
        assert "gave up writing draft #1" in told[0].text and "SlackApiError" in told[0].text
        async with httpx.AsyncClient(trust_env=False) as http:
            health = (await http.get(stack.bot_url + "/healthz")).json()
            metrics = (await http.get(stack.bot_url + "/metrics")).text
        drafts, jobs, events = await _settled(database_url)
    assert health["dead_jobs"] == 1
    assert 'signoff_outbox_dead{job="run_draft"} 1.0' in metrics
    assert (drafts[0].status, jobs[0].status) == ("failed", "dead")
    assert events[-1].kind == "failed" and events[-1].detail["gave_up"] is True
    assert "after 2 attempts" in json.dumps(events[-1].detail)


async def test_a_model_that_keeps_answering_503_is_a_visible_failure_within_a_minute(
    database_url: str, redis_url: str
) -> None:
    """With the default budget: the run retries inside its deadline, shows that it does, then fails
    with Regenerate — no job-level retries multiply the wait."""
    llm = FakeLLM()
    llm.script(error(503, "overloaded", type_="server_error"))
    llm_url = await llm.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            llm_base_url=llm_url,
            llm_api_key="sk-local-test",
            signoff_fetch_topic_urls=False,
        ) as stack:
            asked_at = time.monotonic()
            await stack.user("U_CAROL").slash("/draft", "a busy model")
            failed = await stack.slack.wait_for(
                lambda: next(
                    (
                        m
                        for m in stack.slack.messages.values()
                        if m.thread_ts and "could not be written" in str(m.blocks)
                    ),
                    None,
                ),
                60,
            )
            visible_after_s = time.monotonic() - asked_at
            parent = stack.slack.channel_messages("C_GENERAL")[0]
            _drafts, jobs, events = await _settled(database_url)
    finally:
        await llm.stop()
    assert visible_after_s < 60
    assert "signoff_regenerate" in _buttons(failed)
    assert parent.edits >= 1
    assert any("retrying (2 of 4)" in json.dumps(c.args) for c in stack.slack.calls_to("chat.update"))
    assert events[-1].kind == "failed" and events[-1].detail["kind"] == "model_busy"
    assert len(llm.requests) == 4 and jobs[0].status == "done"
