"""`signoff try`: one command starts everything on embedded defaults and prints the page's address;
the page answers there, its feed is live, and SIGINT stops it all, embedded Redis included."""

from __future__ import annotations

import json
import re
import signal
import urllib.request
from pathlib import Path

from tests.bot.processes import Running, end, processes_mentioning, signoff


def test_try_serves_the_page_on_embedded_defaults_and_stops_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    running = Running("try", "--port", "0", log=tmp_path / "try.log", SIGNOFF_DATA_DIR=str(data))
    try:
        output = running.wait_for("Ctrl-C stops everything")
        url = re.search(r"open (http://127\.0\.0\.1:\d+)/", output).group(1)  # type: ignore[union-attr]
        assert "embedded Redis" in output and "the offline writer" in output and "destinations: dryrun" in output
        with urllib.request.urlopen(url + "/", timeout=10) as page:
            assert "Signoff · local Slack" in page.read().decode()
        with urllib.request.urlopen(url + "/events?as=U_DAVE", timeout=10) as feed:
            first = json.loads(feed.readline().decode().removeprefix("data: "))
        assert first["type"] == "snapshot" and [c["name"] for c in first["channels"]] == ["general"]
        assert "Send the digest now" in first["tools"]
        assert running.stop(signal.SIGINT) == 0
    finally:
        if running.process.poll() is None:
            running.stop(signal.SIGKILL)
    left = processes_mentioning(data)
    end(left)
    assert left == [], "the embedded Redis outlived signoff try"


def test_try_script_plays_the_scripted_conversation(tmp_path: Path) -> None:
    result = signoff("try", "--script", SIGNOFF_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert "/draft" in result.stdout and "Published" in result.stdout and "intact" in result.stdout
