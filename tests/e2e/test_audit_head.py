"""The audit chain's head goes to SIGNOFF_AUDIT_CHANNEL once a day, whatever the number of workers,
and says what `signoff audit verify` says."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from arq.jobs import Job
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.audit_post import post_chain_head
from bot.queue import QUEUE_NAME, connect
from bot.slack.client import build_slack_client
from launch import worker_runner
from launch.local_slack.stack import LocalStack
from storage import audit
from storage.clock import utcnow
from storage.redaction import Redactor
from tests.bot.processes import signoff
from tests.e2e.conftest import wait_for_draft

HEAD = re.compile(r"Head #(\d+) `([0-9a-f]{64})`")


class MovableClock:
    """Real time passing, seen from noon of today (UTC), moved forward by whole days on request."""

    def __init__(self) -> None:
        now = utcnow()
        self.offset = now.replace(hour=12, minute=0, second=0, microsecond=0) - now

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def next_day(self) -> None:
        self.offset += timedelta(days=1)


async def _cron_on_every_worker(redis_url: str, times: int) -> None:
    """Ask for the cron job `times` at once (as several workers' cron ticks would) and wait until
    each has run (cron jobs keep no result: a finished one has left the queue)."""
    redis = connect(redis_url)
    try:
        jobs: list[Job | None] = [
            await redis.enqueue_job("cron:audit_chain_head", _queue_name=QUEUE_NAME) for _ in range(times)
        ]
        for job in jobs:
            assert job is not None
            async with asyncio.timeout(30):
                while await redis.zscore(QUEUE_NAME, job.job_id) is not None:
                    await asyncio.sleep(0.05)
    finally:
        await redis.aclose()


async def test_two_workers_post_the_head_once_a_day_and_verify_agrees(database_url: str, redis_url: str) -> None:
    from worker import build_worker

    clock = MovableClock()
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, run_worker=False, signoff_audit_channel="C_AUDIT"
    ) as stack:
        await stack.user("U_CAROL").slash("/draft", "audited")
        assert stack.settings is not None
        workers = [
            build_worker(stack.settings, connect(redis_url), ctx={"settings": stack.settings, "clock": clock})
            for _ in range(2)
        ]
        mains = [worker_runner.start(w) for w in workers]
        try:
            await wait_for_draft(stack.slack)
            # Both workers asked at start; then every worker's tick, several times, the same day.
            await stack.slack.wait_for(lambda: stack.slack.channel_messages("C_AUDIT"), 20)
            await _cron_on_every_worker(redis_url, 4)
            assert len(stack.slack.channel_messages("C_AUDIT")) == 1

            clock.next_day()
            await _cron_on_every_worker(redis_url, 4)
            first, second = stack.slack.channel_messages("C_AUDIT")
        finally:
            for worker, main in zip(workers, mains, strict=False):
                await worker_runner.stop(worker, main)

    today, tomorrow = clock().date() - timedelta(days=1), clock().date()
    assert f"audit chain, {today.isoformat()}" in first.text
    assert f"audit chain, {tomorrow.isoformat()}" in second.text and "intact" in second.text
    seq, head = HEAD.search(second.text).groups()  # type: ignore[union-attr]
    verified = await asyncio.to_thread(signoff, "audit", "verify", DATABASE_URL=database_url)
    assert verified.returncode == 0, verified.stderr
    assert f"{seq} events, head #{seq} {head}" in verified.stdout
    assert int(seq) >= 2  # /draft's request and the worker's draft are in the posted head


async def test_a_post_slack_refuses_is_sent_again_once_its_claim_lapses(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    client = build_slack_client(stack.slack.bot_token, stack.slack.api_url, redactor=Redactor())
    day = datetime(2026, 11, 23, 0, 5)
    stack.slack.fail_next("chat.postMessage", status=200, body={"ok": False, "error": "not_in_channel"})
    assert await post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day) is False
    assert stack.slack.channel_messages("C_AUDIT") == []
    later = day + timedelta(minutes=5)
    assert await post_chain_head(client, sessionmaker, channel="C_AUDIT", now=later) is False  # still claimed
    assert await post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day + timedelta(minutes=11)) is True
    (posted,) = stack.slack.channel_messages("C_AUDIT")
    async with sessionmaker() as session:
        report = await audit.verify(session)
    assert f"Head #{report.events} `{report.head}`" in posted.text


async def test_concurrent_posts_of_one_day_make_one_message(
    stack: LocalStack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    client = build_slack_client(stack.slack.bot_token, stack.slack.api_url, redactor=Redactor())
    day = datetime(2026, 11, 23, 0, 5)
    results = await asyncio.gather(
        *(post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day) for _ in range(3))
    )
    assert sorted(results) == [False, False, True]
    assert len(stack.slack.channel_messages("C_AUDIT")) == 1
    assert await post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day.replace(hour=23)) is False
