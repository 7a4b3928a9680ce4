"""Which settings are secrets, what an operator is told about ones too short to redact, and the
sinks outside Slack and storage: log lines (messages, tracebacks, stacks) and `signoff audit export`."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.logs import JsonFormatter, RedactingFilter
from bot.redaction import redactor_for, secret_values
from bot.settings import load_settings
from storage import audit
from storage.clock import utcnow
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade


def test_every_secret_setting_and_every_password_in_a_url_setting_is_a_secret() -> None:
    settings = load_settings(
        slack_bot_token="xoxb-1-2-3",
        webhook_secret="whsec-abc123",
        database_url="postgresql://signoff:p%40ss-w0rd@db:5432/signoff",
        redis_url="redis://:r3dis-pass@cache:6379/0",
        signoff_feeds="https://reader:feed-pass@feeds.example/rss,https://open.example/rss",
    )
    assert set(secret_values(settings)) == {
        "xoxb-1-2-3",
        "whsec-abc123",
        "p%40ss-w0rd",
        "p@ss-w0rd",
        "r3dis-pass",
        "feed-pass",
    }
    redactor = redactor_for(settings)
    assert redactor.redact("login p@ss-w0rd failed; feed-pass") == "login [redacted] failed; [redacted]"


def test_a_secret_too_short_to_redact_is_named_at_start_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(slack_signing_secret="Zq9", webhook_secret="long-enough-secret")
    with caplog.at_level(logging.WARNING, logger="signoff.redaction"):
        redactor = redactor_for(settings, warn=True)
    (record,) = caplog.records
    assert record.getMessage().startswith("SLACK_SIGNING_SECRET is shorter than 6 characters")
    assert "Zq9" not in record.getMessage()
    assert redactor.secret_count == 1
    assert redactor_for(settings).redact("Zq9") == "Zq9"


def _logger(stream: io.StringIO, secrets: list[str]) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(redactor_for(load_settings(webhook_secret=secrets[0]))))
    logger = logging.getLogger(f"test.redaction.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def test_log_lines_tracebacks_and_stacks_lose_the_secret_in_any_form() -> None:
    secret = "whsec/SECRET+1f2e"
    stream = io.StringIO()
    logger = _logger(stream, [secret])
    logger.info("calling %s with %s", f"https://hooks.example/{quote(secret, safe='')}", json.dumps({"s": secret}))
    try:
        raise RuntimeError(f"the receiver said: {secret}")
    except RuntimeError:
        logger.exception("publish failed", stack_info=True)
    written = stream.getvalue()
    assert secret not in written and quote(secret, safe="") not in written
    lines = [json.loads(line) for line in written.splitlines()]
    assert lines[0]["msg"] == 'calling https://hooks.example/[redacted] with {"s": "[redacted]"}'
    assert "the receiver said: [redacted]" in lines[1]["exc"]


def test_audit_export_redacts_an_event_stored_before_redaction_and_flags_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    secret = "whsec-SECRET-1f2e3d4c"

    async def an_older_release_wrote() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with create_sessionmaker(engine).begin() as session:  # knew no secrets
                await audit.append(
                    session,
                    kind="publish_failed",
                    actor="signoff",
                    now=utcnow(),
                    detail={"error": f"webhook refused the post (401): secret {secret}"},
                )
        finally:
            await engine.dispose()

    asyncio.run(an_older_release_wrote())
    out = tmp_path / "audit.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "launch.cli", "audit", "export", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": url, "WEBHOOK_SECRET": secret},
    )
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in out.read_text().splitlines()]
    assert secret not in out.read_text()
    assert line["detail"] == {"error": "webhook refused the post (401): secret [redacted]"} and line["redacted"]
