"""Post the audit chain's head to a channel once a day. Slack keeps its own copy, so a database
rewritten later (even with a recomputed chain) no longer matches what was posted.

Once a day whatever the number of workers: the day's `schedule_marks` key is claimed and
committed before the post and finished after it, as digests are; a post Slack refused leaves the
claim unfinished, and it is taken over and sent once its lease lapses.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack.pace import PacedPoster, SlackRefused
from storage import audit, schedules
from storage.db import snapshot

log = logging.getLogger("signoff.schedules")


def head_message(day: date, report: audit.ChainReport, *, at: datetime) -> str:
    """`at` is naive UTC, like every time storage hands out."""
    if report.ok:
        state = f"{report.events} events, intact. Head #{report.events} `{report.head}`"
    else:
        state = f"BROKEN at event #{report.broken_at_seq}: {report.reason}. Last good hash `{report.head}`"
    return (
        f"🔒 Signoff audit chain, {day.isoformat()} (as of {at:%H:%M} UTC): {state}. "
        f"Compare with `signoff audit verify` at any time."
    )


def mark_key(channel: str, day: date) -> str:
    return f"audit-head:{channel}:{day.isoformat()}"


async def post_chain_head(
    client: AsyncWebClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    channel: str,
    now: datetime,
    tz: ZoneInfo = ZoneInfo("UTC"),
    lease_s: float = 600.0,
) -> bool:
    """True when this call posted the head for `now`'s day (in `tz`); any other call that day,
    from this worker or another, posts nothing."""
    day = now.replace(tzinfo=timezone.utc).astimezone(tz).date()
    key = mark_key(channel, day)
    async with sessionmaker.begin() as session:
        if not await schedules.claim_mark(session, key, now=now, lease_s=lease_s):
            return False
    async with snapshot(sessionmaker) as session:
        report = await audit.verify(session)
    text = head_message(day, report, at=now)
    try:
        await PacedPoster(client).post(channel, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    except SlackRefused as exc:
        log.warning("audit chain head for %s not posted, will retry: %s", day, exc.message)
        return False
    async with sessionmaker.begin() as session:
        await schedules.finish_mark(session, key, now=now)
    return True
