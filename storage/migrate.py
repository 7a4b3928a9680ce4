"""Apply alembic migrations over an existing async engine (used by `signoff db upgrade` and at start),
and refuse to start on a schema older than this release's.

Processes that start together (bot and worker under systemd or compose) upgrade one at a time: a
SQLite file in a write transaction taken in the writer queue (storage/sqlite_writers.py), PostgreSQL
under a transaction-scoped advisory lock. The next one then finds the schema at head and does
nothing. Without that, both read "no alembic_version yet" in deferred transactions and the second
one's first write failed at once with "database is locked": SQLite does not wait (busy timeout or
not) when a reader upgrades to a writer after another writer committed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import is_sqlite, write_connection
from storage.errors import SchemaMismatch

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("signoff.storage")
# pg_advisory_xact_lock key of migrations: "SIGNOFF" in ASCII, read as one integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"SIGNOFF", "big")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    config = alembic_config()

    def _run(sync_connection) -> None:  # type: ignore[no-untyped-def]
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with write_connection(engine) as connection:
        if not is_sqlite(str(engine.url)):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


async def prepare(engine: AsyncEngine, *, upgrade_in_place: bool) -> None:
    """Before serving: a SQLite file is upgraded in place; another database must already be at this
    release's schema (or a newer one), since its upgrade is an operator's step (`signoff db
    upgrade`) — running on an older schema would fail on every write instead."""
    if upgrade_in_place:
        await upgrade(engine)
        return
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        # A newer release upgraded it (say, this one is a rollback). Our migrations only ever add,
        # so an older release keeps working on a newer schema; say so rather than refuse.
        log.warning("the database schema is at revision %s, newer than this release's %s; continuing", current, head)
        return
    raise SchemaMismatch(
        f"the database schema is at revision {current or '(empty)'}, this release needs "
        f"{head}: run `signoff db upgrade` once, then start again"
    )
