"""Slack's rate limits, met end to end: the local Slack enforces them as Slack does (429,
Retry-After, "ratelimited"); a burst of drafts paced by Signoff meets none; and when Slack is
stricter than Signoff's budget, the 429s it answers are waited out without failing a job."""

from __future__ import annotations

import secrets

import aiohttp
from sqlalchemy import func, select

from launch.local_slack.rate_limits import SlackLimits
from launch.local_slack.server import LocalSlack
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import Draft, OutboxJob
from tests.e2e.conftest import wait_for_draft


async def test_the_local_slack_answers_over_the_limit_as_slack_does() -> None:
    slack = LocalSlack(bot_token="xoxb-local-" + secrets.token_hex(6), rate_limits=SlackLimits(post_burst=2))
    await slack.start()
    headers = {"Authorization": f"Bearer {slack.bot_token}"}
    try:
        async with aiohttp.ClientSession() as http:

            async def post(channel: str) -> aiohttp.ClientResponse:
                async with http.post(
                    slack.api_url + "chat.postMessage", headers=headers, json={"channel": channel, "text": "hello"}
                ) as response:
                    await response.read()
                    return response

            answers = [await post("C1") for _ in range(3)]
            other_channel = await post("C2")
            async with http.post(
                slack.api_url + "chat.postMessage", headers=headers, data={"channel": "C1", "text": "as a form"}
            ) as form:
                form_body = await form.json()
            over = answers[2]
            async with http.post(
                slack.api_url + "chat.postMessage", headers=headers, json={"channel": "C1", "text": "again"}
            ) as response:
                body = await response.json()
    finally:
        await slack.stop()
    assert [a.status for a in answers] == [200, 200, 429] and other_channel.status == 200
    assert over.headers["Retry-After"] == "1" and body == {"ok": False, "error": "ratelimited"}
    assert form_body == {"ok": False, "error": "ratelimited"}  # the channel is found in a form body too
    assert [r.method for r in slack.rate_limits.refused] == ["chat.postMessage"] * 3  # type: ignore[union-attr]
    assert len(slack.calls_to("chat.postMessage")) == 3  # a refused call is not served


async def _jobs(database_url: str) -> tuple[int, int, int]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            retried = await session.scalar(select(func.count()).where(OutboxJob.attempt > 1))
            failed = await session.scalar(select(func.count()).where(Draft.status == "failed"))
            drafts = await session.scalar(select(func.count()).select_from(Draft))
        return int(retried or 0), int(failed or 0), int(drafts or 0)
    finally:
        await engine.dispose()


async def test_a_burst_of_drafts_in_one_channel_meets_no_429(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, rate_limits=SlackLimits()) as stack:
        carol = stack.user("U_CAROL")
        for i in range(4):
            await carol.slash("/draft", f"release notes part {i}")
        for n in range(1, 5):
            await wait_for_draft(stack.slack, n, timeout_s=30)
        assert stack.slack.rate_limits is not None and stack.slack.rate_limits.refused == []
    assert await _jobs(database_url) == (0, 0, 4)


async def test_429s_from_a_stricter_slack_are_waited_out_without_failing_a_job(
    database_url: str, redis_url: str
) -> None:
    # One post every 2 s per channel and no burst: Signoff's budget (1 a second) runs into it.
    strict = SlackLimits(post_per_s=0.5, post_burst=1)
    async with LocalStack(database_url=database_url, redis_url=redis_url, rate_limits=strict) as stack:
        carol = stack.user("U_CAROL")
        await carol.slash("/draft", "release notes for 2.4")
        await carol.slash("/draft", "release notes for 2.5")
        first, second = await wait_for_draft(stack.slack, 1, 40), await wait_for_draft(stack.slack, 2, 40)
        assert strict.refused and {r.method for r in strict.refused} == {"chat.postMessage"}
        assert all(r.retry_after_s >= 1 for r in strict.refused)
        assert first.thread_ts and second.thread_ts
    # Each 429 was waited out inside the call: no job was tried again, none failed.
    assert await _jobs(database_url) == (0, 0, 2)
