"""Posting a draft's Slack messages (its parent line in the channel, the draft in the thread) once.

Slack's chat.postMessage takes no idempotency key, so a post is claimed here first, like a
publication: `go` means post now; `posted` carries the stored ts (update it instead); `unknown`
means an earlier poster claimed it and never stored a ts (it died or was cancelled mid-call) — the
caller looks for that message in Slack before posting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Draft
from storage.results import rowcount

_drafts = Draft.__table__


class Which(str, Enum):
    parent = "parent"  # the channel line that starts the thread
    message = "message"  # the draft itself, a reply in that thread


class PostClaim(str, Enum):
    go = "go"
    posted = "posted"
    unknown = "unknown"


@dataclass(frozen=True)
class MessageClaim:
    outcome: PostClaim
    ts: str | None = None
    since: datetime | None = None  # unknown: when the earlier poster claimed it


def _columns(which: Which):  # type: ignore[no-untyped-def]
    return (
        (_drafts.c.parent_ts, _drafts.c.parent_posting_at)
        if which is Which.parent
        else (_drafts.c.message_ts, _drafts.c.message_posting_at)
    )


async def claim_post(session: AsyncSession, draft_id: int, which: Which, *, now: datetime) -> MessageClaim:
    ts_column, posting_column = _columns(which)
    claimed = await session.execute(
        update(_drafts)
        .where(_drafts.c.id == draft_id, ts_column.is_(None), posting_column.is_(None))
        .values({posting_column: now})
    )
    if rowcount(claimed) == 1:
        return MessageClaim(PostClaim.go)
    ts, since = (await session.execute(select(ts_column, posting_column).where(_drafts.c.id == draft_id))).one()
    return MessageClaim(PostClaim.posted, ts) if ts else MessageClaim(PostClaim.unknown, since=since)


async def retake(session: AsyncSession, draft_id: int, which: Which, *, now: datetime) -> MessageClaim:
    """After an unknown outcome was looked for and not found: claim the post anew."""
    ts_column, posting_column = _columns(which)
    ts = (await session.execute(select(ts_column).where(_drafts.c.id == draft_id))).scalar_one()
    if ts:
        return MessageClaim(PostClaim.posted, ts)
    await session.execute(update(_drafts).where(_drafts.c.id == draft_id).values({posting_column: now}))
    return MessageClaim(PostClaim.go)


async def store_posted(session: AsyncSession, draft_id: int, which: Which, ts: str) -> None:
    ts_column, posting_column = _columns(which)
    await session.execute(
        update(_drafts)
        .where(_drafts.c.id == draft_id, ts_column.is_(None))
        .values({ts_column: ts, posting_column: None})
    )


async def release(session: AsyncSession, draft_id: int, which: Which) -> None:
    """The post was refused (Slack answered with an error): nothing is out there to look for."""
    ts_column, posting_column = _columns(which)
    await session.execute(
        update(_drafts).where(_drafts.c.id == draft_id, ts_column.is_(None)).values({posting_column: None})
    )
