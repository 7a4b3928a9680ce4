"""Publishing end to end: the real bot, a real worker, real Redis and database, and the fake
platform servers from tests/destinations/fakes standing in for X, Mastodon, Bluesky, Dev.to."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.blocks import action_ids
from launch.local_slack.server import LocalSlack, Message
from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Draft, OutboxJob, Publication
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.fake_llm import FakeLLM
from tests.leak_check import nothing_secret_leaks  # noqa: F401  (autouse: checked after every test here)

# Three sentences of about 200 characters: one post on Mastodon/Bluesky, a thread of 3 on X.
SENTENCE = (
    "Signoff {n} keeps every decision in a hash-chained audit trail, so a reviewer can always see "
    "who approved which revision, when it went out, and exactly which text reached each platform."
)
THREAD_TEXT = " ".join(SENTENCE.format(n=n) for n in ("one", "two", "three"))
X_SECRETS = dict(
    x_api_key="x-consumer-KEY-5f1e2d",
    x_api_secret="x-consumer-SECRET-9a8b7c",
    x_access_token="1500000000000000001-x-TOKEN-3c4d5e",
    x_access_token_secret="x-token-SECRET-7f6e5d",
)


def x_settings(url: str) -> dict[str, Any]:
    return {**X_SECRETS, "x_api_url": url}


@asynccontextmanager
async def desk(
    database_url: str, redis_url: str, destinations: list[str], *, text: str = THREAD_TEXT, **settings: Any
) -> AsyncIterator[LocalStack]:
    """A running Signoff whose writer (a local OpenAI-compatible server) answers `text`."""
    llm = FakeLLM(reply=text)
    await llm.start()
    notes_dir = tempfile.mkdtemp(prefix="signoff-notes-")
    # Enough material for the planner to choose a thread where threads are possible.
    Path(notes_dir, "audit.md").write_text(
        "# How the audit trail works\n\n"
        + " ".join(f"The audit trail records decision {n} with who made it and when." for n in range(10))
    )
    # The writer's answer is grounded in the notes, so no unsupported claim holds up its approval.
    Path(notes_dir, "answer.md").write_text("# The audit trail and what we publish\n\n" + text)
    settings.setdefault("signoff_notes_dir", notes_dir)
    # A slow sweep: one that enqueues the publish job while the bot is still re-rendering the
    # approval can let that stale render land after the worker's last update (a known race).
    settings.setdefault("signoff_sweep_interval_s", 10.0)
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            approvers=("U_ALICE", "U_BOB"),
            signoff_destinations=destinations,
            llm_base_url=llm.url,
            llm_api_key="sk-local",
            signoff_fetch_topic_urls=False,
            **settings,
        ) as stack:
            yield stack
    finally:
        await llm.stop()


async def approve(stack: LocalStack, topic: str = "how the audit trail works", draft_no: int = 1) -> Message:
    await stack.user("U_CAROL").slash("/draft", topic)
    draft = await wait_for_draft(stack.slack, draft_no, timeout_s=20)
    await shown_and_stored(stack, draft_no)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    return draft


async def shown_and_stored(stack: LocalStack, draft_no: int = 1) -> None:
    """The worker stores the message's ts just after posting it; a click in between makes the bot
    post a second copy of the draft (bot/notify.show_draft), so people here wait a moment as people do."""
    for _ in range(200):
        stored = [d for d in await rows(stack.database_url, Draft) if d.id == draft_no and d.message_ts]
        if stored:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the draft message's ts was never stored")


async def until(slack: LocalSlack, message: Message, *texts: str, timeout_s: float = 20) -> Message:
    await slack.wait_for(lambda: all(shows(message, t) for t in texts), timeout_s)
    return message


def notes(slack: LocalSlack, draft: Message) -> list[str]:
    """The plain thread replies (not the draft message itself), oldest first."""
    return [m.text for m in slack.thread(draft.channel, draft.thread_ts or "") if m.ts != draft.ts]


async def rows(database_url: str, model: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list(await session.scalars(select(model).order_by(model.id)))
    finally:
        await engine.dispose()


async def audit_kinds(database_url: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.kind, e.actor, e.detail) for e in await rows(database_url, AuditEvent)]


async def publications(database_url: str) -> list[Publication]:
    return await rows(database_url, Publication)


async def outbox_rows(database_url: str) -> list[OutboxJob]:
    return await rows(database_url, OutboxJob)
