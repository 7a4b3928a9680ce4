"""End-to-end fixtures: the real bot server, a real arq worker, a real Redis and database,
and the local Slack standing in for Slack's side of the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from launch.local_slack.server import LocalSlack, Message
from launch.local_slack.stack import LocalStack
from tests.e2e.fake_llm import FakeLLM
from tests.leak_check import nothing_secret_leaks  # noqa: F401  (autouse: checked after every test here)


@pytest.fixture
async def stack(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"), signoff_sweep_interval_s=0.5
    ) as running:
        yield running


@asynccontextmanager
async def stack_with_a_silent_model(
    database_url: str, redis_url: str, *, run_timeout_s: float
) -> AsyncIterator[LocalStack]:
    """A stack whose model (a local OpenAI-compatible server) takes the request and never answers."""
    llm = FakeLLM()
    llm.hold = True
    llm_url = await llm.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            llm_base_url=llm_url,
            llm_api_key="sk-local-test",
            signoff_run_timeout_s=run_timeout_s,
            signoff_fetch_topic_urls=False,
        ) as stack:
            yield stack
    finally:
        await llm.stop()


async def wait_for_draft(slack: LocalSlack, draft_no: int = 1, timeout_s: float = 15) -> Message:
    """The thread reply that carries draft #N."""

    def find() -> Message | None:
        for message in slack.messages.values():
            if message.thread_ts and f"Draft #{draft_no} ·" in str(message.blocks):
                return message
        return None

    message: Message = await slack.wait_for(find, timeout_s)
    return message


def shows(message: Message, text: str) -> bool:
    return text in str(message.blocks)
