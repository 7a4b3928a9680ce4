"""`signoff audit verify` and `signoff audit export`.

Both only read. A database that is not there (a mistyped DATABASE_URL, the demo's file looked for
in the wrong place) is one line saying so; the file is not created, as opening it would.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.redaction import redactor_for
from bot.settings import Settings
from storage.redaction import Redactor
from storage.db import create_engine, create_sessionmaker, is_sqlite, snapshot, sqlite_file

# What a shell reports for a process that SIGPIPE ended, as `… | head` ends `cat`.
BROKEN_PIPE_EXIT = 128 + 13


class NoDatabase(Exception):
    """The message names the database and what to do."""


def demo_hint() -> str:
    return "the demo's database is .signoff/demo.db: DATABASE_URL=sqlite+aiosqlite:///.signoff/demo.db"


async def _engine_for(settings: Settings) -> AsyncEngine:
    path = sqlite_file(settings.database_url)
    if path is not None and not path.is_file():
        raise NoDatabase(
            f"no database at {path} (DATABASE_URL={settings.database_url}); "
            f"set DATABASE_URL to an existing one ({demo_hint()})"
        )
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            has_audit = await connection.run_sync(lambda sync: inspect(sync).has_table("audit_events"))
    except BaseException:
        await engine.dispose()
        raise
    if not has_audit:
        await engine.dispose()
        where = str(path) if path is not None else "DATABASE_URL"
        raise NoDatabase(
            f"{where} has no Signoff tables ("
            + ("not a Signoff database?" if is_sqlite(settings.database_url) else "run `signoff db upgrade` first")
            + ")"
        )
    return engine


async def verify(settings: Settings) -> int:
    from storage import audit

    engine = await _engine_for(settings)
    try:
        async with snapshot(create_sessionmaker(engine)) as session:
            report = await audit.verify(session)
    finally:
        await engine.dispose()
    if report.ok:
        # In full, to compare with the head posted daily to SIGNOFF_AUDIT_CHANNEL.
        print(f"audit trail intact: {report.events} events, head #{report.events} {report.head}")
        return 0
    print(f"audit trail BROKEN at event #{report.broken_at_seq}: {report.reason}", file=sys.stderr)
    return 1


async def export(settings: Settings, output: str | None) -> int:
    """JSON lines in chain order, each with its hashes, so an archive can be verified on its own;
    redacted once more on the way out (storage.audit.export_lines)."""
    engine = await _engine_for(settings)
    redactor = redactor_for(settings)
    try:
        if output:
            with open(output, "w", encoding="utf-8") as target:
                count = await _write_events(engine, target, redactor)
        else:
            try:
                count = await _write_events(engine, sys.stdout, redactor)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader left (`| head`): stop quietly. Python would complain again when it
                # flushes stdout at exit, so stdout now points at /dev/null.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return BROKEN_PIPE_EXIT
    finally:
        await engine.dispose()
    print(f"exported {count} audit events" + (f" to {output}" if output else ""), file=sys.stderr)
    return 0


async def _write_events(engine: AsyncEngine, target: TextIO, redactor: Redactor) -> int:
    from storage import audit

    count = 0
    async with snapshot(create_sessionmaker(engine, redactor=redactor)) as session:
        async for line in audit.export_lines(session):
            target.write(line + "\n")
            count += 1
    return count
