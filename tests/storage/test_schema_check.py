"""A process starts only on this release's schema or a newer one: SQLite is upgraded in place,
PostgreSQL must have had `signoff db upgrade`, and an older schema is one clear line, not a failure
on every write."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.common import scratch_postgres as scratch_database
from storage.db import create_engine
from storage.errors import SchemaMismatch
from storage.migrate import current_revision, head_revision, prepare, upgrade
from tests.conftest import PG_URL, needs_postgres


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[str]:
    """An empty database of its own on the test server (the shared one stays at head)."""
    async with scratch_database(PG_URL) as url:
        yield url


async def test_a_sqlite_file_is_upgraded_in_place(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(engine, "0004")
        await prepare(engine, upgrade_in_place=True)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


@needs_postgres
async def test_an_older_schema_refuses_with_what_to_run_and_a_newer_one_is_used(
    scratch_postgres: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(scratch_postgres)
    try:
        with pytest.raises(SchemaMismatch, match=r"at revision \(empty\), this release needs"):
            await prepare(engine, upgrade_in_place=False)
        await upgrade(engine, "0004")
        with pytest.raises(SchemaMismatch, match=r"at revision 0004, .* run `signoff db upgrade` once"):
            await prepare(engine, upgrade_in_place=False)
        await upgrade(engine)
        await prepare(engine, upgrade_in_place=False)  # at head: starts
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        await prepare(engine, upgrade_in_place=False)  # a newer release's schema (a rollback): starts
        assert "newer than this release's" in caplog.text
    finally:
        await engine.dispose()


@needs_postgres
@pytest.mark.parametrize("command", ["bot", "worker"])
async def test_bot_and_worker_on_an_old_schema_stop_with_one_line(
    scratch_postgres: str, redis_url: str, command: str
) -> None:
    engine = create_engine(scratch_postgres)
    await upgrade(engine, "0004")
    await engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": scratch_postgres,
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s" * 32,
        "SIGNOFF_APPROVERS": "U_ALICE",
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "launch.cli", command, "--port", "0"]
        if command == "bot"
        else [sys.executable, "-m", "launch.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"signoff: cannot start: the database schema is at revision 0004, this release needs "
        f"{head_revision()}: run `signoff db upgrade` once, then start again"
    )
    assert "Traceback" not in result.stderr
