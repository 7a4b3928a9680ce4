"""End-to-end fixtures: the real bot server, a real arq worker, a real Redis and database,
and the local Slack standing in for Slack's side of the wire."""
from __future__ import annotations

import pytest

from bot.local_slack.server import LocalSlack, Message
from bot.local_slack.stack import LocalStack


@pytest.fixture
async def stack(database_url: str, redis_url: str):
    async with LocalStack(database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"),
                          signoff_sweep_interval_s=0.5) as running:
        yield running


async def wait_for_draft(slack: LocalSlack, draft_no: int = 1, timeout_s: float = 15) -> Message:
    """The thread reply that carries draft #N."""
    def find() -> Message | None:
        for message in slack.messages.values():
            if message.thread_ts and f"Draft #{draft_no} ·" in str(message.blocks):
                return message
        return None
    return await slack.wait_for(find, timeout_s)


def shows(message: Message, text: str) -> bool:
    return text in str(message.blocks)
