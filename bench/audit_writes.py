"""Decisions per second: `storage.decisions.approve` (compare-and-set on the draft + hash-chained
audit event + outbox job, one transaction each) vs a raw single-row INSERT into a scratch table,
one transaction each, through the same engine (same pool, pragmas and BEGIN IMMEDIATE on SQLite).

Pending drafts with a revision are set up first the way the worker makes them (intake.request_draft,
runs.start, runs.record_revision). SQLite always; PostgreSQL too with --postgres URL (or
BENCH_DATABASE_URL): a scratch database is created on that server and dropped afterwards.
--concurrency N runs N writers at once (decisions on distinct drafts), as N bot processes would.
The three kinds run in interleaved rounds (100 of each, then the next 100 …), so a load change on a
shared machine falls on both sides of the ratio.

Target: approve ≥ 0.5× the raw insert rate.

For reading the gap, a third column times the floor of what the issue calls a decision: the same
three writes with no checks (UPDATE one scratch row, INSERT one scratch audit row, INSERT one
scratch outbox row) in one transaction, through the same engine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    clean_environment,
    machine,
    markdown_table,
    migrated,
    postgres_from,
    scratch_postgres,
    sqlite_url,
)


async def prepare(sessions, count: int) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    """`count` pending drafts; returns (draft id, revision, sha256) for each approval."""
    from storage import intake, queries, runs
    from storage.clock import utcnow

    targets = []
    for i in range(count):
        async with sessions.begin() as session:
            accepted = await intake.request_draft(
                session,
                team_id="T_LOCAL",
                channel_id="C_GENERAL",
                user_id="U_CAROL",
                topic=f"audit topic {i}",
                destinations=["dryrun"],
                now=utcnow(),
            )
            run = await runs.start(session, accepted.run_id, now=utcnow())
            revision = await runs.record_revision(
                session,
                run,  # type: ignore[arg-type]
                text=f"Draft text number {i}: what changed and why it matters.",
                policy_ok=True,
                details={},
                stages=[],
                now=utcnow(),
            )
            assert revision is not None
            targets.append((accepted.draft_id, revision.number, revision.sha256))
            assert (await queries.draft(session, accepted.draft_id)).status == "pending"
    return targets


async def timed_writers(work, items: list[Any], concurrency: int) -> float:  # type: ignore[no-untyped-def]
    """Run work(item) for every item with `concurrency` writers; returns the elapsed seconds."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def writer() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(concurrency)))
    return time.perf_counter() - started


async def measure(database_url: str, count: int, concurrency: int, rounds: int = 10) -> dict[str, Any]:
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

    from storage import decisions
    from storage.clock import utcnow
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    scratch = Table(
        "bench_scratch",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("actor", String(32)),
        Column("kind", String(32)),
        Column("created_at", DateTime),
    )
    try:
        async with engine.begin() as conn:
            await conn.run_sync(scratch.metadata.create_all)
        targets = await prepare(sessions, count)
        refused: list[str] = []

        async def approve(target: tuple[int, int, str]) -> None:
            draft_id, revision, sha256 = target
            async with sessions.begin() as session:
                decision = await decisions.approve(
                    session, draft_id=draft_id, revision=revision, sha256=sha256, user_id="U_ALICE", now=utcnow()
                )
            if not decision.ok:
                refused.append(str(decision.reason))

        async def insert(i: int) -> None:
            async with sessions.begin() as session:
                await session.execute(scratch.insert().values(actor="U_ALICE", kind="approved", created_at=utcnow()))

        async def three_writes(i: int) -> None:
            async with sessions.begin() as session:
                await session.execute(
                    scratch.update().where(scratch.c.id == 1 + i % 20).values(kind="approved", created_at=utcnow())
                )
                await session.execute(scratch.insert().values(actor="U_ALICE", kind="audit", created_at=utcnow()))
                await session.execute(scratch.insert().values(actor="U_ALICE", kind="outbox", created_at=utcnow()))

        # Warm every path (pool connections, compiled-statement caches) before timing.
        await timed_writers(insert, list(range(20)), concurrency)
        await timed_writers(three_writes, list(range(20)), concurrency)
        # Interleaved rounds: on a shared machine the load drifts within a run, and timing each kind
        # in one block would let the drift land on one side of the ratio.
        elapsed = {"raw": 0.0, "three": 0.0, "approve": 0.0}
        size = -(-count // rounds)
        for start in range(0, count, size):
            chunk = list(range(start, min(count, start + size)))
            elapsed["raw"] += await timed_writers(insert, chunk, concurrency)
            elapsed["three"] += await timed_writers(three_writes, chunk, concurrency)
            elapsed["approve"] += await timed_writers(approve, [targets[i] for i in chunk], concurrency)
        if refused:
            raise RuntimeError(f"{len(refused)} approvals were refused, e.g. {refused[0]}")
        return {kind: count / seconds for kind, seconds in elapsed.items()}
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    rows, verdicts = [], []
    backends = [("SQLite", None)] + ([("PostgreSQL", pg)] if (pg := postgres_from(args.postgres)) else [])
    for name, server in backends:
        for concurrency in args.concurrency:
            print(f"{name}, {concurrency} writer(s): {args.count} inserts, {args.count} approvals …", file=sys.stderr)
            if server is None:
                with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp:
                    url = sqlite_url(Path(tmp))
                    await migrated(url)
                    result = await measure(url, args.count, concurrency)
            else:
                async with scratch_postgres(server) as url:
                    await migrated(url)
                    result = await measure(url, args.count, concurrency)
            share = result["approve"] / result["raw"]
            rows.append(
                [
                    name,
                    concurrency,
                    args.count,
                    f"{result['raw']:.0f}",
                    f"{result['three']:.0f}",
                    f"{result['approve']:.0f}",
                    f"{share:.2f}×",
                    f"{result['approve'] / result['three']:.2f}×",
                ]
            )
            verdicts.append(
                f"- {name}, {concurrency} writer(s): {share:.2f}× → target {'met' if share >= 0.5 else 'NOT met'}"
            )
    print(f"\n### Audit writes — one transaction per decision\n\nMachine: {machine()}\n")
    print(
        markdown_table(
            [
                "database",
                "writers",
                "transactions",
                "raw insert /s",
                "three raw writes /s",
                "approve /s",
                "ratio (target)",
                "vs three writes",
            ],
            rows,
        )
    )
    print("\nTarget: approve ≥ 0.5× raw single-row insert.")
    print("\n".join(verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="transactions of each kind (default 1000)")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 4], help="writer counts to try (default: 1 4)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on a scratch database on this PostgreSQL server (or BENCH_DATABASE_URL)",
    )
    args = parser.parse_args()
    clean_environment()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
