from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import SettingsError, load_settings
from tests.bot.processes import signoff


def test_comma_separated_lists_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_APPROVERS", " U1, U2 ,")
    monkeypatch.setenv("SIGNOFF_DESTINATIONS", "dryrun,webhook")
    settings = load_settings()
    assert settings.signoff_approvers == ["U1", "U2"]
    assert settings.signoff_destinations == ["dryrun", "webhook"]


def test_defaults_need_nothing_installed() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///signoff.db"
    assert settings.redis_url is None and settings.slack_api_url == "https://slack.com/api/"


@pytest.mark.parametrize(
    "name, value", [("DATABASE_URL", "mysql://x"), ("SLACK_API_URL", "ftp://x"), ("SIGNOFF_JOB_LEASE_S", "soon")]
)
def test_a_malformed_setting_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def _signoff(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launch.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_help_lists_the_commands() -> None:
    result = _signoff("--help")
    assert result.returncode == 0
    for command in ("bot", "worker", "dev", "demo", "db", "audit"):
        assert command in result.stdout


def test_bot_without_slack_credentials_stops_with_one_clear_line() -> None:
    result = _signoff("bot", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "signoff: configuration error: SLACK_BOT_TOKEN is not set; see README.md, 'Configuration'"
    ]


def test_worker_with_an_unknown_destination_says_which(tmp_path: Path) -> None:
    result = _signoff(
        "worker", SLACK_BOT_TOKEN="xoxb-test", REDIS_URL="redis://127.0.0.1:1/0", SIGNOFF_DESTINATIONS="dryrun,myspace"
    )
    assert result.returncode == 2
    assert "myspace" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_then_audit_verify_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgraded = _signoff("db", "upgrade", DATABASE_URL=url)
    assert upgraded.returncode == 0 and "database at revision 00" in upgraded.stdout
    verified = _signoff("audit", "verify", DATABASE_URL=url)
    assert verified.returncode == 0 and "0 events" in verified.stdout


def test_demo_runs_a_whole_conversation_on_embedded_defaults(tmp_path: Path) -> None:
    result = _signoff("demo", SIGNOFF_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/draft" in out and "[Approve]" in out and "not allowed" in out
    assert "Published" in out and "intact" in out


def test_audit_export_writes_the_chain_as_json_lines(tmp_path: Path) -> None:
    import json

    demo = _signoff("demo", SIGNOFF_DATA_DIR=str(tmp_path / "data"))
    assert demo.returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'demo.db'}"
    out = tmp_path / "audit.jsonl"
    result = _signoff("audit", "export", "--output", str(out), DATABASE_URL=url)
    assert result.returncode == 0 and "exported" in result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(lines))
    assert lines[0]["kind"] == "requested"


def test_an_unreachable_database_is_one_line_not_a_traceback() -> None:
    result = _signoff("db", "upgrade", DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("signoff: cannot start: the database (DATABASE_URL) is not reachable")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value, level", [("debug", "DEBUG"), (" Warning ", "WARNING"), ("ERROR", "ERROR")])
def test_a_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch, value: str, level: str) -> None:
    monkeypatch.setenv("SIGNOFF_LOG_LEVEL", value)
    assert load_settings().signoff_log_level == level


@given(st.text(max_size=40))
def test_any_log_level_text_is_either_a_level_or_one_line_naming_the_setting(value: str) -> None:
    try:
        level = load_settings(signoff_log_level=value).signoff_log_level
    except SettingsError as exc:
        message = str(exc)
        assert message.startswith("SIGNOFF_LOG_LEVEL: ") and "DEBUG, INFO, WARNING, ERROR, CRITICAL" in message
        assert "\n" not in message.replace(repr(value), "")
    else:
        assert level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") and level == value.strip().upper()


def test_an_unknown_log_level_stops_the_worker_with_one_line() -> None:
    result = signoff("worker", SIGNOFF_LOG_LEVEL="loud")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        (
            "signoff: configuration error: SIGNOFF_LOG_LEVEL: 'loud' is not a log level; "
            "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
        )
    ]
