"""The secret-leak check, autouse in every directory whose tests run a whole Signoff stack
(import `nothing_secret_leaks` into that directory's conftest)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import JSON, String, select
from sqlalchemy.exc import DBAPIError

from bot.redaction import secret_values
from launch.local_slack.stack import LocalStack
from storage.db import create_engine
from storage.models import Base


@pytest.fixture(autouse=True)
async def nothing_secret_leaks(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    """After every end-to-end test: no secret of any stack, raw or escaped the way an echoing
    server (or our own Slack escaping) writes it, appears in a log line (raw, before any redaction),
    anything sent to the local Slack (every Web API call's arguments, response_url posts), or any text column of any
    table — the audit trail, errors, revision details and everything else stored."""
    caplog.set_level(logging.DEBUG)
    LocalStack.created.clear()
    yield
    for stack in LocalStack.created:
        secrets = secret_values(stack.settings or stack.settings_for())
        slack = stack.slack
        sent = [m.text + json.dumps(m.blocks) for m in slack.messages.values()]
        sent += [json.dumps(x) for x in slack.ephemerals + slack.views + slack.responses + slack.reactions]
        sent += [f"{call.method} {json.dumps(call.args)}" for call in slack.calls]
        logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        stored = await stored_text(stack.database_url)
        for secret in secrets:
            for where, items in (("Slack", sent), ("logs", logged), ("database", stored)):
                leaked = [item for item in items if any(form in item for form in written_forms(secret))]
                assert not leaked, f"a secret appeared in the {where}: {leaked[0][:300]}"


def written_forms(secret: str) -> set[str]:
    """The secret as text carries it: raw, percent-encoded, JSON-escaped, escaped for Slack mrkdwn."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    }


async def stored_text(database_url: str) -> list[str]:
    """Every string and JSON column of every table, one item per row and column, named."""
    engine = create_engine(database_url)
    found: list[str] = []
    try:
        async with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, (String, JSON))]
                try:
                    rows = (await conn.execute(select(*columns))).all()
                except DBAPIError:  # a test that never migrated this database
                    await conn.rollback()
                    continue
                for row in rows:
                    found += [
                        f"{table.name}.{column.name}: {_text(value)}"
                        for column, value in zip(columns, row, strict=False)
                        if value is not None
                    ]
    finally:
        await engine.dispose()
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
