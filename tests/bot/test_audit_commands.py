"""`signoff audit verify` and `signoff audit export` as a user types them: after the demo, on a
database that is not there, and piped into `head`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from storage import audit
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from tests.bot.processes import SIGNOFF, environment, signoff


def test_the_demo_prints_where_its_database_is_and_a_verify_command_that_works(tmp_path: Path) -> None:
    demo = signoff("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert f"The demo's database is {tmp_path.resolve() / '.signoff' / 'demo.db'}." in demo.stdout
    command = demo.stdout.strip().splitlines()[-1].strip()
    assert command.startswith("DATABASE_URL=sqlite+aiosqlite:///.signoff/demo.db ")
    verified = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, env=environment(), timeout=120
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("audit trail intact: 6 events, head #6 ")
    assert not (tmp_path / "signoff.db").exists()


def test_verify_where_there_is_no_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    result = signoff("audit", "verify", cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"signoff audit: no database at {tmp_path.resolve() / 'signoff.db'} ")
    assert "DATABASE_URL=sqlite+aiosqlite:///.signoff/demo.db" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_export_of_a_database_in_a_missing_directory_creates_neither(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "signoff.db"
    result = signoff("audit", "export", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{missing}")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"signoff audit: no database at {missing} ")
    assert not (tmp_path / "nowhere").exists()


def test_verify_on_a_file_without_signoff_tables_says_so(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (x)")
    result = signoff("audit", "verify", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{other}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"signoff audit: {other} has no Signoff tables (not a Signoff database?)"
    ]


async def _database_with_events(path: Path, count: int) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine).begin() as session:
            for i in range(count):
                await audit.append(
                    session,
                    kind="note",
                    actor="U_CAROL",
                    detail={"i": i, "text": "x" * 200},
                    now=datetime(2026, 11, 23) + timedelta(seconds=i),
                )
    finally:
        await engine.dispose()
    return url


async def test_export_piped_into_head_stops_quietly(tmp_path: Path) -> None:
    # Far more than a pipe holds, so the writer meets the closed pipe half-way.
    url = await _database_with_events(tmp_path / "big.db", 2000)
    export = subprocess.Popen(
        [*SIGNOFF, "audit", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment(DATABASE_URL=url),
    )
    assert export.stdout is not None and export.stderr is not None
    first = json.loads(export.stdout.readline())
    export.stdout.close()  # what `head -n 1` does once it has its line
    stderr = (await asyncio.to_thread(export.stderr.read)).decode()
    code = await asyncio.to_thread(export.wait, 60)
    assert first["seq"] == 1
    assert stderr == ""
    assert code == 141  # as a shell reports a process ended by SIGPIPE
