"""Drafts per second through one Signoff worker (offline writer, dry-run destination) vs raw arq
no-op jobs through one arq worker on the same Redis with the same poll_delay.

Both drain a backlog enqueued before the worker starts; the rate is jobs / (last job end − first
job start), timed inside the worker process. Each worker runs in its own process (bench/serve.py
timed-worker), so its resident memory (VmRSS / VmHWM) and CPU time are its own. The local Slack
Web API the Signoff worker posts to runs in a third process.

Target: Signoff ≥ 0.6× the raw arq rate. `--count N` also prints SQL statements, commits and Slack Web
API calls per draft, counted on a worker run in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Child,
    clean_environment,
    embedded_redis,
    machine,
    markdown_table,
    migrated,
    postgres_from,
    scratch_postgres,
    sqlite_url,
)


async def enqueue_drafts(database_url: str, redis_url: str, count: int) -> None:
    """The bot's /draft path without HTTP: intent + audit + outbox in one transaction, then enqueue."""
    from bot.queue import Queue, connect
    from storage import intake
    from storage.clock import utcnow
    from storage.db import create_engine, create_sessionmaker

    engine, queue = create_engine(database_url), Queue(connect(redis_url))
    sessions = create_sessionmaker(engine)
    try:
        for i in range(count):
            async with sessions.begin() as session:
                accepted = await intake.request_draft(
                    session,
                    team_id="T_LOCAL",
                    channel_id="C_GENERAL",
                    user_id="U_CAROL",
                    topic=f"throughput topic {i}: release notes for version {i}",
                    destinations=["dryrun"],
                    now=utcnow(),
                )
            if not await queue.enqueue(accepted.job):
                raise RuntimeError("could not enqueue on the embedded Redis")
    finally:
        await queue.redis.aclose()
        await engine.dispose()


async def enqueue_noops(redis_url: str, count: int, queue_name: str) -> None:
    from bot.queue import connect

    redis = connect(redis_url)
    try:
        for _ in range(count):
            await redis.enqueue_job("noop", _queue_name=queue_name)
    finally:
        await redis.aclose()


class WorkCounter:
    """Counts what a worker does per draft: SQL statements, transactions, Slack Web API calls."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()

    def watch_engine(self, engine) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import event

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _statement(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
            self.counts["statements"] += 1
            words = statement.split()
            self.counts["sql: " + " ".join(words[:3] if words[0].upper() == "INSERT" else words[:2])] += 1

        @event.listens_for(engine.sync_engine, "commit")
        def _commit(conn) -> None:  # type: ignore[no-untyped-def]
            self.counts["commits"] += 1

        @event.listens_for(engine.sync_engine, "rollback")
        def _rollback(conn) -> None:  # type: ignore[no-untyped-def]
            self.counts["rollbacks (read sessions ending)"] += 1

    def watch_slack(self, client) -> None:  # type: ignore[no-untyped-def]
        call = client.api_call

        async def counted(api_method: str, **kwargs):  # type: ignore[no-untyped-def]
            self.counts["Slack calls"] += 1
            self.counts["slack: " + api_method] += 1
            return await call(api_method, **kwargs)

        client.api_call = counted


async def count_per_draft(database_url: str, redis_url: str, slack: dict[str, Any], drafts: int) -> dict[str, float]:
    """Signoff's real worker in this process, in burst mode, over a fresh backlog; cron jobs off."""
    import worker as signoff
    from bench.common import parse_overrides
    from bot.queue import connect
    from bot.settings import load_settings

    await enqueue_drafts(database_url, redis_url, drafts)
    counter = WorkCounter()
    settings = load_settings(
        slack_bot_token=slack["bot_token"],
        slack_signing_secret="unused",
        slack_api_url=slack["slack_api_url"],
        redis_url=redis_url,
        database_url=database_url,
        signoff_destinations=["dryrun"],
        **parse_overrides([]),
    )

    async def startup(ctx: dict[str, Any]) -> None:
        from bot.jobs.deps import deps_of

        await signoff.startup(ctx)
        deps = deps_of(ctx)
        counter.watch_engine(deps.engine)
        counter.watch_slack(deps.slack)

    arq_worker = signoff.build_worker(settings, connect(redis_url), burst=True, on_startup=startup, cron_jobs=[])
    try:
        await arq_worker.async_run()
    finally:
        await arq_worker.close()
    if arq_worker.jobs_complete != drafts:
        raise RuntimeError(f"{arq_worker.jobs_complete} of {drafts} drafts completed")
    return {key: value / drafts for key, value in sorted(counter.counts.items())}


async def timed(*args: str) -> dict[str, Any]:
    child = Child("timed-worker", *args)
    try:
        await child.start()
        return await child.result(timeout_s=600)
    finally:
        child.stop()


async def run(args: argparse.Namespace) -> None:
    sets = [f"--set={s}" for s in args.set] + ["--max-jobs", str(args.max_jobs)]
    with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp, embedded_redis(Path(tmp)) as redis_url:
        pg = postgres_from(args.postgres)
        async with scratch_postgres(pg) if pg else contextlib.nullcontext() as pg_url:
            database_url = pg_url or sqlite_url(Path(tmp))
            await migrated(database_url)
            slack = Child("slack")
            try:
                info = await slack.start()
                print(f"enqueueing {args.drafts} drafts …", file=sys.stderr)
                await enqueue_drafts(database_url, redis_url, args.drafts)
                ours = await timed(
                    "--kind",
                    "signoff",
                    "--jobs",
                    str(args.drafts),
                    "--database-url",
                    database_url,
                    "--redis-url",
                    redis_url,
                    "--slack-api-url",
                    info["slack_api_url"],
                    "--bot-token",
                    info["bot_token"],
                    *sets,
                )
                if args.count:
                    print(f"counting the work of {args.count} more drafts in this process …", file=sys.stderr)
                    counts = await count_per_draft(database_url, redis_url, info, args.count)
            finally:
                slack.stop()
            print(f"enqueueing {args.noops} no-op jobs …", file=sys.stderr)
            await enqueue_noops(redis_url, args.noops, "bench:noop")
            base = await timed(
                "--kind", "noop", "--jobs", str(args.noops), "--queue", "bench:noop", "--redis-url", redis_url, *sets
            )
    report(args, base, ours, database_url)
    if args.count:
        print(f"\nPer draft ({args.count} drafts, worker in the benchmark's process, default settings):\n")
        print(markdown_table(["what", "per draft"], [[key, f"{value:.2f}"] for key, value in counts.items()]))


def report(args: argparse.Namespace, base: dict[str, Any], ours: dict[str, Any], database_url: str) -> None:
    rows = []
    for name, r in (("raw arq no-op job", base), ("Signoff draft (offline writer)", ours)):
        mem = r["memory_mb"]
        rows.append(
            [
                name,
                r["jobs"],
                f"{r['elapsed_s']:.2f}",
                f"{r['rate']:.1f}",
                f"{r['rate'] / base['rate']:.3f}×",
                f"{r['job_p50_ms']:.1f}",
                f"{r['cpu_s'] * 1000 / r['jobs']:.2f}",
                f"{mem.get('VmRSS', float('nan')):.0f} / {mem.get('VmHWM', float('nan')):.0f}",
            ]
        )
    db = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(
        f"\n### Worker throughput — one worker, backlog drained, {db}, poll_delay {ours['poll_delay']:g} s, "
        f"max_jobs {ours['max_jobs']}\n"
    )
    print(f"Machine: {machine()}" + (f"; settings: {', '.join(args.set)}" if args.set else "") + "\n")
    print(
        markdown_table(
            ["job", "jobs", "seconds", "jobs/s", "ratio", "job p50 ms", "worker CPU ms/job", "worker RSS / peak MiB"],
            rows,
        )
    )
    share = ours["rate"] / base["rate"]
    print(
        f"\nTarget: Signoff ≥ 0.6× raw arq → {share:.3f}× → target {'met' if share >= 0.6 else 'NOT met'}"
        f" (Signoff would need {0.6 * base['rate']:.0f} drafts/s)."
    )
    print("CPU ms/job includes the worker's start-up (imports, migrations check) spread over the jobs.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=300, help="Signoff drafts in the backlog (default 300)")
    parser.add_argument("--noops", type=int, default=3000, help="raw arq no-op jobs (default 3000)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to create a scratch database on (or BENCH_DATABASE_URL); default: a temp SQLite file",
    )
    parser.add_argument(
        "--max-jobs", type=int, default=10, help="arq max_jobs for both workers (arq's default, and Signoff's, is 10)"
    )
    parser.add_argument(
        "--count",
        type=int,
        default=0,
        metavar="N",
        help="also run N more drafts through a worker in this process and print SQL statements, "
        "commits and Slack Web API calls per draft (default settings; --set is not applied)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Settings override for both workers, e.g. signoff_poll_delay_s=0.02",
    )
    args = parser.parse_args()
    clean_environment()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
