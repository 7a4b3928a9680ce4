"""The cron bodies against the local Slack through a real slack_sdk client and a real database."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.schedules import ScheduleConfig, send_digests
from bot.jobs.upkeep import expire_drafts, send_reminders
from bot.slack.pace import PacedPoster
from launch.local_slack.server import LocalSlack
from storage import config as stored_config
from storage import schedules
from storage.models import Revision
from storage.runs import sha256_hex
from tests.schedules.conftest import MONDAY_0900_UTC as NOW
from tests.schedules.conftest import MovableClock, add_draft

CONFIG = ScheduleConfig(timezone="Europe/Berlin", digest_schedule="weekdays 09:00", pace_s=0.01)


def listed_ids(slack: LocalSlack, channel: str = "C_GENERAL") -> list[int]:
    ids = []
    for message in slack.channel_messages(channel):
        for block in message.blocks:
            if block["type"] == "section" and block["text"]["text"].startswith("*#"):
                ids.append(int(block["text"]["text"][2:].split("*")[0]))
    return ids


async def test_two_workers_sending_digests_at_once_send_one(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    for age in (5, 3, 1):
        await add_draft(sessionmaker, created_at=NOW - timedelta(hours=age))
    results = await asyncio.gather(*(send_digests(client, sessionmaker, clock, CONFIG) for _ in range(2)))
    assert sorted(results) == [[], ["C_GENERAL"]]
    assert len(slack.channel_messages("C_GENERAL")) == 1 and listed_ids(slack) == [1, 2, 3]
    clock.advance(hours=3)
    assert await send_digests(client, sessionmaker, clock, CONFIG) == [], "one digest per local day"


async def test_digest_lists_only_pending_drafts_of_its_channel_before_expiry(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    waiting = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=2))
    for status in ("approved", "skipped", "expired", "generating"):
        await add_draft(sessionmaker, created_at=NOW - timedelta(hours=2), status=status)
    await add_draft(sessionmaker, created_at=NOW, channel="C_OTHER")
    await send_digests(client, sessionmaker, clock, CONFIG)
    assert listed_ids(slack) == [waiting] and listed_ids(slack, "C_OTHER") == [6]


async def test_no_digest_before_nine_local_time_or_at_weekends(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    await add_draft(sessionmaker, created_at=NOW - timedelta(days=1))
    clock.now = datetime(2026, 3, 2, 7, 59)  # 08:59 in Berlin
    assert await send_digests(client, sessionmaker, clock, CONFIG) == []
    clock.now = datetime(2026, 3, 7, 10, 0)  # Saturday
    assert await send_digests(client, sessionmaker, clock, CONFIG) == []
    assert slack.channel_messages("C_GENERAL") == []


async def test_the_repeated_hour_in_autumn_sends_one_digest(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    await add_draft(sessionmaker, created_at=datetime(2026, 10, 24, 12, 0))
    config = replace(CONFIG, digest_schedule="daily 02:30")
    for utc in (datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30)):  # 02:30 CEST, 02:30 CET
        clock.now = utc
        await send_digests(client, sessionmaker, clock, config)
    assert len(slack.channel_messages("C_GENERAL")) == 1


async def test_all_clear_only_when_configured(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    quiet = replace(CONFIG, digest_channels=("C_QUIET",))
    assert await send_digests(client, sessionmaker, clock, quiet) == ["C_QUIET"]
    assert slack.channel_messages("C_QUIET") == []
    clock.advance(days=1)
    await send_digests(client, sessionmaker, clock, replace(quiet, all_clear=True))
    (message,) = slack.channel_messages("C_QUIET")
    assert message.text == "All clear: no drafts are waiting for approval."


async def test_a_channel_can_switch_its_digest_off(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    await add_draft(sessionmaker, created_at=NOW - timedelta(hours=5))
    async with sessionmaker.begin() as session:
        await schedules.set_channel_config(
            session, channel_id="C_GENERAL", value={"schedule": "off"}, user_id="U_ALICE", now=NOW
        )
    assert await send_digests(client, sessionmaker, clock, CONFIG) == []


async def test_a_429_during_a_large_digest_is_waited_out_and_nothing_is_dropped(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    for n in range(100):
        await add_draft(sessionmaker, created_at=NOW - timedelta(hours=50, minutes=-n))
    # More 429s in a row than slack_sdk's own handler retries, so our pacing loop waits too.
    slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "0"}, times=5)
    poster = PacedPoster(client, pace_s=0.01)
    assert await send_digests(client, sessionmaker, clock, CONFIG, poster=poster) == ["C_GENERAL"]
    assert poster.waited_for_rate_limit == 1
    assert len(slack.channel_messages("C_GENERAL")) == 3
    assert listed_ids(slack) == list(range(1, 101))


async def test_a_refused_digest_is_retried_after_its_lease_without_repeating_sent_parts(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    for n in range(60):
        await add_draft(sessionmaker, created_at=NOW - timedelta(hours=5, minutes=-n))
    slack.fail_next("chat.postMessage", status=200, body={"ok": False, "error": "fatal_error"})
    assert await send_digests(client, sessionmaker, clock, CONFIG) == []
    clock.advance(minutes=5)
    assert await send_digests(client, sessionmaker, clock, CONFIG) == [], "claim still held"
    clock.advance(minutes=6)
    assert await send_digests(client, sessionmaker, clock, CONFIG) == ["C_GENERAL"]
    assert listed_ids(slack) == list(range(1, 61)) and len(slack.channel_messages("C_GENERAL")) == 2


async def test_reminders_reach_each_approver_once_per_draft_and_threshold(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    config = replace(CONFIG, reminder_after_h=(4, 24), approvers=("U_ALICE", "U_BOB"))
    old = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=5))
    young = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=1))
    assert await send_reminders(client, sessionmaker, clock, config) == {"U_ALICE": [old], "U_BOB": [old]}
    assert await send_reminders(client, sessionmaker, clock, config) == {}
    clock.advance(hours=20)
    assert await send_reminders(client, sessionmaker, clock, config) == {"U_ALICE": [old, young], "U_BOB": [old, young]}
    clock.advance(hours=1)
    assert await send_reminders(client, sessionmaker, clock, config) == {}
    assert len(slack.channel_messages("DU_ALICE")) == 2 and len(slack.channel_messages("DU_BOB")) == 2


async def test_an_expired_draft_message_loses_its_buttons_and_says_so(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    posted = await client.chat_postMessage(
        channel="C_GENERAL", text="draft", blocks=[{"type": "actions", "elements": []}]
    )
    draft_id = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=73), message_ts=posted["ts"])
    async with sessionmaker.begin() as session:
        session.add(
            Revision(
                draft_id=draft_id,
                number=1,
                text="hello",
                sha256=sha256_hex("hello"),
                author="pipeline",
                details={},
                created_at=NOW,
            )
        )
    assert await expire_drafts(client, sessionmaker, clock, CONFIG) == [draft_id]
    message = slack.messages[("C_GENERAL", posted["ts"])]
    # The decision buttons are gone; only Regenerate (to revive it) remains.
    assert [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]] == [
        "signoff_regenerate"
    ]
    assert "Expired" in str(message.blocks)
    assert await expire_drafts(client, sessionmaker, clock, CONFIG) == []


async def test_reminders_go_to_the_approvers_chosen_in_slack_when_there_are_some(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    config = replace(CONFIG, reminder_after_h=(4,), approvers=("U_ALICE",))
    async with sessionmaker.begin() as session:
        await stored_config.set_value(
            session, scope="T_LOCAL", key="approvers", value=["U_CAROL"], user_id="U_ADMIN", now=NOW
        )
    old = await add_draft(sessionmaker, created_at=NOW - timedelta(hours=5))
    assert await send_reminders(client, sessionmaker, clock, config) == {"U_CAROL": [old]}
