"""The secret-leak check, autouse in every directory whose tests run a whole Signoff stack
(import `nothing_secret_leaks` into that directory's conftest)."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

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
