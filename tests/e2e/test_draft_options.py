"""`/draft` options and limits: --to, --at, the per-user rate limit, invisible characters."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import Draft, Publication
from tests.e2e.conftest import shows, wait_for_draft


async def _drafts(database_url: str, model=Draft) -> list[Any]:  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        rows = list(await session.scalars(select(model)))
    await engine.dispose()
    return rows


async def test_to_picks_destinations_for_one_request(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, signoff_destinations=["dryrun", "linkedin"]
    ) as stack:
        reply = await stack.user("U_CAROL").slash("/draft", "only a dry run --to dryrun")
        assert "drafting #1" in reply.json()["text"] and "Destinations: dryrun." in reply.json()["text"]
        refused = await stack.user("U_CAROL").slash("/draft", "somewhere else --to myspace")
        assert "myspace is not one of them" in refused.json()["text"]
    (draft,) = await _drafts(database_url)
    assert draft.destinations == ["dryrun"] and draft.topic == "only a dry run"


async def test_at_schedules_the_publication_and_it_can_be_cancelled(stack: LocalStack, database_url: str) -> None:
    reply = await stack.user("U_CAROL").slash("/draft", 'launch post --at "in 2h"')
    assert (
        "drafting #1" in reply.json()["text"] and "Once approved it will be published <!date^" in reply.json()["text"]
    )
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Publishes"), 10)
    await asyncio.sleep(1.5)  # several outbox sweeps: nothing is published before its time
    assert await _drafts(database_url, Publication) == []
    cancelled = await stack.user("U_ALICE").slash("/signoff", "cancel 1")
    assert "will not be published" in cancelled.json()["text"]
    (row,) = await _drafts(database_url)
    assert row.status == "skipped"


async def test_a_time_that_cannot_be_read_is_explained(stack: LocalStack) -> None:
    reply = await stack.user("U_CAROL").slash("/draft", 'post --at "whenever"')
    assert "`--at`" in reply.json()["text"] and "could not read" in reply.json()["text"]


async def test_too_many_drafts_in_an_hour_get_a_friendly_refusal(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, run_worker=False, signoff_drafts_per_hour=2
    ) as stack:
        carol = stack.user("U_CAROL")
        for topic in ("one", "two"):
            assert "drafting" in (await carol.slash("/draft", topic)).json()["text"]
        third = await carol.slash("/draft", "three")
        assert "limit here" in third.json()["text"]
        assert "drafting" in (await stack.user("U_BOB").slash("/draft", "bob's first")).json()["text"]
    assert len(await _drafts(database_url)) == 3


async def test_topic_with_direction_changing_characters_is_refused(stack: LocalStack, database_url: str) -> None:
    reply = await stack.user("U_CAROL").slash("/draft", "innocent \u202etxet desrever")
    assert "U+202E" in reply.json()["text"]
    ok = await stack.user("U_CAROL").slash("/draft", "family 👨‍👩‍👧 emoji are fine")
    assert "drafting #1" in ok.json()["text"]
    assert len(await _drafts(database_url)) == 1


async def test_schedule_button_approves_now_and_publishes_later(stack: LocalStack, database_url: str) -> None:
    await stack.user("U_CAROL").slash("/draft", "announce it on Monday")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.SCHEDULE)
    (modal,) = await stack.slack.wait_for(lambda: stack.slack.views, 10)
    refused = await stack.user("U_ALICE").submit_view(modal, {"when": "whenever"})
    assert "could not read" in refused.json()["errors"]["when"]
    accepted = await stack.user("U_ALICE").submit_view(modal, {"when": "in 3h"})
    assert accepted.status == 200 and accepted.body == ""
    await stack.slack.wait_for(lambda: shows(draft, "Publishes"), 10)
    (row,) = await _drafts(database_url)
    assert row.status == "approved" and row.publish_at is not None and row.decided_by == "U_ALICE"
    assert await _drafts(database_url, Publication) == []
