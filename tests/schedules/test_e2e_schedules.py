"""Schedules through the real stack: bot server, arq worker with its cron jobs, Redis, database,
local Slack. The worker's clock is injected; restarting the worker runs its cron jobs at once."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids
from bot.queue import QUEUE_NAME, connect
from launch import worker_runner
from launch.local_slack.stack import LocalStack
from storage import decisions, queries, scheduled_publish, schedules
from storage.clock import utcnow
from storage.db import create_engine, create_sessionmaker
from storage.models import Draft, Publication
from tests.e2e.conftest import shows, wait_for_draft


@pytest.fixture
async def stack(database_url: str, redis_url: str) -> AsyncIterator[LocalStack]:
    # Digests off by default, so a cron tick in the middle of a test sends nothing unasked.
    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE",),
        signoff_sweep_interval_s=0.5,
        signoff_digest_schedule="off",
    ) as running:
        yield running


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def restart_worker(stack: LocalStack, *, ahead: timedelta = timedelta(0)) -> None:
    """Stop the worker and start a new one whose clock runs `ahead` of real time."""
    from worker import build_worker

    await stack.stop_worker()
    assert stack.settings is not None
    stack.worker = build_worker(
        stack.settings, connect(stack.redis_url), ctx={"settings": stack.settings, "clock": lambda: utcnow() + ahead}
    )
    stack._worker_task = worker_runner.start(stack.worker)


async def run_minutely_cron(stack: LocalStack) -> None:
    """Ask the running worker for its minutely cron job now, instead of waiting for second 0."""
    redis = connect(stack.redis_url)
    await redis.enqueue_job("cron:schedules_minutely", _queue_name=QUEUE_NAME)
    await redis.aclose()


async def test_a_digest_lists_exactly_the_pending_drafts_with_their_thread_permalinks(
    stack: LocalStack, db: async_sessionmaker[AsyncSession]
) -> None:
    for topic in ("first topic", "second topic", "third topic"):
        await stack.user("U_CAROL").slash("/draft", topic)
    drafts = [await wait_for_draft(stack.slack, n) for n in (1, 2, 3)]
    await stack.user("U_ALICE").click(drafts[1], action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(drafts[1], "Published"), 15)
    async with db.begin() as session:
        await schedules.set_channel_config(
            session, channel_id="C_GENERAL", value={"schedule": "daily 00:00"}, user_id="U_ALICE", now=utcnow()
        )
    await run_minutely_cron(stack)
    digest = await stack.slack.wait_for(
        lambda: [m for m in stack.slack.channel_messages("C_GENERAL") if "waiting for approval" in m.text], 30
    )
    assert len(digest) == 1 and digest[0].text == "2 drafts are waiting for approval"
    links = [
        b["text"]["text"].split("\n")[0]
        for b in digest[0].blocks
        if b["type"] == "section" and b["text"]["text"].startswith("*#")
    ]
    expected = [
        f"*#{n + 1}* <https://local.slack/archives/C_GENERAL/p{drafts[n].thread_ts.replace('.', '')}|{t}>"  # type: ignore[union-attr]
        for n, t in ((0, "first topic"), (2, "third topic"))
    ]
    assert links == expected


async def test_an_expired_draft_loses_its_buttons_and_cannot_be_approved(
    stack: LocalStack, db: async_sessionmaker[AsyncSession]
) -> None:
    await stack.user("U_CAROL").slash("/draft", "too late")
    draft = await wait_for_draft(stack.slack)
    as_shown = copy.deepcopy(draft)  # the rendering an approver still has on screen
    async with db.begin() as session:
        await session.execute(update(Draft).values(expires_at=utcnow() - timedelta(seconds=1)))
    await run_minutely_cron(stack)
    await stack.slack.wait_for(lambda: shows(draft, "Expired"), 30)
    # The decision buttons are gone; only Regenerate (to revive it) remains.
    assert [e["action_id"] for b in draft.blocks if b["type"] == "actions" for e in b["elements"]] == [
        "signoff_regenerate"
    ]
    await stack.user("U_ALICE").click(as_shown, action_ids.APPROVE)
    (refusal,) = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
    assert refusal["text"] == "Draft #1 is expired; nothing to decide."
    async with db() as session:
        assert (await session.get(Draft, 1)).status == "expired"  # type: ignore[union-attr]


async def test_a_scheduled_publish_fires_once_after_a_worker_restart(
    stack: LocalStack, db: async_sessionmaker[AsyncSession]
) -> None:
    await stack.user("U_CAROL").slash("/draft", "publish me later")
    draft = await wait_for_draft(stack.slack)
    await stack.stop_worker()
    async with db.begin() as session:
        draft_row = await session.get(Draft, 1)
        assert draft_row is not None
        current = await queries.current_revision(session, draft_row)
        assert current is not None
        assert (
            await decisions.approve(
                session, draft_id=1, revision=current.number, sha256=current.sha256, user_id="U_ALICE", now=utcnow()
            )
        ).ok
        assert await scheduled_publish.schedule(
            session, draft_id=1, publish_at=utcnow() + timedelta(hours=1), user_id="U_ALICE", now=utcnow()
        )
    await restart_worker(stack)  # not due yet
    await asyncio.sleep(1.0)
    async with db() as session:
        assert list(await session.scalars(select(Publication))) == []
    await restart_worker(stack, ahead=timedelta(hours=2))  # the clock has passed publish_at
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 20)
    await restart_worker(stack, ahead=timedelta(hours=3))
    await asyncio.sleep(1.0)
    async with db() as session:
        (publication,) = await session.scalars(select(Publication))
        assert publication.status == "published" and (await session.get(Draft, 1)).status == "published"  # type: ignore[union-attr]
