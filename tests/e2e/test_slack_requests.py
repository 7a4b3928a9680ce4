"""Requests that must be refused or answered without changing anything."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select

from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import Draft


async def _draft_count(database_url: str) -> int:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        count = (await session.execute(select(func.count()).select_from(Draft))).scalar_one()
    await engine.dispose()
    return count


@pytest.mark.parametrize("how", ["forged", "stale", "future"])
async def test_badly_signed_slash_command_is_refused_and_changes_nothing(
    stack: LocalStack, database_url: str, how: str
) -> None:
    user = stack.user("U_CAROL")
    if how == "forged":
        reply = await user.slash("/draft", "sneaky", secret="not-the-signing-secret")
    else:
        offset = -400 if how == "stale" else 400
        reply = await user.slash("/draft", "sneaky", timestamp=int(time.time()) + offset)
    assert reply.status == 401
    assert await _draft_count(database_url) == 0


async def test_request_without_signature_headers_is_refused(stack: LocalStack, database_url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.post(
            stack.bot_url + "/slack/events",
            content=b"command=%2Fdraft&text=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 401
    assert await _draft_count(database_url) == 0


@pytest.mark.parametrize(
    "text, expected",
    [("", "Tell me what to write about"), ("   \t ", "Tell me what to write about"), ("x" * 501, "the limit is 500")],
)
async def test_bad_topics_get_an_ephemeral_explanation(
    stack: LocalStack, database_url: str, text: str, expected: str
) -> None:
    reply = await stack.user("U_CAROL").slash("/draft", text)
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral" and expected in body["text"]
    assert await _draft_count(database_url) == 0


async def test_unknown_command_gets_the_usage(stack: LocalStack) -> None:
    reply = await stack.user("U_CAROL").slash("/dratf", "typo")
    assert reply.status == 200 and "don't know the command" in reply.json()["text"]


async def test_any_free_text_works_as_a_topic(stack: LocalStack, database_url: str) -> None:
    topic = "Ünïcödé 🚀 <!channel> & \"quotes\" 'single' `code` ; DROP TABLE drafts; --"
    reply = await stack.user("U_CAROL").slash("/draft", topic)
    assert reply.status == 200 and "drafting #1" in reply.json()["text"]
    assert "<!channel>" not in reply.json()["text"]
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        (row,) = (await session.scalars(select(Draft))).all()
    await engine.dispose()
    assert row.topic == topic


async def test_healthz_reports_database_and_redis(stack: LocalStack) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.get(stack.bot_url + "/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True and response.json()["redis"] is True


async def test_an_oversized_request_body_is_refused_before_any_work(stack: LocalStack, database_url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.post(
            stack.bot_url + "/slack/events",
            content=b"text=" + b"x" * (2 * 1024 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 413
    assert await _draft_count(database_url) == 0
