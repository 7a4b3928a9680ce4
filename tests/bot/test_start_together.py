"""`signoff bot` and `signoff worker` started at the same moment on a new SQLite file (systemd,
compose, two terminals) both come up and both stop cleanly. bench/start_together.py repeats this
hundreds of times; tests/storage/test_migrate_together.py overlaps the migrations on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.processes import Running


@pytest.mark.parametrize("round_no", range(3))
def test_bot_and_worker_started_at_once_on_a_new_sqlite_file_both_come_up(
    tmp_path: Path, redis_url: str, round_no: int
) -> None:
    env = dict(
        SLACK_BOT_TOKEN="xox" + "b-start-together",  # split, like the other test tokens: not a credential
        SLACK_SIGNING_SECRET="s" * 32,
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'signoff.db'}",
        SLACK_API_URL="http://127.0.0.1:9/",
        SIGNOFF_APPROVERS="U_ALICE",
    )
    bot = Running("bot", "--port", "0", log=tmp_path / "bot.log", cwd=tmp_path, **env)
    worker = Running("worker", log=tmp_path / "worker.log", cwd=tmp_path, **env)
    try:
        bot.wait_for("bot listening on")
        worker.wait_for("← cron:scheduled_publishes")  # run at start, after the migrations
    finally:
        codes = (bot.stop(), worker.stop())
    assert codes == (0, 0), bot.output + worker.output
    assert "database is locked" not in bot.output + worker.output
