"""End-to-end fixtures: the real bot server, a real arq worker, a real Redis and database,
and the local Slack standing in for Slack's side of the wire."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from bot.local_slack.server import LocalSlack, Message
from bot.local_slack.stack import LocalStack
from storage.db import create_engine


@pytest.fixture(autouse=True)
async def nothing_secret_leaks(caplog: pytest.LogCaptureFixture):
    """After every end-to-end test: no secret of any stack appears in a log line (raw, before any
    redaction), an audit row, or anything sent to the local Slack."""
    caplog.set_level(logging.DEBUG)
    LocalStack.created.clear()
    yield
    for stack in LocalStack.created:
        secrets = stack.secrets()
        slack = stack.slack
        sent = [m.text + json.dumps(m.blocks) for m in slack.messages.values()]
        sent += [json.dumps(x) for x in slack.ephemerals + slack.views + slack.responses + slack.reactions]
        logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        audit = await _audit_rows(stack.database_url)
        for secret in secrets:
            for where, items in (("Slack", sent), ("logs", logged), ("audit trail", audit)):
                leaked = [item for item in items if secret in item]
                assert not leaked, f"a secret appeared in the {where}: {leaked[0][:200]}"


async def _audit_rows(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT actor, kind, detail FROM audit_events"))
            return [json.dumps([str(c) for c in row]) for row in rows]
    except Exception:
        return []
    finally:
        await engine.dispose()


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
