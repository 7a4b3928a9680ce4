"""Post the audit chain's head to a channel once a day. Slack keeps its own copy, so a database
rewritten later (even with a recomputed chain) no longer matches what was posted."""
from __future__ import annotations

from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import audit, schedules


def head_message(day: str, report: audit.ChainReport) -> str:
    state = "intact" if report.ok else f"BROKEN at event #{report.broken_at_seq}: {report.reason}"
    return (f"🔒 Signoff audit chain, {day}: {report.events} events, {state}. "
            f"Head `{report.head}`. Compare with `signoff audit verify` at any time.")


async def post_chain_head(client: AsyncWebClient, sessionmaker: async_sessionmaker[AsyncSession], *,
                          channel: str, now: datetime) -> bool:
    """True when this call posted today's head; a second worker, or a second run, posts nothing."""
    key = f"audit-head:{channel}:{now:%Y-%m-%d}"
    async with sessionmaker.begin() as session:
        if not await schedules.claim_mark(session, key, now=now):
            return False
    async with sessionmaker() as session:
        report = await audit.verify(session)
    await client.chat_postMessage(channel=channel, text=head_message(f"{now:%Y-%m-%d}", report))
    async with sessionmaker.begin() as session:
        await schedules.finish_mark(session, key, now=now)
    return True
