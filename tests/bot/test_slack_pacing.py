"""Slack calls are paced by one budget per limit, kept in a real Redis and shared by every client and
process; a 429 pushes the limit's next turn for everyone; optional calls never wait; updates of
one message waiting for the same turn go once, with the latest state.

Sleeps are recorded instead of slept: what is checked is the schedule the pacer hands out (turns
ten seconds apart, so the few milliseconds the test itself takes cannot blur it), not timing.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.slack.budget import Rate, budget_for, tier_rate
from bot.slack.client import build_slack_client, pacer_of
from bot.slack.pacer import CallSkipped, Pacer, optional
from launch.local_slack.server import LocalSlack
from storage.redaction import Redactor

ROOT = Path(__file__).resolve().parents[2]
SLOW = Rate(per_s=0.1, burst=1)  # a turn every 10 s


def slow_budget(method: str, channel: str | None) -> tuple[str, Rate]:
    return (f"post:{channel}" if channel else method), SLOW


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def pacer(redis: Redis, sleep: Recorder, prefix: str) -> Pacer:
    return Pacer(redis, prefix=prefix, budget=slow_budget, sleep=sleep)


async def test_two_clients_share_one_budget_and_take_turns_in_order(redis_url: str) -> None:
    prefix = "test:" + secrets.token_hex(4)
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    a_sleep, b_sleep = Recorder(), Recorder()
    a, b = pacer(first, a_sleep, prefix), pacer(second, b_sleep, prefix)
    try:
        for _ in range(2):
            await a.turn("W", "chat.postMessage", "C1")
            await b.turn("W", "chat.postMessage", "C1")
    finally:
        await first.aclose()
        await second.aclose()
    # The first turn is free; each next one is a full interval after the one before, whoever took it.
    schedule = [round(w) for w in sorted(a_sleep.waits + b_sleep.waits)]
    assert schedule == [10, 20, 30]
    assert a.stats.turns == b.stats.turns == 2


async def test_another_process_spends_from_the_same_budget(redis: Redis, redis_url: str) -> None:
    prefix = "test:" + secrets.token_hex(4)
    script = textwrap.dedent(f"""
        import asyncio, json
        from redis.asyncio import Redis
        from bot.slack.budget import Rate
        from bot.slack.pacer import Pacer
        waits = []
        async def record(seconds):
            waits.append(seconds)
        async def main():
            redis = Redis.from_url({redis_url!r})
            pacer = Pacer(redis, prefix={prefix!r}, sleep=record,
                          budget=lambda method, channel: ("post:" + channel, Rate(per_s=0.1, burst=1)))
            for _ in range(2):
                await pacer.turn("W", "chat.postMessage", "C1")
            await redis.aclose()
            print(json.dumps(waits))
        asyncio.run(main())
    """)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    assert child.returncode == 0
    theirs = json.loads(out)
    mine = Recorder()
    await pacer(redis, mine, prefix).turn("W", "chat.postMessage", "C1")
    # Their two turns took the first two slots (0 s and 10 s): ours is the third.
    assert [round(w) for w in theirs] == [10] and [round(w) for w in mine.waits] == [20]


async def test_channels_and_workspaces_have_budgets_of_their_own(redis: Redis) -> None:
    sleep = Recorder()
    paced = pacer(redis, sleep, "test:" + secrets.token_hex(4))
    for workspace, channel in (("W", "C1"), ("W", "C2"), ("V", "C1")):
        await paced.turn(workspace, "chat.postMessage", channel)
    assert sleep.waits == []


async def test_a_429_holds_everyone_back_until_retry_after(redis: Redis) -> None:
    sleep = Recorder()
    paced = pacer(redis, sleep, "test:" + secrets.token_hex(4))
    await paced.back_off("W", "chat.update", None, 30)
    await paced.turn("W", "chat.update", None)
    assert [round(w) for w in sleep.waits] == [30]


async def test_an_optional_call_goes_only_when_its_limit_is_idle(redis: Redis) -> None:
    sleep = Recorder()
    paced = pacer(redis, sleep, "test:" + secrets.token_hex(4))
    await paced.turn("W", "chat.update", None, optional=True)  # idle: it goes
    with pytest.raises(CallSkipped):
        await paced.turn("W", "chat.update", None, optional=True)
    async with optional():  # the same, as progress phrases say it; the skip is quiet
        await paced.turn("W", "chat.update", None)
    assert sleep.waits == [] and paced.stats.skipped == 2
    await paced.turn("W", "chat.update", None)  # a call that must go waits its turn instead
    assert [round(w) for w in sleep.waits] == [10]


async def test_updates_of_one_message_waiting_together_go_once_with_the_latest_state(redis: Redis) -> None:
    slack = LocalSlack(bot_token="xoxb-local-" + secrets.token_hex(6))
    await slack.start()
    try:
        paced = Pacer(
            redis, prefix="test:" + secrets.token_hex(4), budget=slow_budget, sleep=lambda seconds: asyncio.sleep(0.05)
        )
        client = build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor(), pacer=paced)
        posted = await client.chat_postMessage(channel="C1", text="Drafting…")
        answers = await asyncio.gather(
            *(client.chat_update(channel="C1", ts=posted["ts"], text=f"step {i}") for i in range(5))
        )
    finally:
        await slack.stop()
    assert all(answer["ok"] for answer in answers)
    assert len(slack.calls_to("chat.update")) < 5 and paced.stats.coalesced >= 1
    assert slack.messages[("C1", posted["ts"])].text == "step 4"


async def test_bolts_per_request_clients_find_the_pacer_through_the_retry_handlers(redis: Redis) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    paced = Pacer(redis)
    ours = build_slack_client("xoxb-x", "http://127.0.0.1:9/api/", redactor=Redactor(), pacer=paced)
    # What Bolt does for every request: a plain client with a copy of the app client's retry handlers.
    per_request = AsyncWebClient(token=ours.token, base_url=ours.base_url, retry_handlers=ours.retry_handlers.copy())
    assert pacer_of(per_request) is paced
    assert pacer_of(build_slack_client("xoxb-x", "http://127.0.0.1:9/api/", redactor=Redactor())) is None


def test_the_budget_follows_slacks_published_limits() -> None:
    assert budget_for("chat.postMessage", "C1") == ("post:C1", Rate(per_s=1.0, burst=1))
    assert budget_for("chat.postMessage", "C1")[0] != budget_for("chat.postMessage", "C2")[0]
    assert budget_for("chat.update", "C1") == ("chat.update", tier_rate(3))
    assert tier_rate(3).burst == 50 and round(tier_rate(3).per_s * 60) == 50
    assert budget_for("views.publish", None) == ("views.publish", tier_rate(4))
    assert budget_for("some.newMethod", None)[1] == tier_rate(2)  # unknown: assumed strict
