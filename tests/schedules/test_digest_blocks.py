"""The digest, reminder and weekly report messages, tested as Block Kit dicts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.blocks.digest import MAX_BLOCKS, digest_messages, human_duration, reminder_message, weekly_report_message
from bot.parsing.timeparse import zone
from storage.schedules import Waiting
from storage.weekly import WeeklyStats

NOW = datetime(2026, 3, 2, 8, 0)
UTC = zone("UTC")


def waiting(n: int, *, topic: str = "topic", age_h: float = 5, permalink: str | None = "auto") -> Waiting:
    created = NOW - timedelta(hours=age_h)
    link = f"https://acme.slack.com/archives/C1/p{n:06d}" if permalink == "auto" else permalink
    return Waiting(
        n, "C1", f"{topic} {n}", "U_CAROL", ("x", "mastodon"), created, created + timedelta(hours=72), link, f"{n}.0001"
    )


def texts(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(b) for b in blocks)


def test_nothing_pending_gives_no_message() -> None:
    assert digest_messages([], now=NOW, tz=UTC) == []


def test_each_pending_draft_is_listed_with_its_permalink_requester_age_expiry_and_destinations() -> None:
    ((text, blocks),) = digest_messages([waiting(1), waiting(2, age_h=30)], now=NOW, tz=UTC)
    assert text == "2 drafts are waiting for approval"
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "2 drafts are waiting for approval", "emoji": True},
    }
    first, second = blocks[2]["text"]["text"], blocks[3]["text"]["text"]
    assert first == (
        "*#1* <https://acme.slack.com/archives/C1/p000001|topic 1>\nby <@U_CAROL> · waiting 5 h"
        " · expires in 2 d 19 h · to x, mastodon"
    )
    assert "waiting 1 d 6 h" in second and "expires in 1 d 18 h" in second


def test_topics_cannot_ping_the_channel_or_spoof_links() -> None:
    item = waiting(7, topic="<!channel> <http://evil|innocent> & co")
    ((_, blocks),) = digest_messages([item], now=NOW, tz=UTC)
    line = blocks[2]["text"]["text"]
    assert "<!channel>" not in line and "<http://evil" not in line
    assert "&lt;!channel&gt; &lt;http://evil|innocent&gt; &amp; co 7" in line


def test_a_draft_without_a_safe_permalink_is_listed_without_a_link() -> None:
    ((_, blocks),) = digest_messages(
        [waiting(1, permalink=None), waiting(2, permalink="javascript:x|y")], now=NOW, tz=UTC
    )
    assert blocks[2]["text"]["text"].startswith("*#1* topic 1\n")
    assert blocks[3]["text"]["text"].startswith("*#2* topic 2\n")


def test_a_long_backlog_is_split_within_fifty_blocks_and_the_rest_summarised() -> None:
    items = [waiting(n, age_h=200 - n / 100) for n in range(1, 1001)]
    messages = digest_messages(items, now=NOW, tz=UTC)
    assert len(messages) == 3
    assert all(len(blocks) <= MAX_BLOCKS for _, blocks in messages)
    listed = [b for _, blocks in messages for b in blocks if b["type"] == "section"]
    assert [int(b["text"]["text"].split("*#")[1].split("*")[0]) for b in listed] == list(range(1, 136))
    summary = messages[-1][1][-1]["elements"][0]["text"]
    assert "*865 more*" in summary and "865 older than a day" in summary
    assert messages[1][1][0]["elements"][0]["text"] == "Digest, continued (2/3)"


def test_durations_read_like_a_person_would_say_them() -> None:
    assert [human_duration(timedelta(minutes=m)) for m in (0, 45, 90, 300, 1440, 1500)] == [
        "0 min",
        "45 min",
        "1 h 30 min",
        "5 h",
        "1 d",
        "1 d 1 h",
    ]


def test_a_reminder_names_the_channel_and_links_each_draft() -> None:
    text, blocks = reminder_message([waiting(3)], now=NOW)
    assert text == "1 draft waiting for your decision"
    assert "in <#C1>" in blocks[1]["text"]["text"] and "p000003|topic 3>" in blocks[1]["text"]["text"]


def test_the_weekly_report_counts_decisions_publications_and_median_wait() -> None:
    stats = WeeklyStats(
        "C1",
        NOW - timedelta(days=7),
        NOW,
        {"requested": 5, "approved": 3, "skipped": 1, "expired": 1},
        {"x": 2, "mastodon": 3},
        timedelta(hours=2),
    )
    text, blocks = weekly_report_message(stats, tz=zone("Europe/Berlin"))
    assert text == "Weekly report 23 Feb – 02 Mar 2026"
    body = blocks[1]["text"]["text"]
    assert "Requested: *5* · approved: *3* · skipped: *1* · expired: *1*" in body
    assert "Published: mastodon *3*, x *2*" in body and "Median time to decision: *2 h*" in body
