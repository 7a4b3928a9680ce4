"""Shared fixtures: a real database per test (SQLite always, PostgreSQL when TEST_DATABASE_URL is
set), a real Redis (an embedded redis-server unless TEST_REDIS_URL is set), and a clean environment."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis as redis_sync
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from launch.redis_server import EmbeddedRedis
from storage.audit import GENESIS
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "").replace("postgresql://", "postgresql+asyncpg://", 1)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TABLES = (
    "publications",
    "approvals",
    "revisions",
    "runs",
    "outbox",
    "audit_events",
    "processed_events",
    "config_entries",
    "schedule_marks",
    "search_index",
    "draft_media",
    "media_blobs",
    "drafts",
)
ENV_PREFIXES = (
    "SLACK_",
    "SIGNOFF_",
    "REDIS_URL",
    "DATABASE_URL",
    "WEBHOOK_",
    "LLM_",
    "X_",
    "MASTODON_",
    "BLUESKY_",
    "DEVTO_",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come only from what a test passes: no proxies, no OAuth switch, no stray .env."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


async def _migrate(url: str, reset_schema: bool) -> None:
    engine = create_engine(url)
    try:
        if reset_schema:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


def run_in_thread(coro) -> None:  # type: ignore[no-untyped-def]
    """Session fixtures may be first requested from inside a test's event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrations run once per session (so they are tested too); each test copies the result."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    run_in_thread(_migrate(f"sqlite+aiosqlite:///{path}", reset_schema=False))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    run_in_thread(_migrate(PG_URL, reset_schema=True))
    return PG_URL


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            await conn.execute(text(f"UPDATE audit_head SET seq = 0, hash = '{GENESIS}'"))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "signoff.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_migrated")
    await _truncate(url)
    return url


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def sqlite_sessionmaker(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """For tests of what only SQLite lets us do (PostgreSQL refuses to rewrite audit rows)."""
    target = tmp_path / "sqlite-only.db"
    shutil.copy(sqlite_template, target)
    engine = create_engine(f"sqlite+aiosqlite:///{target}")
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def postgres_sessionmaker(postgres_migrated: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(PG_URL)
    await _truncate(PG_URL)
    yield create_sessionmaker(engine)
    await engine.dispose()


needs_postgres = pytest.mark.skipif(not PG_URL, reason="set TEST_DATABASE_URL to run PostgreSQL-only tests")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False)
    yield server.start()
    server.stop()


@pytest.fixture
def redis_url(redis_server: str) -> str:
    redis_sync.Redis.from_url(redis_server).flushdb()
    return redis_server
