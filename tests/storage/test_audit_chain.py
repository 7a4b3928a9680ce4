from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit
from tests.conftest import needs_postgres

T0 = datetime(2026, 3, 29, 0, 30)


async def _append(sessionmaker: async_sessionmaker[AsyncSession], n: int) -> None:
    for i in range(n):
        async with sessionmaker.begin() as session:
            await audit.append(
                session,
                kind="note",
                actor=f"U{i}",
                now=T0 + timedelta(seconds=i),
                draft_id=1,
                detail={"i": i, "text": "ünïcode ✓"},
            )


async def test_an_untouched_chain_verifies(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _append(sessionmaker, 5)
    async with sessionmaker() as session:
        report = await audit.verify(session)
    assert report.ok and report.events == 5


async def test_concurrent_appends_never_fork_the_chain(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def one(i: int) -> None:
        async with sessionmaker.begin() as session:
            await audit.append(session, kind="race", actor=f"U{i}", now=T0, detail={"i": i})

    await asyncio.gather(*(one(i) for i in range(20)))
    async with sessionmaker() as session:
        report = await audit.verify(session)
        seqs = (await session.execute(text("SELECT seq FROM audit_events ORDER BY seq"))).scalars().all()
    assert report.ok, report.reason
    assert seqs == list(range(1, 21))


@pytest.mark.parametrize(
    "tamper, reason",
    [
        ("UPDATE audit_events SET detail = '{\"i\": 99}' WHERE seq = 2", "modified"),
        ("DELETE FROM audit_events WHERE seq = 2", "deleted"),
        ("DELETE FROM audit_events WHERE seq = 3", "removed"),
        ("UPDATE audit_events SET actor = 'U_MALLORY' WHERE seq = 1", "modified"),
    ],
)
async def test_verify_names_the_first_broken_link(
    sqlite_sessionmaker: async_sessionmaker[AsyncSession], tamper: str, reason: str
) -> None:
    sessionmaker = sqlite_sessionmaker
    await _append(sessionmaker, 3)
    async with sessionmaker.begin() as session:
        await session.execute(text(tamper))
    async with sessionmaker() as session:
        report = await audit.verify(session)
    assert not report.ok
    assert report.reason is not None
    assert reason in report.reason


@needs_postgres
async def test_postgres_refuses_to_rewrite_audit_events(
    postgres_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sessionmaker = postgres_sessionmaker
    await _append(sessionmaker, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessionmaker.begin() as session:
            await session.execute(text("UPDATE audit_events SET actor = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessionmaker.begin() as session:
            await session.execute(text("DELETE FROM audit_events"))


@pytest.mark.parametrize(
    "draft_id, actor, detail",
    [
        (None, "system", {}),
        (7, "U_ÅSA", {"text": "emoji 👩‍💻 and \u202ebidi\u202c and zero\u200bwidth", "z": [1, {"y": None}]}),
        (123456789, 'quote " back\\slash', {"seq": 99, "prefix": "}"}),
    ],
)
def test_the_database_finishes_the_same_hash_from_the_prefix(
    draft_id: int | None, actor: str, detail: dict[str, Any]
) -> None:
    """append() hashes in SQL from canonical_prefix + the sequence number; verify() hashes
    canonical(): the two must be the same bytes for any content."""
    for seq in (1, 10, 123456):
        whole = audit.canonical(seq, draft_id, actor, "kind", detail, T0)
        prefix = audit.canonical_prefix(draft_id, actor, "kind", detail, T0)
        assert whole == prefix + f"{seq}}}".encode()
        assert audit.chain_hash_of_prefix("a" * 64, prefix, seq) == audit.chain_hash("a" * 64, whole)
