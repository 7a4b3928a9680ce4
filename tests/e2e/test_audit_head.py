"""The audit chain's head is posted to a channel once a day."""
from __future__ import annotations

import asyncio
from datetime import datetime

from bot.audit_post import post_chain_head
from bot.slack_client import build_slack_client
from storage.redaction import Redactor
from storage import audit
from tests.e2e.conftest import wait_for_draft


async def test_chain_head_is_posted_once_per_day_and_matches_verify(stack, sessionmaker) -> None:
    await stack.user("U_CAROL").slash("/draft", "audited")
    await wait_for_draft(stack.slack)
    client = build_slack_client(stack.slack.bot_token, stack.slack.api_url, redactor=Redactor())
    day = datetime(2026, 11, 23, 0, 5)
    results = await asyncio.gather(*(post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day)
                                     for _ in range(3)))
    assert sorted(results) == [False, False, True]
    (posted,) = stack.slack.channel_messages("C_AUDIT")
    async with sessionmaker() as session:
        report = await audit.verify(session)
    assert report.head in posted.text and "intact" in posted.text
    assert await post_chain_head(client, sessionmaker, channel="C_AUDIT", now=day.replace(hour=23)) is False
