"""Helpers for schedule tests: drafts written straight into a real database, a clock tests move,
and the local Slack with a real slack_sdk client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack.client import build_slack_client
from launch.local_slack.server import LocalSlack
from storage.models import Draft
from storage.redaction import Redactor
from tests.leak_check import nothing_secret_leaks  # noqa: F401  (autouse: checked after every test here)

MONDAY_0900_UTC = datetime(2026, 3, 2, 9, 0)


class MovableClock:
    """Naive UTC that a test sets or advances; nothing sleeps."""

    def __init__(self, now: datetime = MONDAY_0900_UTC) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    server = LocalSlack()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def client(slack: LocalSlack) -> AsyncWebClient:
    return build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor([slack.bot_token]))


async def add_draft(  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    created_at: datetime,
    channel: str = "C_GENERAL",
    status: str = "pending",
    topic: str = "a topic",
    requester: str = "U_CAROL",
    destinations: list[str] | None = None,
    **values,
) -> int:
    async with sessionmaker.begin() as session:
        draft = Draft(
            channel_id=channel,
            requester_id=requester,
            topic=topic,
            status=status,
            destinations=destinations or ["dryrun"],
            version=1,
            current_revision=1,
            created_at=created_at,
            updated_at=created_at,
            **values,
        )
        session.add(draft)
        await session.flush()
        return draft.id
