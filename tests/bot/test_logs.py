from __future__ import annotations

import asyncio
import io
import json
import logging

from bot import log_context
from bot.logs import JsonFormatter, RedactingFilter
from storage.redaction import Redactor


def _logger(stream: io.StringIO, secrets: tuple[str, ...] = ()) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(log_context.ContextFilter())
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def test_json_lines_carry_the_context_of_the_job() -> None:
    stream = io.StringIO()
    logger = _logger(stream)

    async def job(draft_id: int) -> None:
        log_context.bind(draft_id=draft_id, run_id=draft_id * 10)
        await asyncio.sleep(0)
        logger.info("working on %s", draft_id)

    async def both() -> None:
        await asyncio.gather(job(1), job(2))

    asyncio.run(both())
    lines = sorted((json.loads(line) for line in stream.getvalue().splitlines()), key=lambda e: e["draft_id"])
    assert [(e["draft_id"], e["run_id"], e["msg"]) for e in lines] == [(1, 10, "working on 1"), (2, 20, "working on 2")]


def test_tokens_and_configured_secrets_are_redacted() -> None:
    stream = io.StringIO()
    logger = _logger(stream, secrets=("hunter2-webhook-secret",))
    bot_token = "xox" + "b-1234-5678-abcdef"  # built here so no token-shaped literal sits in the repo
    logger.info("calling with %s and Bearer abcdefghijklmnop and %s", bot_token, "hunter2-webhook-secret")
    try:
        raise ValueError("token xapp-1-A0-secretvalue")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    for secret in ("xoxb-1234", "abcdefghijklmnop", "hunter2-webhook-secret", "xapp-1-A0"):
        assert secret not in text
    assert text.count("[redacted]") >= 4
