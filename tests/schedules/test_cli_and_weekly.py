"""`signoff digest` from the command line, and the weekly report from stored decisions."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.schedules import ScheduleConfig, send_weekly_reports
from launch.local_slack.server import LocalSlack
from storage import audit
from storage.clock import utcnow
from tests.schedules.conftest import MONDAY_0900_UTC as NOW
from tests.schedules.conftest import MovableClock, add_draft


async def signoff(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "launch.cli",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_signoff_digest_sends_now_and_exits_non_zero_when_slack_refuses(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack
) -> None:
    await add_draft(sessionmaker, created_at=utcnow() - timedelta(hours=2), topic="cli topic")
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_API_URL": slack.api_url}
    code, out, _ = await signoff("digest", "--channel", "C_GENERAL", env=env)
    assert code == 0 and out.strip() == "C_GENERAL: 1 message(s)"
    assert "cli topic" in str(slack.channel_messages("C_GENERAL")[0].blocks)
    slack.fail_next("chat.postMessage", status=200, body={"ok": False, "error": "channel_not_found"})
    code, _, err = await signoff("digest", "--channel", "C_GENERAL", env=env)
    assert code == 1
    assert err.strip() == "signoff digest: Slack refused chat.postMessage to C_GENERAL: channel_not_found"


async def test_the_weekly_report_goes_out_once_on_monday_with_the_week_counts(
    sessionmaker: async_sessionmaker[AsyncSession], slack: LocalSlack, client: AsyncWebClient, clock: MovableClock
) -> None:
    draft_id = await add_draft(
        sessionmaker,
        created_at=NOW - timedelta(days=2),
        status="skipped",
        decided_at=NOW - timedelta(days=2) + timedelta(hours=3),
    )
    async with sessionmaker.begin() as session:
        for kind in ("requested", "skipped"):
            await audit.append(session, kind=kind, actor="U_CAROL", now=NOW - timedelta(days=2), draft_id=draft_id)
    config = ScheduleConfig(weekly_report=True, pace_s=0.01)
    assert await send_weekly_reports(client, sessionmaker, clock, config) == ["C_GENERAL"]
    assert await send_weekly_reports(client, sessionmaker, clock, config) == []
    (report,) = slack.channel_messages("C_GENERAL")
    body = report.blocks[1]["text"]["text"]
    assert "Requested: *1* · approved: *0* · skipped: *1* · expired: *0*" in body
    assert "Median time to decision: *3 h*" in body
    clock.advance(days=1)  # Tuesday: no report
    assert await send_weekly_reports(client, sessionmaker, clock, config) == []
