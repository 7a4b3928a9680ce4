"""Acknowledgement latency of `/draft` and of an Approve click, Signoff vs a bare Bolt app.

Open-loop load (request i leaves at t0 + i/rate, answered or not), signed exactly like Slack,
against two servers in their own processes, each with its own local Slack Web API:
  (a) Signoff's real bot (bot/runtime.py) on SQLite (or PostgreSQL with --postgres) and Redis;
  (b) a bare Bolt AsyncApp on aiohttp whose listeners only ack (bench/bare.py).
Clicks hit distinct pending drafts, created beforehand through /draft and Signoff's real worker.
The worker is stopped while measuring (bot alone, like the bare app) unless --keep-worker.

Target: Signoff p99 ≤ 1.2 × bare p99, and never above 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
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
    ratio,
    scratch_postgres,
    sqlite_url,
)
from bench.slack_payloads import Sent, click_body, closed_loop, new_session, open_loop, slash_body


async def pending_clicks(database_url: str, want: int, timeout_s: float) -> list[bytes]:
    """Wait until `want` drafts are pending with their message posted; one Approve body each."""
    from sqlalchemy import func, select

    from bot.blocks import action_ids
    from bot.blocks.draft import button_value, draft_message
    from bot.slack.presenters import draft_view
    from storage.db import create_engine, create_sessionmaker
    from storage.models import Draft

    engine = create_engine(database_url)
    ready = (Draft.status == "pending") & Draft.message_ts.is_not(None)
    try:
        deadline = time.monotonic() + timeout_s
        sessions = create_sessionmaker(engine)
        # A short session per poll: on SQLite every transaction (reads too) takes the write lock.
        while True:
            async with sessions() as session:
                count = await session.scalar(select(func.count()).where(ready)) or 0
            if count >= want:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {count}/{want} drafts became pending in {timeout_s:.0f} s")
            await asyncio.sleep(0.5)
        async with sessions() as session:
            bodies = []
            for draft in await session.scalars(select(Draft).where(ready).order_by(Draft.id).limit(want)):
                view = await draft_view(session, draft)
                text, blocks = draft_message(view)
                bodies.append(
                    click_body(
                        action_id=action_ids.APPROVE,
                        value=button_value(draft.id, view.revision, view.sha256),
                        channel=draft.channel_id,
                        message_ts=draft.message_ts or "",
                        thread_ts=draft.parent_ts,
                        text=text,
                        blocks=blocks,
                        block_id=f"decide-{draft.id}-{view.revision}",
                    )
                )
            return bodies
    finally:
        await engine.dispose()


def summarise(label: str, server: str, answers: list[Sent], lag_s: float, ok: Callable[[Sent], bool]) -> dict[str, Any]:
    good = [a.latency_s for a in answers if ok(a)]
    return {
        "label": label,
        "server": server,
        "summary": Summary.of([a.latency_s for a in answers]),
        "errors": len(answers) - len(good),
        "lag": lag_s,
    }


async def run(args: argparse.Namespace) -> None:
    count = int(args.rate * args.duration)
    with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp, embedded_redis(Path(tmp)) as redis_url:
        pg = postgres_from(args.postgres)
        async with scratch_postgres(pg) if pg else contextlib.nullcontext() as pg_url:
            database_url = pg_url or sqlite_url(Path(tmp))
            if pg_url:
                await migrated(pg_url)  # the bot migrates SQLite by itself, not PostgreSQL
            await measure(args, count, database_url, redis_url)


async def measure(args: argparse.Namespace, count: int, database_url: str, redis_url: str) -> None:
    sets = [f"--set={s}" for s in args.set]
    bare = Child("bare-bot")
    signoff = Child("signoff-bot", "--database-url", database_url, "--redis-url", redis_url, *sets)
    worker: Child | None = None
    try:
        b, s = await bare.start(), await signoff.start()
        worker = Child(
            "worker",
            "--database-url",
            database_url,
            "--redis-url",
            redis_url,
            "--slack-api-url",
            s["slack_api_url"],
            "--bot-token",
            s["bot_token"],
            *sets,
        )
        await worker.start()
        b_url, s_url = b["bot_url"] + "/slack/events", s["bot_url"] + "/slack/events"
        async with new_session() as http:
            # Warm-up: Bolt's lazy auth.test, connection pools, SQLAlchemy's statement caches.
            warm = [slash_body(f"warm-up {i}") for i in range(args.warmup)]
            await closed_loop(http, b_url, b["secret"], warm, 5)
            await closed_loop(http, s_url, s["secret"], warm, 5)
            # Drafts to approve: one per click plus the warm-up clicks, written by the real worker.
            need = count * args.repeat + args.warmup
            print(f"preparing {need} pending drafts through /draft and the worker …", file=sys.stderr)
            setup = await closed_loop(
                http, s_url, s["secret"], [slash_body(f"click target {i}") for i in range(need - args.warmup)], 5
            )
            if any(a.status != 200 for a in setup):
                raise RuntimeError("some set-up /draft requests failed")
            clicks = await pending_clicks(database_url, need, args.prepare_timeout)
            if not args.keep_worker:
                worker.stop()
                worker = None
            await closed_loop(http, s_url, s["secret"], clicks[: args.warmup], 5)
            await closed_loop(http, b_url, b["secret"], clicks[: args.warmup], 5)
            clicks = clicks[args.warmup :]

            drafted = lambda a: a.status == 200 and "Got it" in a.body  # noqa: E731
            acked = lambda a: a.status == 200  # noqa: E731
            print(
                f"measuring: {args.repeat} round(s) of {count} requests at {args.rate:g}/s per case …", file=sys.stderr
            )
            topics = [slash_body(f"benchmark topic number {i}") for i in range(count)]
            cases = [
                ("/draft", "bare Bolt", b_url, b["secret"], drafted),
                ("/draft", "Signoff", s_url, s["secret"], drafted),
                ("Approve click", "bare Bolt", b_url, b["secret"], acked),
                ("Approve click", "Signoff", s_url, s["secret"], acked),
            ]
            pooled: dict[int, list[Sent]] = {i: [] for i in range(len(cases))}
            rounds: dict[int, list[float]] = {i: [] for i in range(len(cases))}
            lags: dict[int, float] = dict.fromkeys(range(len(cases)), 0.0)
            # Rounds alternate the servers, so a noisy moment on a shared machine hits both.
            for r in range(args.repeat):
                round_clicks = clicks[r * count : (r + 1) * count]
                for i, (label, _server, url, secret, _ok) in enumerate(cases):
                    bodies = topics if label == "/draft" else round_clicks
                    answers, lag = await open_loop(http, url, secret, bodies, args.rate)
                    pooled[i] += answers
                    rounds[i].append(Summary.of([a.latency_s for a in answers]).p99)
                    lags[i] = max(lags[i], lag)
                    await asyncio.sleep(1.0)  # let after-ack work (enqueue, chat.update) drain
            rows = [
                dict(summarise(label, server, pooled[i], lags[i], ok), rounds=rounds[i])
                for i, (label, server, _, _, ok) in enumerate(cases)
            ]
    finally:
        for child in (worker, signoff, bare):
            if child is not None:
                child.stop()
    report(args, rows, database_url)


def report(args: argparse.Namespace, rows: list[dict[str, Any]], database_url: str) -> None:
    table = []
    verdicts = []
    for base, ours in zip(rows[0::2], rows[1::2], strict=False):
        for r in (base, ours):
            s = r["summary"]
            table.append(
                [
                    r["label"],
                    r["server"],
                    s.count,
                    r["errors"],
                    ms(s.p50),
                    ms(s.p99),
                    ms(s.max),
                    ratio(s.p99, base["summary"].p99) if r is ours else "1.00×",
                    " / ".join(ms(x) for x in r["rounds"]),
                    ms(r["lag"]),
                ]
            )
        p99_ratio = ours["summary"].p99 / base["summary"].p99
        met = p99_ratio <= 1.2 and ours["summary"].max < 1.0 and ours["errors"] == 0
        verdicts.append(
            f"- {ours['label']}: Signoff p99 = {p99_ratio:.2f}× bare, max "
            f"{ms(ours['summary'].max)} ms, {ours['errors']} errors → target "
            f"{'met' if met else 'NOT met'}"
        )
    db = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(
        f"\n### Ack latency — {args.rate:g} req/s for {args.duration:g} s × {args.repeat} round(s), open loop, {db}, "
        f"worker {'running' if args.keep_worker else 'stopped'} while measuring\n"
    )
    print(f"Machine: {machine()}" + (f"; settings: {', '.join(args.set)}" if args.set else "") + "\n")
    print(
        markdown_table(
            [
                "request",
                "server",
                "n",
                "errors",
                "p50 ms",
                "p99 ms",
                "max ms",
                "p99 ratio",
                "p99 per round ms",
                "generator lag ms",
            ],
            table,
        )
    )
    print("\nTarget: Signoff p99 ≤ 1.2× bare and max < 1000 ms.")
    print("\n".join(verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per case (default 10)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of the four cases, alternating servers; percentiles pool all rounds",
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per server first")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to create a scratch database on (or BENCH_DATABASE_URL); default: a temp SQLite file",
    )
    parser.add_argument(
        "--keep-worker", action="store_true", help="keep Signoff's worker running (same machine) while measuring"
    )
    parser.add_argument(
        "--prepare-timeout", type=float, default=180.0, help="seconds to wait for the click targets to be drafted"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Signoff setting for bot and worker, e.g. signoff_poll_delay_s=0.02",
    )
    args = parser.parse_args()
    clean_environment()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
