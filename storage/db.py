"""Engine and sessionmaker factories. Built only in the composition roots, never at import time."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.redaction import SESSION_KEY, Redactor
from storage.sqlite_writers import WriterQueue


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and for an in-memory database)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser().resolve()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        if (path := sqlite_file(url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # WAL lets the bot read while the worker writes. Write transactions (`sessionmaker.begin()`)
    # start with BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the
    # first read, so a compare-and-set never fails half-way with SQLITE_BUSY_SNAPSHOT. Read-only
    # sessions use a plain BEGIN and never wait for writers.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # audit.append hashes in SQL; PostgreSQL has the function from migration 0005.
        dbapi_connection.create_function("signoff_chain_hash", 3, _sqlite_chain_hash, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _sqlite_chain_hash(prev_hash: str, prefix: bytes, seq: int) -> str:
    from storage.audit import chain_hash_of_prefix

    return chain_hash_of_prefix(prev_hash, bytes(prefix), seq)


WRITE = "signoff_write"


class Sessionmaker(async_sessionmaker[AsyncSession]):
    """`begin()` marks the session's connection as a writer before its transaction starts; on a
    SQLite file it first waits its turn in the writer queue (storage/sqlite_writers.py)."""

    writers: WriterQueue | None = None

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        async with self.writers.turn() if self.writers else contextlib.nullcontext():
            async with super().begin() as session:
                await session.connection(execution_options={WRITE: True})
                yield session


def create_sessionmaker(engine: AsyncEngine, *, redactor: Redactor | None = None) -> async_sessionmaker[AsyncSession]:
    """Every session carries `redactor` in its `info`, for the storage functions that store free
    text (`storage.redaction.redactor_of`); without one they still remove token-shaped strings."""
    sessionmaker = Sessionmaker(engine, expire_on_commit=False, info={SESSION_KEY: redactor or Redactor()})
    if (path := sqlite_file(_url_of(engine))) is not None:
        sessionmaker.writers = WriterQueue(str(path))
    return sessionmaker


@asynccontextmanager
async def write_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a write transaction outside any session (migrations): on a SQLite file it
    waits its turn in the writer queue and begins IMMEDIATE, like `Sessionmaker.begin()`."""
    path = sqlite_file(_url_of(engine))
    async with WriterQueue(str(path)).turn() if path is not None else contextlib.nullcontext():
        async with engine.connect() as connection:
            await connection.execution_options(**{WRITE: True})
            async with connection.begin():
                yield connection


def _url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


@asynccontextmanager
async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A read-only session whose statements all see the same moment, so a chain walked while others
    append still ends at the head it started from. SQLite's read transactions already hold one
    snapshot (WAL); PostgreSQL's default, READ COMMITTED, takes a new one for every statement."""
    async with sessionmaker() as session:
        if session.bind is not None and not is_sqlite(str(session.bind.sync_engine.url)):
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session
