"""Nothing is lost: a dead or stalled Redis, a duplicate job, a worker killed mid-run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.queue import Queue, connect
from launch.local_slack.server import LocalSlack
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxJob
from storage.outbox import QueuedJob
from storage.states import JobName
from tests.e2e.conftest import stack_with_a_silent_model, wait_for_draft
from tests.e2e.fake_llm import FakeLLM


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class StalledRedis:
    """Accepts connections and never answers: the worst kind of Redis outage."""

    def __init__(self) -> None:
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> str:
        async def hold(reader, writer) -> None:  # type: ignore[no-untyped-def]
            await asyncio.sleep(60)

        self.server = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{self.port}/0"

    async def stop(self) -> None:
        if self.server:
            self.server.close()


def _threads(slack: LocalSlack) -> list[Any]:
    return [m for m in slack.messages.values() if m.thread_ts]


async def test_draft_requested_while_redis_is_down_appears_once_redis_is_back(
    database_url: str, redis_url: str
) -> None:
    stack = LocalStack(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{_dead_port()}/0",
        run_worker=False,
        signoff_sweep_interval_s=0.3,
    )
    async with stack:
        reply = await stack.user("U_CAROL").slash("/draft", "written while Redis was down")
        assert reply.status == 200 and "drafting #1" in reply.json()["text"]
        stack.redis_url = redis_url  # Redis is back; a worker starts and its sweep finds the request
        await stack.start_worker()
        draft = await wait_for_draft(stack.slack, timeout_s=20)
        assert draft.thread_ts is not None
        assert "written while Redis was down" in str(stack.slack.messages[(draft.channel, draft.thread_ts)].blocks)
        await asyncio.sleep(1.0)  # several more sweeps: still exactly one draft
        assert len(_threads(stack.slack)) == 1


async def test_a_stalled_redis_does_not_delay_the_acknowledgement(database_url: str) -> None:
    stalled = StalledRedis()
    url = await stalled.start()
    try:
        async with LocalStack(database_url=database_url, redis_url=url, run_worker=False) as stack:
            reply = await stack.user("U_CAROL").slash("/draft", "Redis hangs")
            # Bolt answers 404 when a listener has not acked within 3 s; a 200 with our text means it did.
            assert reply.status == 200 and "drafting #1" in reply.json()["text"]
            engine = create_engine(database_url)
            async with create_sessionmaker(engine)() as session:
                job = await session.get(OutboxJob, 1)
            await engine.dispose()
            assert job is not None and job.status == "pending", "the request is durable before the ack"
    finally:
        await stalled.stop()


async def test_a_job_delivered_twice_posts_one_draft(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, run_worker=False) as stack:
        await stack.user("U_CAROL").slash("/draft", "at least once")
        queue = Queue(connect(redis_url))
        await queue.enqueue(QueuedJob(JobName.run_draft, 1, "duplicate-delivery-a"))
        await queue.enqueue(QueuedJob(JobName.run_draft, 1, "duplicate-delivery-b"))
        await stack.start_worker()
        await wait_for_draft(stack.slack)
        await asyncio.sleep(1.0)
        assert len(_threads(stack.slack)) == 1
        assert len(stack.slack.channel_messages("C_GENERAL")) == 1
        await queue.redis.aclose()


def _worker_process(stack: LocalStack, llm_url: str, log_path: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.redis_url,
        "SLACK_BOT_TOKEN": stack.slack.bot_token,
        "SLACK_SIGNING_SECRET": stack.signing_secret,
        "SLACK_API_URL": stack.slack.api_url,
        "LLM_BASE_URL": llm_url,
        "LLM_API_KEY": "sk-local",
        "SIGNOFF_JOB_LEASE_S": "3",
        "SIGNOFF_SWEEP_INTERVAL_S": "0.5",
        "SIGNOFF_FETCH_TOPIC_URLS": "false",
    }
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "launch.cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen[bytes], log_path: str) -> None:
    """SIGTERM, then the worker's own grace (arq waits up to 10 s for running jobs, the sweep up to
    10 s more); a worker still alive after that is a failure, with its log to show why."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        with open(log_path, encoding="utf-8", errors="replace") as log:
            tail = log.read()[-4000:]
        raise AssertionError(f"the worker did not stop within 30 s of SIGTERM; its log ends:\n{tail}") from None


@contextlib.asynccontextmanager
async def interrupted_run(database_url: str, redis_url: str, topic: str, log_dir):  # type: ignore[no-untyped-def]
    """A worker process whose run is waiting on a model that does not answer; every process it
    and the test start is stopped (while the local Slack still answers) at the end."""
    llm = FakeLLM()
    llm.hold = True
    llm_url = await llm.start()
    processes: list[tuple[subprocess.Popen[bytes], str]] = []

    def start_worker() -> subprocess.Popen[bytes]:
        log_path = str(log_dir / f"worker-{len(processes) + 1}.log")
        processes.append((_worker_process(stack, llm_url, log_path), log_path))
        return processes[-1][0]

    try:
        async with LocalStack(database_url=database_url, redis_url=redis_url, run_worker=False) as stack:
            try:
                first = start_worker()
                await stack.user("U_CAROL").slash("/draft", topic)
                await stack.slack.wait_for(lambda: llm.requests, 30)  # the run is now waiting on the model
                yield stack, first, start_worker
            finally:
                # In a thread: the loop must keep serving the local Slack while the workers stop.
                for process, log_path in processes:
                    await asyncio.to_thread(_stop, process, log_path)
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.kill()
        await llm.stop()


async def test_worker_killed_mid_run_still_yields_exactly_one_draft(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with interrupted_run(database_url, redis_url, "killed in the middle", tmp_path) as (
        stack,
        first,
        start_worker,
    ):
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        start_worker()
        draft = await wait_for_draft(stack.slack, timeout_s=60)
        recovered_s = time.monotonic() - killed_at
        await asyncio.sleep(1.5)
        assert len(_threads(stack.slack)) == 1
        assert len(stack.slack.channel_messages("C_GENERAL")) == 1
        assert "We shipped faster search" in str(draft.blocks)
        print(f"recovered {recovered_s:.1f} s after SIGKILL")


async def test_sigterm_stops_the_worker_cleanly_and_the_run_is_taken_over(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with interrupted_run(database_url, redis_url, "stopped for a deploy", tmp_path) as (
        stack,
        first,
        start_worker,
    ):
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0, "a stop requested by SIGTERM is not an error"
        start_worker()
        await wait_for_draft(stack.slack, timeout_s=60)
        await asyncio.sleep(1.0)
        assert len(_threads(stack.slack)) == 1


async def test_a_429_from_slack_is_waited_out_and_the_draft_still_appears(stack: LocalStack) -> None:
    stack.slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"}, times=2)
    await stack.user("U_CAROL").slash("/draft", "slack is busy")
    await wait_for_draft(stack.slack, timeout_s=20)
    assert len(stack.slack.calls_to("chat.postMessage")) >= 4  # two refused, then parent and draft
    assert len(_threads(stack.slack)) == 1


async def test_a_slow_model_ends_in_a_visible_failure_with_regenerate(database_url: str, redis_url: str) -> None:
    async with stack_with_a_silent_model(database_url, redis_url, run_timeout_s=1.5) as stack:
        await stack.user("U_CAROL").slash("/draft", "the model is slow today")
        failed = await stack.slack.wait_for(
            lambda: next(
                (m for m in stack.slack.messages.values() if m.thread_ts and "could not be written" in str(m.blocks)),
                None,
            ),
            20,
        )
        assert "The model did not answer within 1.5 s." in str(failed.blocks)
        buttons = [e["action_id"] for b in failed.blocks if b["type"] == "actions" for e in b["elements"]]
        assert "signoff_regenerate" in buttons


async def test_a_draft_message_whose_answer_was_lost_is_found_not_posted_again(stack: LocalStack) -> None:
    """Slack posted the draft but the answer never arrived (the connection broke): the next try
    finds the message by its metadata and updates it instead of posting a second copy."""
    stack.slack.lose_answer_next("chat.postMessage", after=1)  # the parent line goes through
    await stack.user("U_CAROL").slash("/draft", "an answer lost on the way back")
    await wait_for_draft(stack.slack, timeout_s=30)
    await stack.slack.wait_for(lambda: stack.slack.calls_to("conversations.replies"), 30)
    await asyncio.sleep(1.0)
    assert len(_threads(stack.slack)) == 1
    assert len(stack.slack.calls_to("chat.postMessage")) == 2
