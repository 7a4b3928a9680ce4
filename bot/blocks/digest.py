"""Block Kit for time-driven messages: the digest, the all-clear, reminder DMs, the weekly report.
Pure functions from stored values to (fallback text, blocks) messages, like bot/blocks.py."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks.bulk import bulk_buttons
from bot.blocks.text import clip, escape_mrkdwn, mention
from bot.parsing.timeparse import to_local
from storage.schedules import Waiting
from storage.weekly import WeeklyStats

MAX_BLOCKS = 50
PER_MESSAGE = 45  # items per message, leaving room for the header, a context, a summary and the buttons
MAX_LISTED = 3 * PER_MESSAGE  # beyond this a backlog is summarised, not listed
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
Message = tuple[str, list[dict]]


def human_duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins and hours < 3 else f"{hours} h"
    return f"{mins} min"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def _title(item: Waiting) -> str:
    topic = escape_mrkdwn(clip(" ".join(item.topic.split()), 150))
    if item.permalink and _SAFE_URL.match(item.permalink):
        return f"*#{item.draft_id}* <{item.permalink.replace('&', '&amp;')}|{topic}>"
    return f"*#{item.draft_id}* {topic}"


def item_line(item: Waiting, now: datetime) -> str:
    left = item.expires_at - now
    expiry = f"expires in {human_duration(left)}" if left > timedelta(0) else "expires now"
    where = ", ".join(escape_mrkdwn(d) for d in item.destinations) or "no destination"
    return (
        f"{_title(item)}\nby {mention(item.requester_id)} · waiting "
        f"{human_duration(now - item.created_at)} · {expiry} · to {where}"
    )


def _summary(rest: list[Waiting], now: datetime) -> str:
    day_old = sum(1 for w in rest if now - w.created_at >= timedelta(days=1))
    soon = sum(1 for w in rest if w.expires_at - now <= timedelta(hours=24))
    return (
        f"…and *{len(rest)} more* waiting: {day_old} older than a day, {soon} expiring within "
        "24 h. Oldest first above; open the channel to see them all."
    )


def digest_messages(
    items: list[Waiting], *, now: datetime, tz: ZoneInfo, max_listed: int = MAX_LISTED, per_message: int = PER_MESSAGE
) -> list[Message]:
    """One or more messages, each within Slack's 50 blocks; nothing pending gives no message."""
    if not items:
        return []
    count = len(items)
    noun = "draft is" if count == 1 else "drafts are"
    fallback = f"{count} {noun} waiting for approval"
    listed, rest = items[:max_listed], items[max_listed:]
    pages = [listed[i : i + per_message] for i in range(0, len(listed), per_message)]
    messages: list[Message] = []
    for number, page in enumerate(pages, start=1):
        blocks: list[dict] = []
        if number == 1:
            blocks += [
                _header(f"{count} {noun} waiting for approval"),
                _context(f"Digest for {to_local(now, tz):%A %d %B, %H:%M} {tz.key} · oldest first"),
            ]
        else:
            blocks.append(_context(f"Digest, continued ({number}/{len(pages)})"))
        blocks += [_section(item_line(item, now)) for item in page]
        decidable = [item for item in page if item.revision and item.sha256]
        if decidable:
            blocks.append(bulk_buttons(decidable))
        if number == len(pages) and rest:
            blocks.append(_context(_summary(rest, now)))
        assert len(blocks) <= MAX_BLOCKS
        messages.append((fallback if number == 1 else f"{fallback} ({number}/{len(pages)})", blocks))
    return messages


def all_clear_message(*, now: datetime, tz: ZoneInfo) -> Message:
    text = "All clear: no drafts are waiting for approval."
    return text, [_section(f"✅ {text}"), _context(f"{to_local(now, tz):%A %d %B, %H:%M} {tz.key}")]


def reminder_message(items: list[Waiting], *, now: datetime) -> Message:
    """A DM to one approver about drafts that crossed a waiting threshold since the last one."""
    count = len(items)
    fallback = f"{count} draft{'s' if count != 1 else ''} waiting for your decision"
    shown = items[:PER_MESSAGE]
    blocks = [_section(f"⏰ *{fallback}*")] + [
        _section(f"{item_line(item, now)}\nin <#{escape_mrkdwn(item.channel_id)}>") for item in shown
    ]
    if count > len(shown):
        blocks.append(_context(f"…and {count - len(shown)} more."))
    return fallback, blocks


def weekly_report_message(stats: WeeklyStats, *, tz: ZoneInfo) -> Message:
    c = stats.counts
    period = f"{to_local(stats.since, tz):%d %b} – {to_local(stats.until, tz):%d %b %Y}"
    lines = [
        f"Requested: *{c.get('requested', 0)}* · approved: *{c.get('approved', 0)}* · "
        f"skipped: *{c.get('skipped', 0)}* · expired: *{c.get('expired', 0)}*"
    ]
    if stats.published:
        lines.append(
            "Published: " + ", ".join(f"{escape_mrkdwn(name)} *{n}*" for name, n in sorted(stats.published.items()))
        )
    else:
        lines.append("Published: nothing this week")
    wait = human_duration(stats.median_decision) if stats.median_decision is not None else "no decisions"
    lines.append(f"Median time to decision: *{wait}*")
    text = f"Weekly report {period}"
    return text, [_header(f"📊 {text}"), _section("\n".join(lines))]
