"""`/draft` → draft message posted in its thread, Signoff vs the thinnest possible pipeline.

Both run in one process, the way `signoff dev` / `signoff demo` run (bot + worker + local Slack):
  Signoff:  LocalStack — real bot server, real arq worker, offline writer, dry-run destination;
  floor:    a bare Bolt app that acks and enqueues one raw arq job, and an arq worker whose job
            posts one thread message — the same hops (HTTP → Redis → worker → Slack), no work.
Requests are paced (open loop, default 10/s). "Posted" is when the local Slack received the
chat.postMessage carrying the draft (its own monotonic clock, the same one the sender uses).
The stage breakdown comes from the database: runs.created_at/started_at/finished_at and the
per-stage duration_ms in runs.stages.

Target: Signoff p50 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launch.local_slack.server import LocalSlack

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Summary,
    clean_environment,
    embedded_redis,
    machine,
    markdown_table,
    migrated,
    ms,
    postgres_from,
    ratio,
    scratch_postgres,
    sqlite_url,
)
from bench.common import parse_overrides as _overrides
from bench.slack_payloads import Sent, closed_loop, new_session, open_loop, slash_body

DRAFT_TEXT = re.compile(r"^Draft #(\d+) · revision")


async def wait_posts(slack: LocalSlack, predicate, want: int, timeout_s: float) -> list[Any]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        posts = [c for c in slack.calls_to("chat.postMessage") if predicate(c)]
        if len(posts) >= want or time.monotonic() > deadline:
            return posts
        await asyncio.sleep(0.1)


# -- the floor --------------------------------------------------------------------------------------
async def floor(args: argparse.Namespace, redis_url: str) -> tuple[list[Sent], dict[str, float]]:
    """Returns the acks and, per topic, when its one thread message reached the local Slack."""
    from arq import Worker
    from arq.worker import func

    from bench.bare import bare_app, web_app
    from bot.process.server import serve
    from bot.queue import connect
    from bot.settings import load_settings
    from bot.slack.client import build_slack_client
    from launch import worker_runner
    from launch.local_slack.server import LocalSlack
    from storage.redaction import Redactor

    poll_delay = load_settings(**_overrides(args.set)).signoff_poll_delay_s
    slack = LocalSlack(bot_token="xoxb-floor")
    await slack.start()
    client = build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor([slack.bot_token]))
    queue = connect(redis_url)

    async def post(ctx: dict[str, Any], channel: str, topic: str) -> None:
        await client.chat_postMessage(channel=channel, thread_ts="1.000001", text=topic)

    async def enqueue(command: dict[str, Any]) -> None:
        await queue.enqueue_job("post", command["channel_id"], command["text"], _queue_name="bench:floor")

    runner, port = await serve(web_app(bare_app(client, "floor-secret", after_ack=enqueue)), "127.0.0.1", 0)
    worker = Worker(
        functions=[func(post, name="post")],
        redis_pool=connect(redis_url),
        queue_name="bench:floor",
        poll_delay=poll_delay,
        health_check_interval=15,
        handle_signals=False,
    )
    task = worker_runner.start(worker)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        async with new_session() as http:
            await closed_loop(http, url, "floor-secret", [slash_body(f"warm-up {i}") for i in range(5)], 2)
            await wait_posts(slack, lambda c: c.args.get("text", "").startswith("warm-up"), 5, 30)
            sent, _ = await open_loop(http, url, "floor-secret", topics(args.requests), args.rate)
        posts = await wait_posts(
            slack, lambda c: c.args.get("text", "").startswith("e2e topic"), args.requests, args.timeout
        )
        return sent, {c.args["text"]: c.at for c in posts}
    finally:
        with contextlib.suppress(Exception):  # the measurement is done
            await worker_runner.stop(worker, task)
        await runner.cleanup()
        await queue.aclose()
        await slack.stop()


def topics(n: int) -> list[bytes]:
    return [slash_body(f"e2e topic {i:04d} about the release notes") for i in range(n)]


def topic_of(i: int) -> str:
    return f"e2e topic {i:04d} about the release notes"


# -- Signoff ----------------------------------------------------------------------------------------
async def signoff(
    args: argparse.Namespace, database_url: str, redis_url: str
) -> tuple[list[Sent], dict[str, Any], Sequence[Any]]:
    from sqlalchemy import select

    from launch.local_slack.stack import LocalStack
    from storage.db import create_engine, create_sessionmaker
    from storage.models import Draft, Run

    async with LocalStack(
        database_url=database_url,
        redis_url=redis_url,
        approvers=("U_ALICE",),
        signoff_destinations=["dryrun"],
        **_overrides(args.set),
    ) as stack:
        url = stack.bot_url + "/slack/events"
        is_draft = lambda c: bool(c.args.get("thread_ts")) and DRAFT_TEXT.match(c.args.get("text", ""))  # noqa: E731
        async with new_session() as http:
            await closed_loop(http, url, stack.signing_secret, [slash_body(f"warm-up {i}") for i in range(5)], 2)
            await wait_posts(stack.slack, is_draft, 5, 30)
            wall_minus_mono = time.time() - time.monotonic()
            sent, _ = await open_loop(http, url, stack.signing_secret, topics(args.requests), args.rate)
        posts = await wait_posts(stack.slack, is_draft, args.requests + 5, args.timeout)
        posted_at = {
            int(DRAFT_TEXT.match(c.args["text"]).group(1)): c.at  # type: ignore[union-attr]
            for c in posts
        }
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = (
                await session.execute(
                    select(Draft.id, Draft.topic, Run.created_at, Run.started_at, Run.finished_at, Run.stages)
                    .join(Run, Run.draft_id == Draft.id)
                    .where(Draft.topic.like("e2e topic%"))
                )
            ).all()
    finally:
        await engine.dispose()
    return sent, {"posted_at": posted_at, "wall_minus_mono": wall_minus_mono}, rows


# -- report -----------------------------------------------------------------------------------------
def _epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


def breakdown(
    sent: list[Sent], info: dict[str, Any], rows: Sequence[Any]
) -> tuple[list[float], dict[str, list[float]]]:
    at_by_topic = {topic_of(i): s.at for i, s in enumerate(sent)}
    offset = info["wall_minus_mono"]
    totals: list[float] = []
    parts: dict[str, list[float]] = {}

    def add(k: str, v: float) -> None:
        parts.setdefault(k, []).append(v)

    for draft_id, topic, created, started, finished, stages in rows:
        posted = info["posted_at"].get(draft_id)
        if posted is None or topic not in at_by_topic or not finished or not started:
            continue
        totals.append(posted - at_by_topic[topic])
        pipeline = sum(s["duration_ms"] for s in stages or []) / 1000
        add("request sent → run row written (ack path)", _epoch(created) - (at_by_topic[topic] + offset))
        add("run row → job started (enqueue + arq poll)", _epoch(started) - _epoch(created))
        add("job start → pipeline (parent message, brief)", _epoch(finished) - _epoch(started) - pipeline)
        for stage in stages or []:
            add(f"  stage {stage['name']}", stage["duration_ms"] / 1000)
        add("pipeline total", pipeline)
        add("revision stored → draft posted", posted + offset - _epoch(finished))
    return totals, parts


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp, embedded_redis(Path(tmp)) as redis_url:
        pg = postgres_from(args.postgres)
        async with scratch_postgres(pg) if pg else contextlib.nullcontext() as pg_url:
            database_url = pg_url or sqlite_url(Path(tmp))
            if pg_url:
                await migrated(pg_url)
            print(f"floor: {args.requests} requests at {args.rate:g}/s …", file=sys.stderr)
            base_sent, base_posts = await floor(args, redis_url)
            print(f"Signoff: {args.requests} requests at {args.rate:g}/s …", file=sys.stderr)
            sent, info, rows = await signoff(args, database_url, redis_url)
    base_totals = [base_posts[topic_of(i)] - s.at for i, s in enumerate(base_sent) if topic_of(i) in base_posts]
    totals, parts = breakdown(sent, info, rows)
    b, o = Summary.of(base_totals), Summary.of(totals)
    db = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(
        f"\n### End to end — /draft → draft posted, {args.requests} requests at {args.rate:g}/s, "
        f"{db}, one process (bot + worker + local Slack)\n"
    )
    print(f"Machine: {machine()}" + (f"; settings: {', '.join(args.set)}" if args.set else "") + "\n")
    ack_b, ack_o = Summary.of([s.latency_s for s in base_sent]), Summary.of([s.latency_s for s in sent])
    print(
        markdown_table(
            ["pipeline", "posted", "ack p50 ms", "ack p99 ms", "e2e p50 ms", "e2e p99 ms", "e2e max ms", "p50 ratio"],
            [
                [
                    "floor (ack + arq job + one post)",
                    f"{b.count}/{args.requests}",
                    ms(ack_b.p50),
                    ms(ack_b.p99),
                    ms(b.p50),
                    ms(b.p99),
                    ms(b.max),
                    "1.00×",
                ],
                [
                    "Signoff (offline writer)",
                    f"{o.count}/{args.requests}",
                    ms(ack_o.p50),
                    ms(ack_o.p99),
                    ms(o.p50),
                    ms(o.p99),
                    ms(o.max),
                    ratio(o.p50, b.p50),
                ],
            ],
        )
    )
    print("\nSignoff, where the time goes (per request; stage rows are inside the pipeline):\n")
    print(
        markdown_table(
            ["part", "p50 ms", "p99 ms", "max ms"],
            [[k, ms(s.p50), ms(s.p99), ms(s.max)] for k, s in ((k, Summary.of(v)) for k, v in parts.items())],
        )
    )
    print(
        f"\nTarget: Signoff p50 < 1000 ms → {ms(o.p50)} ms → target {'met' if o.p50 < 1 else 'NOT met'}"
        + ("" if o.count == args.requests else f" (only {o.count} of {args.requests} drafts were posted)")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per pipeline (default 200)")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (default 10)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the last draft")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to create a scratch database on (or BENCH_DATABASE_URL); default: a temp SQLite file",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Signoff setting (poll delay applies to the floor too), e.g. signoff_poll_delay_s=0.02",
    )
    args = parser.parse_args()
    clean_environment()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
