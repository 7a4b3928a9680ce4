"""Processes that upgrade one database at the same moment (bot and worker started together on a
fresh SQLite file, several `signoff db upgrade` at once) all succeed: one migrates, the others
find the schema at head."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.common import scratch_postgres
from storage.db import create_engine
from storage.migrate import current_revision, head_revision, upgrade
from tests.conftest import PG_URL, needs_postgres

ROOT = Path(__file__).resolve().parents[2]

# Each child waits for the same wall-clock instant, so their migrations overlap as they would
# when systemd or compose starts two services at once.
UPGRADE_AT = textwrap.dedent("""
    import asyncio, sys, time
    from storage.db import create_engine
    from storage.migrate import prepare

    async def main(url: str, start_at: float) -> None:
        engine = create_engine(url)
        time.sleep(max(0.0, start_at - time.time()))
        try:
            await prepare(engine, upgrade_in_place=True)
        finally:
            await engine.dispose()

    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
""")


def _upgrade_together(url: str, processes: int) -> list[subprocess.CompletedProcess[str]]:
    start_at = time.time() + 2.0  # after every child has imported SQLAlchemy and alembic
    children = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_AT, url, str(start_at)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        results.append(subprocess.CompletedProcess[str](child.args, child.returncode, out, err))
    return results


def _error_line(stderr: str) -> str:
    return next((line for line in reversed(stderr.splitlines()) if "Error" in line), stderr[-300:])


async def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await current_revision(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("round_no", range(3))
async def test_processes_upgrading_a_fresh_sqlite_file_at_once_all_succeed(tmp_path: Path, round_no: int) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    results = await asyncio.to_thread(_upgrade_together, url, 4)
    assert [_error_line(r.stderr) for r in results if r.returncode] == []
    assert await _revision(url) == head_revision()


async def test_upgrades_in_one_process_on_separate_connections_take_turns(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    engines = [create_engine(url) for _ in range(4)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()


@needs_postgres
async def test_upgrades_of_one_empty_postgresql_database_at_once_all_succeed() -> None:
    async with scratch_postgres(PG_URL) as url:
        engines = [create_engine(url) for _ in range(4)]
        try:
            await asyncio.gather(*(upgrade(engine) for engine in engines))
            assert await current_revision(engines[0]) == head_revision()
        finally:
            for engine in engines:
                await engine.dispose()
