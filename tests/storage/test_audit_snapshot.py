"""The chain is verified on one snapshot: events appended while it is walked (a busy desk at the
moment the daily head is posted, or `signoff audit verify` run next to a live bot) are not taken
for a broken chain."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit
from storage.db import snapshot

T0 = datetime(2026, 3, 29, 0, 30)


async def _append(sessionmaker: async_sessionmaker[AsyncSession], first: int, count: int) -> None:
    for i in range(first, first + count):
        async with sessionmaker.begin() as session:
            await audit.append(session, kind="note", actor=f"U{i % 7}", now=T0 + timedelta(seconds=i), detail={"i": i})


async def test_a_chain_walked_while_events_keep_arriving_is_intact(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _append(sessionmaker, 0, 200)
    stop = asyncio.Event()

    async def keep_appending() -> None:
        i = 200
        while not stop.is_set():
            await _append(sessionmaker, i, 1)
            i += 1

    appender = asyncio.create_task(keep_appending())
    reports = []
    try:
        for _ in range(15):
            async with snapshot(sessionmaker) as session:
                reports.append(await audit.verify(session))
    finally:
        stop.set()
        await appender
    assert [r.reason for r in reports if not r.ok] == []
    assert reports[-1].events > 200


async def test_a_snapshot_session_reads_the_head_of_the_moment_it_began(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _append(sessionmaker, 0, 3)
    async with snapshot(sessionmaker) as session:
        before = await audit.verify(session)
        await _append(sessionmaker, 3, 2)
        again = await audit.verify(session)
    assert (before.events, before.head) == (again.events, again.head) == (3, before.head)
