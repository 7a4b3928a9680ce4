"""/metrics and /healthz tell an operator what is going on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.blocks import action_ids
from bot.process.metrics import request_kind
from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import shows, wait_for_draft
from worker import worker_metrics_port


def test_request_kinds_are_read_from_raw_slack_bodies() -> None:
    assert request_kind("token=x&command=%2Fdraft&text=hi") == "command:/draft"
    assert request_kind("payload=%7B%22type%22%3A%22block_actions%22%7D") == "block_actions"
    assert request_kind('{"type": "event_callback", "event": {}}') == "event"


async def test_metrics_report_requests_drafts_decisions_and_publications(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "metrics")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.get(stack.bot_url + "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    for line in (
        'signoff_slack_requests_total{kind="command:/draft",status="200"} 1.0',
        'signoff_slack_requests_total{kind="block_actions",status="200"} 1.0',
        'signoff_drafts{status="published"} 1.0',
        'signoff_decisions{kind="approved"} 1.0',
        'signoff_publications{destination="dryrun",status="published"} 1.0',
        'signoff_runs{status="succeeded"} 1.0',
        "signoff_outbox_backlog ",
    ):
        assert line in text, line
    assert 'signoff_stage_duration_seconds{quantile="0.5",stage="write_offline"}' in text
    assert "signoff_slack_ack_seconds_bucket" in text


def _samples(text: str) -> dict[tuple[str, tuple[Any, ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_the_worker_serves_its_own_metrics_when_given_a_port(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, signoff_worker_metrics_port=0) as stack:
        await stack.user("U_CAROL").slash("/draft", "worker metrics")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
        await asyncio.sleep(0.2)  # the publish job counts itself as it returns, after the last render
        async with httpx.AsyncClient(trust_env=False) as http:
            response = await http.get(f"http://127.0.0.1:{worker_metrics_port(stack.worker.ctx)}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[("signoff_worker_jobs_total", (("function", "run_draft"), ("outcome", "done")))] == 1
    assert samples[("signoff_worker_jobs_total", (("function", "publish_draft"), ("outcome", "done")))] == 1
    assert samples[("signoff_worker_queue_wait_seconds_count", (("function", "run_draft"),))] == 1
    assert samples[("signoff_worker_job_seconds_count", (("function", "publish_draft"),))] == 1
    assert samples[("signoff_worker_stage_seconds_count", (("stage", "write_offline"),))] == 1
    assert samples[("signoff_worker_publish_seconds_count", (("destination", "dryrun"), ("outcome", "published")))] == 1


async def test_a_worker_metrics_port_in_use_is_a_one_line_error(tmp_path: Path, redis_url: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
            "SIGNOFF_WORKER_METRICS_PORT": str(port),
        }
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "launch.cli", "worker"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert f"SIGNOFF_WORKER_METRICS_PORT: cannot listen on port {port}" in result.stderr
    assert "Traceback" not in result.stderr


async def test_healthz_and_worker_check_show_whether_a_worker_is_alive(stack: LocalStack, redis_url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        for _ in range(50):
            report = (await http.get(stack.bot_url + "/healthz")).json()
            if report["worker"]:
                break
            await asyncio.sleep(0.1)
    assert report["status"] == "ok" and "j_complete=" in report["worker"]
    alive = await asyncio.to_thread(_signoff_worker_check, redis_url)
    assert alive.returncode == 0 and alive.stdout.startswith("worker alive:")

    await stack.stop_worker()  # arq deletes its health key on a clean shutdown
    async with httpx.AsyncClient(trust_env=False) as http:
        report = (await http.get(stack.bot_url + "/healthz")).json()
    assert report["status"] == "ok" and report["worker"] is None  # the bot still takes requests
    gone = await asyncio.to_thread(_signoff_worker_check, redis_url)
    assert gone.returncode == 1 and gone.stderr.strip() == "signoff: no worker has reported in the last 16 s"


def _signoff_worker_check(redis_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launch.cli", "worker", "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "REDIS_URL": redis_url},
        timeout=60,
    )
