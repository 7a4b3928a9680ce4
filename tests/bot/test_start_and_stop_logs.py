"""What the bot and the worker log when they start and stop says what happened: no warning about
a token Signoff means to pass, and a SIGTERM is logged as a SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.bot.processes import Running


def _env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    return dict(
        SLACK_BOT_TOKEN="xoxb-logs",
        SLACK_SIGNING_SECRET="s" * 32,
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'signoff.db'}",
        SLACK_API_URL="http://127.0.0.1:9/",
        SIGNOFF_APPROVERS="U_ALICE",
    )


def test_the_bot_starts_without_warning_about_its_own_token(tmp_path: Path, redis_url: str) -> None:
    bot = Running("bot", "--port", "0", log=tmp_path / "bot.log", cwd=tmp_path, **_env(tmp_path, redis_url))
    try:
        bot.wait_for("bot listening on")
    finally:
        assert bot.stop() == 0
    assert "WARNING" not in bot.output, bot.output
    assert "bot stopping on SIGTERM" in bot.output


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_logs_the_signal_it_stopped_on(tmp_path: Path, redis_url: str, sig: signal.Signals) -> None:
    worker = Running("worker", log=tmp_path / "worker.log", cwd=tmp_path, **_env(tmp_path, redis_url))
    try:
        worker.wait_for("← cron:scheduled_publishes")
    finally:
        assert worker.stop(sig) == 0
    assert f"worker stopping on {sig.name}" in worker.output
    assert "SIGUSR1" not in worker.output
