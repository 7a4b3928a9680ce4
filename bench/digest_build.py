"""Building the digest for N pending drafts in one channel (default 10 000): the query of pending
drafts plus the Block Kit messages (`storage.schedules.waiting_drafts` + `bot.blocks.digest.digest_messages`),
next to a plain `SELECT count(*)` over the same rows, through the same engine.

Permalinks are stored beforehand, as after a first digest, so no Slack call is timed. SQLite
always; PostgreSQL too with --postgres URL (or BENCH_DATABASE_URL), on a scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
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

NOW = datetime(2026, 3, 2, 9, 0)
CHANNEL = "C_BENCH"


async def fill(sessions, count: int) -> None:  # type: ignore[no-untyped-def]
    """Pending drafts in the bench channel, and as many decided ones elsewhere to filter out."""
    from sqlalchemy import insert

    from storage.models import Draft

    def row(n: int, channel: str, status: str) -> dict[str, Any]:
        created = NOW - timedelta(minutes=n)
        return {
            "channel_id": channel,
            "requester_id": f"U{n % 50:04d}",
            "topic": f"topic number {n} & more",
            "destinations": ["x", "mastodon"],
            "status": status,
            "version": 1,
            "current_revision": 1,
            "parent_ts": f"1700000000.{n:06d}",
            "permalink": f"https://acme.slack.com/archives/{channel}/p{n}",
            "created_at": created,
            "updated_at": created,
        }

    rows = [row(n, CHANNEL, "pending") for n in range(count)] + [row(n, "C_OTHER", "published") for n in range(count)]
    async with sessions.begin() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Draft), rows[start : start + 2000])


async def measure(url: str, count: int, repeats: int) -> dict[str, float]:
    from bot.blocks.digest import digest_messages
    from bot.parsing.timeparse import zone
    from storage import schedules
    from storage.db import create_engine, create_sessionmaker

    await migrated(url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        await fill(sessions, count)
        build, counting, parts = [], [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            async with sessions() as session:
                items = await schedules.waiting_drafts(session, ttl_h=72, channel_id=CHANNEL)
            messages = digest_messages(items, now=NOW, tz=zone("Europe/Berlin"))
            build.append(time.perf_counter() - started)
            parts = len(messages)
            started = time.perf_counter()
            async with sessions() as session:
                counted = await schedules.waiting_count(session, CHANNEL)
            counting.append(time.perf_counter() - started)
            assert counted == len(items) == count
        return {"build": statistics.median(build), "count": statistics.median(counting), "messages": parts}
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    clean_environment()
    results: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("SQLite", await measure(sqlite_url(Path(tmp)), args.count, args.repeats)))
    postgres = postgres_from(args.postgres)
    if postgres:
        async with scratch_postgres(postgres) as url:
            results.append(("PostgreSQL", await measure(url, args.count, args.repeats)))
    rows = [
        (
            name,
            f"{r['build'] * 1000:.1f} ms",
            f"{r['count'] * 1000:.2f} ms",
            f"{r['build'] / r['count']:.0f}×",
            int(r["messages"]),
        )
        for name, r in results
    ]
    print(f"Digest of {args.count} pending drafts (median of {args.repeats}); {machine()}\n")
    print(markdown_table(["database", "digest build (query + blocks)", "plain SQL count", "ratio", "messages"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="pending drafts (default 10 000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also run on a scratch database on this server")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
