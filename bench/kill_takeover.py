"""Soak: workers stopped (SIGTERM) or killed (SIGKILL) at random moments, hundreds of times; every
draft must still appear exactly once and every approved draft be published exactly once.

One bot, the local Slack and a model that answers after a random 0–1.5 s run in this process;
workers are child processes (`signoff worker`). Each round starts a worker, sends a few `/draft`,
approves the drafts already shown, waits a random 0.2–2.5 s and stops the worker (SIGTERM or SIGKILL,
at random), so stops land before, during and after runs, posts and publishes. At the end a last
worker finishes everything. Counted per draft: parent lines, draft messages in the thread,
publications in the publish channel (the `slack` destination). Duplicates must be 0, lost must be 0.

    .venv/bin/python bench/kill_takeover.py --rounds 200             # SQLite
    .venv/bin/python bench/kill_takeover.py --rounds 200 --postgres postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from launch.local_slack.server import LocalSlack
from launch.local_slack.stack import LocalStack

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from bench.common import (
    clean_environment,
    embedded_redis,
    machine,
    migrated,
    postgres_from,
    scratch_postgres,
    sqlite_url,
)

DRAFT = re.compile(r"Draft #(\d+) ·")
PUBLISH_CHANNEL = "C_PUBLISHED"


class SlowModel:
    """An OpenAI-compatible endpoint answering after a random delay, so stops land mid-call."""

    def __init__(self, max_delay_s: float) -> None:
        self.max_delay_s, self.url = max_delay_s, ""
        self.runner: web.AppRunner | None = None

    async def start(self) -> str:
        async def completions(request: web.Request) -> web.Response:
            asked = json.dumps(await request.json())
            await asyncio.sleep(random.uniform(0, self.max_delay_s))
            # Grounded: the only figure is the topic's own number, so no claim blocks the approval.
            topic = re.search(r"soak topic (\d+)", asked)
            content = f"Soak post {topic.group(1) if topic else 'again'}. #soak"
            return web.json_response(
                {
                    "id": "bench",
                    "object": "chat.completion",
                    "model": "bench",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                }
            )

        app = web.Application()
        app.router.add_post("/v1/chat/completions", completions)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        runner = self.runner
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def worker_process(stack: LocalStack, model_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.redis_url,
        "SLACK_BOT_TOKEN": stack.slack.bot_token,
        "SLACK_SIGNING_SECRET": stack.signing_secret,
        "SLACK_API_URL": stack.slack.api_url,
        "LLM_BASE_URL": model_url,
        "LLM_API_KEY": "sk-bench",
        "SIGNOFF_JOB_LEASE_S": "2",
        "SIGNOFF_SWEEP_INTERVAL_S": "0.5",
        "SIGNOFF_FETCH_TOPIC_URLS": "false",
        "SIGNOFF_DESTINATIONS": "slack",
        "SLACK_PUBLISH_CHANNEL": PUBLISH_CHANNEL,
        "SIGNOFF_APPROVERS": "U_ALICE",
        "SIGNOFF_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "launch.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tempfile.gettempdir(),
        )


def counts(slack: LocalSlack) -> tuple[dict[int, int], dict[int, int], dict[str, int]]:
    parents: dict[int, int] = collections.Counter()
    drafts: dict[int, int] = collections.Counter()
    published: dict[str, int] = collections.Counter()
    for message in list(slack.messages.values()):
        payload = (message.metadata or {}).get("event_payload") or {}
        if message.channel == PUBLISH_CHANNEL:
            published[message.text] += 1
        elif message.thread_ts is None and payload.get("draft_id"):
            parents[int(payload["draft_id"])] += 1
        elif message.thread_ts and (match := DRAFT.search(str(message.blocks))) and payload.get("draft_id"):
            drafts[int(match.group(1))] += 1
    return parents, drafts, published


async def approve_shown(stack: LocalStack, approved: set[int]) -> None:
    from launch.local_slack.user import NoSuchButton

    alice = stack.user("U_ALICE")
    for message in list(stack.slack.messages.values()):
        match = DRAFT.search(str(message.blocks)) if message.thread_ts else None
        if match and int(match.group(1)) not in approved:
            try:
                reply = await alice.click(message, "signoff_approve")
            except NoSuchButton:
                continue
            if reply.status == 200:  # clicked; whether it was approved is read from the database at the end
                approved.add(int(match.group(1)))


async def soak(args: argparse.Namespace, database_url: str, redis_url: str, workdir: Path) -> dict[str, Any]:
    from launch.local_slack.stack import LocalStack

    model = SlowModel(args.model_delay)
    model_url = await model.start()
    stack = LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE",),
        run_worker=False,
        signoff_drafts_per_hour=1_000_000,
        signoff_destinations=["slack"],
        slack_publish_channel=PUBLISH_CHANNEL,
    )
    requested, approved, stops = 0, set[int](), collections.Counter[str]()
    started = time.monotonic()
    async with stack:
        for round_no in range(args.rounds):
            worker = worker_process(stack, model_url, workdir / "workers.log")
            for _ in range(args.drafts):
                requested += 1
                await stack.user(f"U_REQ{requested % 7}").slash("/draft", f"soak topic {requested}")
            await asyncio.sleep(random.uniform(0.2, 2.5))
            await approve_shown(stack, approved)
            await asyncio.sleep(random.uniform(0, 0.3))
            how = random.choice((signal.SIGTERM, signal.SIGKILL))
            stops[how.name] += 1
            worker.send_signal(how)
            await asyncio.to_thread(worker.wait, 40)
            if args.verbose:
                print(f"round {round_no + 1}: {how.name}", flush=True)
        # The last worker finishes everything: drafts shown, approvals made, publications done.
        worker = worker_process(stack, model_url, workdir / "workers.log")
        deadline = time.monotonic() + args.settle_s
        while time.monotonic() < deadline:
            await approve_shown(stack, approved)
            parents, drafts, published = counts(stack.slack)
            if len(drafts) >= requested and len(published) >= len(approved):
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # any late duplicate would show up now
        parents, drafts, published = counts(stack.slack)
        worker.send_signal(signal.SIGTERM)
        await asyncio.to_thread(worker.wait, 40)
        states = await database_states(database_url)
    await model.stop()
    # A click is answered 200 even when the approval is refused: approvals are what the audit trail says.
    approvals = states["approved drafts"]
    return {
        "rounds": args.rounds,
        "stops": dict(stops),
        "requested": requested,
        "approve clicks": len(approved),
        "approved": approvals,
        "refused approvals": len(approved) - approvals,
        "drafts shown": len(drafts),
        "lost drafts": requested - len(drafts),
        "duplicate parents": sum(n - 1 for n in parents.values()),
        "duplicate drafts": sum(n - 1 for n in drafts.values()),
        "published": len(published),
        "unpublished approvals": approvals - len(published),
        "duplicate publications": sum(n - 1 for n in published.values()),
        # A worker killed between Slack's answer and our write leaves the part's outcome unknown; when
        # the post is not among the channel's latest 15 messages it is marked unconfirmed and a person
        # is asked (never sent twice). Counted, not a failure of the soak.
        "unconfirmed parts (a person is asked)": states["publications"].get("unconfirmed", 0),
        "minutes": round((time.monotonic() - started) / 60, 1),
        "states at the end": states,
    }


async def database_states(database_url: str) -> dict[str, Any]:
    """Rows by state, to see where anything unfinished is stuck."""
    from sqlalchemy import func, select

    from storage.db import create_engine, create_sessionmaker
    from storage.models import AuditEvent, Draft, OutboxJob, Publication

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            out: dict[str, Any] = {}
            for name, columns in (
                ("drafts", (Draft.status,)),
                ("outbox", (OutboxJob.job, OutboxJob.status)),
                ("publications", (Publication.status,)),
            ):
                rows = await session.execute(select(*columns, func.count()).group_by(*columns))
                out[name] = {" ".join(str(v) for v in row[:-1]): row[-1] for row in rows}
            out["approved drafts"] = await session.scalar(
                select(func.count(func.distinct(AuditEvent.draft_id))).where(AuditEvent.kind == "approved")
            )
            return out
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--drafts", type=int, default=2, help="/draft requests per round")
    parser.add_argument("--model-delay", type=float, default=1.5, help="the model answers within 0..this s")
    parser.add_argument("--settle-s", type=float, default=300, help="how long the last worker may take")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is created on it)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    clean_environment()
    with tempfile.TemporaryDirectory() as tmp, embedded_redis(Path(tmp)) as redis_url:
        workdir = Path(tmp)
        if (server := postgres_from(args.postgres)) is not None:
            async with scratch_postgres(server) as url:
                await migrated(url)
                result = await soak(args, url, redis_url, workdir)
            database = "PostgreSQL"
        else:
            url = sqlite_url(workdir)
            await migrated(url)
            result = await soak(args, url, redis_url, workdir)
            database = "SQLite"
    print(f"kill/takeover soak on {database} ({machine()})")
    for key, value in result.items():
        print(f"  {key}: {value}")
    bad = (
        result["lost drafts"]
        + result["duplicate parents"]
        + result["duplicate drafts"]
        + result["duplicate publications"]
        + result["unpublished approvals"]
        + result["refused approvals"]
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    asyncio.run(main())
