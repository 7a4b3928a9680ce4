"""A burst of drafts at Slack's physical limits: N `/draft` over C channels within one second, a model
answering each call after L seconds, and a local Slack that enforces Slack's rate limits (429 +
Retry-After beyond about one message a second per channel, and per-method tiers).

Processes: the local Slack and the model in one (bench/serve.py externals), Signoff's bot, Signoff's
worker, and a bare Bolt app (bench/bare.py) that receives the same burst at the same moments, so the
`/draft` acknowledgement latency is compared with a baseline measured in the same run on the same
loaded machine. Before the burst, one draft alone measures the single-draft latency.

Reported: makespan (first /draft sent → last draft message in Slack) against the floor
max(single draft, posts per channel × 1 s, chat.update's Tier 3 budget for one update per draft,
rounds of concurrency × model calls per draft × L); Slack's terms count only with limits enforced),
per-draft latency, 429s received, jobs retried or given up, Slack calls per draft, ack p50/p99/max
against bare Bolt, and the peak RSS of bot and worker.

Targets: makespan ≤ 1.2× floor, zero 429s, no failed job, ack p99 ≤ 1.5× bare and max < 1 s,
RSS bot < 150 MB and worker < 200 MB.

  python bench/burst.py --drafts 60 --channels 6 --model-delay 2 --concurrency 10 50
  python bench/burst.py … --postgres postgresql://postgres@127.0.0.1:5432/scratch   (its tables are dropped)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Child,
    Summary,
    clean_environment,
    embedded_redis,
    machine,
    markdown_table,
    migrated,
    ms,
    postgres_from,
    sqlite_url,
)
from bench.slack_payloads import closed_loop, new_session, open_loop, slash_body

MODEL_CALLS_PER_DRAFT = 2  # write + critique
POSTS_PER_DRAFT = 2  # the parent line and the draft in its thread
UPDATES_PER_DRAFT = 1  # the parent line's final state (progress phrases are optional)
UPDATE_TIER = (50, 50 / 60)  # chat.update, Tier 3: a bucket of 50, refilled at 50 a minute


def peak_rss_mb(child: Child) -> float:
    if child.process is None:
        return float("nan")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{child.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def reset_postgres(url: str) -> None:
    """The named database is a scratch one: its tables go, so every run starts empty."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def wait_drafted(database_url: str, prefix: str, want: int, timeout_s: float) -> dict[str, int]:
    """Poll until `want` drafts whose topic starts with `prefix` are out of `generating` with their
    message posted (or failed); returns topic → draft id."""
    from sqlalchemy import select

    from storage.db import create_engine, create_sessionmaker
    from storage.models import Draft

    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with sessions() as session:
                rows = (
                    await session.execute(
                        select(Draft.topic, Draft.id, Draft.status, Draft.message_ts).where(
                            Draft.topic.like(prefix + "%")
                        )
                    )
                ).all()
            done = {t: i for t, i, status, ts in rows if status != "generating" and (ts or status == "failed")}
            if len(done) >= want:
                return done
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(done)}/{want} '{prefix}' drafts done after {timeout_s:.0f} s")
            await asyncio.sleep(0.25)
    finally:
        await engine.dispose()


async def job_outcomes(database_url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.db import create_engine, create_sessionmaker
    from storage.models import Draft, OutboxJob

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            retried = await session.scalar(select(func.count()).where(OutboxJob.attempt > 1))
            dead = await session.scalar(select(func.count()).where(OutboxJob.status == "dead"))
            failed = await session.scalar(select(func.count()).where(Draft.status == "failed"))
        return {"retried": int(retried or 0), "dead": int(dead or 0), "failed drafts": int(failed or 0)}
    finally:
        await engine.dispose()


async def one_case(args: argparse.Namespace, concurrency: int, database_url: str, redis_url: str) -> dict[str, Any]:
    ext = Child("externals", "--model-delay", str(args.model_delay), *(["--limits"] if args.limits else []))
    e = await ext.start()
    sets = [
        f"--set=llm_base_url={e['model_url']}",
        "--set=llm_model=faithful",
        "--set=signoff_fetch_topic_urls=false",
        f"--set=signoff_worker_concurrency={concurrency}",
        "--set=signoff_slack_pacing=true",
        *[f"--set={s}" for s in args.set],
    ]
    slack = ["--slack-api-url", e["slack_api_url"], "--bot-token", e["bot_token"]]
    bare = Child("bare-bot")
    bot = Child("signoff-bot", "--database-url", database_url, "--redis-url", redis_url, *slack, *sets)
    worker = Child("worker", "--database-url", database_url, "--redis-url", redis_url, *slack, *sets)
    if args.worker_nice:  # the deployment advice in docs/benchmarks.md: acks first, drafting second
        worker.args = ["nice", "-n", str(args.worker_nice), *worker.args]
    loop = asyncio.get_running_loop()
    try:
        b, s = await bare.start(), await bot.start()
        await worker.start()
        b_url, s_url = b["bot_url"] + "/slack/events", s["bot_url"] + "/slack/events"
        async with new_session() as http:
            # Warm-up (Bolt's lazy auth.test, pools, statement caches), then let those drafts finish.
            warm = [slash_body(f"warm-up {concurrency} {i}", channel="C_WARM") for i in range(args.warmup)]
            await closed_loop(http, b_url, b["secret"], warm, 5)
            await closed_loop(http, s_url, s["secret"], warm, 5)
            await wait_drafted(database_url, f"warm-up {concurrency} ", args.warmup, args.timeout)
            single_at = loop.time()
            await closed_loop(http, s_url, s["secret"], [slash_body(f"single {concurrency}", channel="C_SINGLE")], 1)
            single = await wait_drafted(database_url, f"single {concurrency}", 1, args.timeout)
            # Slack's budgets refill (warm-up and single draft spent some chat.update turns).
            await asyncio.sleep(args.settle)
            print(
                f"concurrency {concurrency}: {args.drafts} /draft over {args.channels} channels within 1 s …",
                file=sys.stderr,
            )
            topics = [f"burst {concurrency} draft {i:04d}" for i in range(args.drafts)]
            bodies = [slash_body(t, channel=f"C_BURST{i % args.channels}") for i, t in enumerate(topics)]
            rate = args.drafts / args.burst_s
            spy = None
            if args.profile_bot:  # where the bot's time goes while it acknowledges the burst
                import subprocess

                assert bot.process is not None
                spy = subprocess.Popen(
                    [
                        args.py_spy,
                        "record",
                        "--format",
                        "raw",
                        "--idle",
                        "--rate",
                        "500",
                        "--duration",
                        str(int(args.burst_s + 3)),
                        "--output",
                        f"{args.profile_bot}-{concurrency}.txt",
                        "--pid",
                        str(bot.process.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1.0)
            (ours, _), (base, _) = await asyncio.gather(
                open_loop(http, s_url, s["secret"], bodies, rate), open_loop(http, b_url, b["secret"], bodies, rate)
            )
            drafted = await wait_drafted(database_url, f"burst {concurrency} ", args.drafts, args.timeout)
            if spy is not None:
                await asyncio.to_thread(spy.wait)
        rss = {"bot": peak_rss_mb(bot), "worker": peak_rss_mb(worker)}
    finally:
        for child in (worker, bot, bare):
            child.stop()
    assert ext.process is not None and ext.process.stdin is not None
    ext.process.stdin.close()
    seen = await ext.result(timeout_s=30)
    ext.stop()
    at = {int(k): v for k, v in seen["drafted"].items()}
    sent_at = {topic: a.at for topic, a in zip(topics, ours, strict=True)}
    latencies = [at[i] - sent_at[t] for t, i in drafted.items() if i in at]
    t0 = min(a.at for a in ours)
    makespan = max(at[i] for i in drafted.values() if i in at) - t0
    single_s = at[next(iter(single.values()))] - single_at
    posts_floor = math.ceil(args.drafts / args.channels) * POSTS_PER_DRAFT * 1.0
    model_floor = math.ceil(args.drafts / concurrency) * MODEL_CALLS_PER_DRAFT * args.model_delay
    update_floor = max(0, args.drafts * UPDATES_PER_DRAFT - UPDATE_TIER[0]) / UPDATE_TIER[1] if args.limits else 0.0
    total_drafts = args.warmup + 1 + args.drafts
    return {
        "concurrency": concurrency,
        "makespan": makespan,
        "single": single_s,
        "posts_floor": posts_floor,
        "model_floor": model_floor,
        "update_floor": update_floor,
        "floor": max(single_s, posts_floor if args.limits else 0.0, model_floor, update_floor),
        "drafts": Summary.of(latencies),
        "missing": args.drafts - len(latencies),
        "refused": seen["refused"],
        "refused_by_method": seen["refused_by_method"],
        "calls": {m: n / total_drafts for m, n in sorted(seen["calls"].items())},
        "ack": Summary.of([a.latency_s for a in ours]),
        "ack_errors": sum(a.status != 200 for a in ours),
        "bare": Summary.of([a.latency_s for a in base]),
        "rss": rss,
        "jobs": await job_outcomes(database_url),
        "seen": seen,
    }


async def run(args: argparse.Namespace) -> None:
    results = []
    for concurrency in args.concurrency:
        with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp, embedded_redis(Path(tmp)) as redis_url:
            pg = postgres_from(args.postgres)
            if pg:
                await reset_postgres(pg)
            database_url = pg or sqlite_url(Path(tmp))
            await migrated(database_url)
            results.append(await one_case(args, concurrency, database_url, redis_url))
    report(args, results, "PostgreSQL" if args.postgres else "SQLite")
    if args.dump:
        import json

        Path(args.dump).write_text(json.dumps([{k: v for k, v in r.items() if k in ("seen",)} for r in results]))


def report(args: argparse.Namespace, results: list[dict[str, Any]], db: str) -> None:
    print(
        f"\n### Burst — {args.drafts} /draft over {args.channels} channels within {args.burst_s:g} s, model "
        f"{args.model_delay:g} s × {MODEL_CALLS_PER_DRAFT} calls, Slack limits "
        f"{'enforced' if args.limits else 'off'}, {db}\n"
    )
    print(f"Machine: {machine()}" + (f"; settings: {', '.join(args.set)}" if args.set else "") + "\n")
    rows = []
    for r in results:
        jobs = r["jobs"]
        rows.append(
            [
                r["concurrency"],
                f"{r['makespan']:.1f} s",
                (
                    f"{r['floor']:.1f} s (single {r['single']:.1f}, posts {r['posts_floor']:.0f}, "
                    f"updates {r['update_floor']:.0f}, model {r['model_floor']:.0f})"
                ),
                f"{r['makespan'] / r['floor']:.2f}×",
                f"{r['drafts'].p50:.1f} / {r['drafts'].p99:.1f} s",
                r["refused"],
                f"{jobs['retried']} / {jobs['dead']} / {jobs['failed drafts']}"
                + (f", {r['missing']} missing" if r["missing"] else ""),
                f"{ms(r['ack'].p99)} vs {ms(r['bare'].p99)} ms = {r['ack'].p99 / r['bare'].p99:.2f}×",
                f"{ms(r['ack'].max)} ms",
                f"{r['rss']['bot']:.0f} / {r['rss']['worker']:.0f}",
            ]
        )
    print(
        markdown_table(
            [
                "worker concurrency",
                "makespan",
                "floor",
                "ratio",
                "draft p50 / p99",
                "429s",
                "jobs retried / dead / drafts failed",
                "/draft ack p99 vs bare Bolt",
                "ack max",
                "peak RSS bot / worker MiB",
            ],
            rows,
        )
    )
    print("\nSlack calls per draft (warm-up and single draft included):\n")
    methods = sorted({m for r in results for m in r["calls"]})
    print(
        markdown_table(
            ["method", *[f"concurrency {r['concurrency']}" for r in results]],
            [[m, *[f"{r['calls'].get(m, 0):.2f}" for r in results]] for m in methods],
        )
    )
    for r in results:
        if r["refused_by_method"]:
            print(f"\n429s at concurrency {r['concurrency']}: {r['refused_by_method']}")
    print(
        "\nTargets: makespan ≤ 1.2× floor, zero 429s, no failed job, ack p99 ≤ 1.5× bare and max < 1 s, "
        "RSS bot < 150 MB, worker < 200 MB."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--burst-s", type=float, default=1.0, help="the burst is sent within this many seconds")
    parser.add_argument("--model-delay", type=float, default=2.0, help="seconds before each model answer")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[10, 50],
        help="worker concurrencies to measure, one fresh stack each",
    )
    parser.add_argument("--no-limits", dest="limits", action="store_false", help="the local Slack enforces no limits")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--worker-nice", type=int, default=0, help="run the worker at this niceness (nice -n)")
    parser.add_argument("--profile-bot", metavar="PREFIX", help="py-spy the bot during the burst (collapsed stacks)")
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy executable")
    parser.add_argument("--dump", metavar="FILE", help="write what the local Slack saw (JSON), for a closer look")
    parser.add_argument(
        "--settle",
        type=float,
        default=20.0,
        help="seconds between the single draft and the burst, for Slack's budgets to refill",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the drafts")
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database (its tables are dropped)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="Signoff setting for bot and worker"
    )
    args = parser.parse_args()
    clean_environment()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
