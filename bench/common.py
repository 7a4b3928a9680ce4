"""Helpers shared by the benchmarks: percentiles, Markdown tables, an embedded Redis, throwaway
databases (a temp SQLite file, or a scratch PostgreSQL database created and dropped per run),
child processes that report one JSON line, and memory readings.

Benchmarks never touch the system Redis or an existing database: they start their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# Variables that would change what Settings reads or route loopback traffic through a proxy
# (slack_sdk ignores NO_PROXY), or switch Bolt into OAuth mode.
_ENV_PREFIXES = (
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


def clean_environment() -> None:
    """Settings come only from what a benchmark passes; call before building any Settings."""
    for name in list(os.environ):
        if name.upper().startswith(_ENV_PREFIXES):
            del os.environ[name]
    # Settings also reads ./.env: run from a directory that has none.
    os.chdir(tempfile.gettempdir())


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct % of samples at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(len(values), percentile(values, 50), percentile(values, 99), max(values) if values else float("nan"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}×" if base else "n/a"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + " |"

    return "\n".join(
        [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in cells[1:]]
    )


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.startswith("model name"):
                cpu = text_line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu or platform.machine()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def memory_mb() -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, in MiB."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for text_line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = text_line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    if "VmHWM" not in out:  # not Linux: ru_maxrss is KiB on Linux, bytes on macOS
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["VmHWM"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return out


# -- Redis and databases ----------------------------------------------------------------------
@contextlib.contextmanager
def embedded_redis(workdir: Path) -> Iterator[str]:
    """A private redis-server (not persistent) for this run; never the system Redis."""
    from launch.redis_server import EmbeddedRedis

    server = EmbeddedRedis(workdir / "redis", persistent=False)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def sqlite_url(workdir: Path, name: str = "bench.db") -> str:
    return f"sqlite+aiosqlite:///{(workdir / name).resolve()}"


def postgres_from(cli_value: str | None) -> str | None:
    value = cli_value or os.environ.get("BENCH_DATABASE_URL") or None
    if value and value.startswith("postgresql://"):
        value = "postgresql+asyncpg://" + value[len("postgresql://") :]
    return value


@contextlib.asynccontextmanager
async def scratch_postgres(server_url: str) -> AsyncIterator[str]:
    """CREATE a throwaway database next to the one named in `server_url`, yield its URL, DROP it.

    The named database is only used to connect: its tables (maybe someone's test data) are never
    touched.
    """
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"signoff_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception):
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def migrated(url: str) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


# -- child processes ----------------------------------------------------------------------------
class Child:
    """A helper process (bench/serve.py) that prints one JSON line when ready and stops when its
    stdin closes, so it cannot outlive the benchmark that started it."""

    def __init__(self, *args: str) -> None:
        self.args = [sys.executable, str(BENCH / "serve.py"), *args]
        self.process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}

    async def start(self, timeout_s: float = 60.0) -> dict[str, Any]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=tempfile.gettempdir()
        )
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout_s)  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"{self.args[2:]} exited before it was ready (code {self.process.wait()})")
        self.info = json.loads(line)
        return self.info

    async def result(self, timeout_s: float = 300.0) -> dict[str, Any]:
        """For children that report a second JSON line (a measurement) and then exit."""
        assert self.process is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout_s)  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"{self.args[2:]} ended without a result (code {self.process.wait()})")
        result: dict[str, Any] = json.loads(line)
        return result

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # type: ignore[union-attr]
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


# Benchmarks send hundreds of /draft from a few users; the per-user hourly limit (default 20)
# would refuse all but the first 20. Their local Slack enforces no rate limits, so Signoff need not
# pace its calls to Slack's (bench/burst.py turns pacing back on). A --set of the same key still wins.
BENCH_DEFAULTS: dict[str, object] = {"signoff_drafts_per_hour": 1_000_000, "signoff_slack_pacing": False}


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """--set signoff_poll_delay_s=0.02 → {"signoff_poll_delay_s": 0.02} (JSON values, else text),
    on top of BENCH_DEFAULTS."""
    out: dict[str, Any] = dict(BENCH_DEFAULTS)
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out
