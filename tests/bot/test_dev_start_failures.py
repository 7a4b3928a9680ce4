"""`signoff dev` that cannot start stops everything it had started: no embedded redis-server is
left running, whatever failed (a missing token, the bot's port in use, a worker that cannot start)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.processes import end, processes_mentioning, signoff


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    end(processes_mentioning(path))  # so a failure here does not leak into later tests


def _listening_socket() -> socket.socket:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    return busy


def test_dev_without_a_token_says_so_and_starts_nothing(data_dir: Path, tmp_path: Path) -> None:
    result = signoff("dev", "--port", "0", cwd=tmp_path, SIGNOFF_DATA_DIR=str(data_dir))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "signoff: configuration error: SLACK_BOT_TOKEN is not set; see README.md, 'Configuration'"
    ]
    assert processes_mentioning(data_dir) == []


def test_dev_whose_bot_port_is_taken_stops_its_embedded_redis(data_dir: Path, tmp_path: Path) -> None:
    with _listening_socket() as busy:
        result = signoff(
            "dev",
            "--host",
            "127.0.0.1",
            "--port",
            str(busy.getsockname()[1]),
            cwd=tmp_path,
            SIGNOFF_DATA_DIR=str(data_dir),
            SLACK_BOT_TOKEN="xoxb-dev",
            SLACK_SIGNING_SECRET="s" * 32,
            SIGNOFF_APPROVERS="U_ALICE",
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}",
        )
    assert result.returncode == 1, result.stderr
    assert "signoff: cannot start:" in result.stderr and "Traceback" not in result.stderr
    assert "Unclosed" not in result.stderr  # the bot's HTTP session and database were closed too
    assert (data_dir / "redis" / "redis.log").exists()  # it had started one
    assert processes_mentioning(data_dir) == []


def test_dev_whose_worker_cannot_start_exits_and_stops_its_embedded_redis(data_dir: Path, tmp_path: Path) -> None:
    with _listening_socket() as busy:
        result = signoff(
            "dev",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            cwd=tmp_path,
            timeout_s=120,
            SIGNOFF_DATA_DIR=str(data_dir),
            SLACK_BOT_TOKEN="xoxb-dev",
            SLACK_SIGNING_SECRET="s" * 32,
            SIGNOFF_APPROVERS="U_ALICE",
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}",
            SIGNOFF_WORKER_METRICS_PORT=str(busy.getsockname()[1]),
        )
    assert result.returncode == 2, result.stderr
    assert "SIGNOFF_WORKER_METRICS_PORT: cannot listen on port" in result.stderr
    assert "Traceback" not in result.stderr
    assert processes_mentioning(data_dir) == []
