"""A worker SIGKILLed while X holds the request: the next worker reconciles, never reposts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from tests.destinations.fakes.x import FakeX
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.fake_llm import FakeLLM
from tests.publishing.conftest import X_SECRETS, audit_kinds, notes, shown_and_stored

TEXT = "Killed workers do not post twice: the claim comes first. #Signoff"


def _worker(stack: LocalStack, llm_url: str, x_url: str) -> subprocess.Popen[bytes]:
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
        "SIGNOFF_DESTINATIONS": "x",
        "X_API_URL": x_url,
        **{name.upper(): value for name, value in X_SECRETS.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "launch.cli", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def test_a_worker_killed_mid_publish_is_followed_by_one_that_reconciles(
    database_url: str, redis_url: str
) -> None:
    llm = FakeLLM(reply=TEXT)
    llm_url = await llm.start()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        async with (
            FakeX(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as fake,
            LocalStack(
                database_url=database_url, redis_url=redis_url, run_worker=False, signoff_destinations=["x"]
            ) as stack,
        ):
            workers.append(_worker(stack, llm_url, fake.url))
            await stack.user("U_CAROL").slash("/draft", "what a killed worker does")
            draft = await wait_for_draft(stack.slack, timeout_s=30)
            await shown_and_stored(stack)
            fake.fail_next(kind="hang", path="/2/tweets")  # stores the post, then never answers
            await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
            await stack.slack.wait_for(lambda: fake.posts, 20)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(10)
            workers.append(_worker(stack, llm_url, fake.url))
            await stack.slack.wait_for(lambda: shows(draft, "x: published") and shows(draft, "Published"), 40)
            thread = notes(stack.slack, draft)
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:  # a graceful stop may wait on a job; this one is done
                    process.kill()
                    process.wait(10)
        await llm.stop()
    assert len(fake.posts) == 1 and len([r for r in fake.requests if r.path == "/2/tweets"]) == 1
    assert shows(draft, fake.posts[0].id)
    assert [d["how"] for k, _, d in await audit_kinds(database_url) if k == "published"] == ["reconciled"]
    assert not any("cannot tell" in n for n in thread)
