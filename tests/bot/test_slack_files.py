"""Our bot token goes only to Slack's file host (or the configured Web API's own host)."""

from __future__ import annotations

import pytest

from bot.jobs.slack_files import allowed_url

API = "https://slack.com/api/"
LOCAL = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    "url, api",
    [
        ("https://files.slack.com/files-pri/T1-F1/download/shot.png", API),
        ("https://files.slack.com:443/files-pri/T1-F1/download/shot.png", API),
        ("http://127.0.0.1:8123/files-pri/T1-F1/download/shot.png", LOCAL),
    ],
)
def test_slack_file_urls_are_fetched(url: str, api: str) -> None:
    assert allowed_url(url, api)


@pytest.mark.parametrize(
    "url, api",
    [
        ("http://files.slack.com/files-pri/T1-F1/download/shot.png", API),  # our token in clear text
        ("https://files.slack.com.evil.test/x.png", API),
        ("https://evil.test/files.slack.com/x.png", API),
        ("https://user:pw@files.slack.com/x.png", API),
        ("https://files.slack.com:8443/x.png", API),
        ("http://127.0.0.1:9999/files-pri/x.png", LOCAL),  # another port is another server
        ("https://127.0.0.1:8123/files-pri/x.png", LOCAL),
        ("", API),
        ("files.slack.com/x.png", API),
        ("javascript:alert(1)", API),
    ],
)
def test_anything_else_is_not(url: str, api: str) -> None:
    assert not allowed_url(url, api)
