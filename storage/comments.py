"""Replies in a draft's thread that are comments, not instructions ("looks good to me" must not
start a rewrite): each is kept in the draft's history as an audit event and, when its author may
rewrite the draft, handed to the writer as context on the next rewrite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import AuditEvent

COMMENTED = "commented"
MAX_COMMENT_CHARS = 2000  # what the history and the writer keep of one comment
MAX_COMMENTS_FOR_WRITER = 10  # the latest ones; older comments were about older revisions


async def record_comment(
    session: AsyncSession, *, draft_id: int, user_id: str, text: str, for_writer: bool, now: datetime
) -> AuditEvent:
    return await audit.append(
        session,
        kind=COMMENTED,
        actor=user_id,
        now=now,
        draft_id=draft_id,
        detail={"comment": text[:MAX_COMMENT_CHARS], "for_writer": for_writer},
    )


async def comments_for_rewrite(session: AsyncSession, draft_id: int, *, since: datetime | None) -> list[str]:
    """Comments the writer may read, left since `since` (the current revision's time), oldest first."""
    query = select(AuditEvent.detail).where(AuditEvent.draft_id == draft_id, AuditEvent.kind == COMMENTED)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    details = list(await session.scalars(query.order_by(AuditEvent.seq.desc()).limit(MAX_COMMENTS_FOR_WRITER * 3)))
    kept = [d["comment"] for d in details if d.get("for_writer") and str(d.get("comment") or "").strip()]
    return list(reversed(kept[:MAX_COMMENTS_FOR_WRITER]))
