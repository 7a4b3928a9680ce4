"""Full-text search over topics and draft texts: SQLite FTS5, PostgreSQL tsvector."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    draft_id: int
    snippet: str
    rank: float


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def index(session: AsyncSession, *, draft_id: int, kind: str, body: str) -> None:
    await session.execute(
        text("INSERT INTO search_index (draft_id, kind, body) VALUES (:d, :k, :b)"),
        {"d": draft_id, "k": kind, "b": body},
    )


async def search(session: AsyncSession, words: str, *, limit: int = 10) -> list[Hit]:
    """Best match per draft, best drafts first. Words only: user input never becomes query syntax."""
    terms = _WORD.findall(words)[:12]
    if not terms:
        return []
    if _dialect(session) == "sqlite":
        query = " OR ".join(f'"{t}"' for t in terms)
        rows = await session.execute(
            text(
                "SELECT draft_id, snippet(search_index, 2, '*', '*', '…', 12) AS snip, bm25(search_index) AS r "
                "FROM search_index WHERE search_index MATCH :q ORDER BY r LIMIT :n"
            ),
            {"q": query, "n": limit * 5},
        )
        hits = [Hit(int(d), s, -float(r)) for d, s, r in rows]
    else:
        rows = await session.execute(
            text(
                "SELECT draft_id, "
                "ts_headline('english', body, q, 'StartSel=*,StopSel=*,MaxWords=16,MinWords=6') AS snip, "
                "ts_rank(to_tsvector('english', body), q) AS r "
                "FROM search_index, to_tsquery('english', :q) AS q "
                "WHERE to_tsvector('english', body) @@ q ORDER BY r DESC LIMIT :n"
            ),
            {"q": " | ".join(terms), "n": limit * 5},
        )
        hits = [Hit(int(d), s, float(r)) for d, s, r in rows]
    best: dict[int, Hit] = {}
    for hit in hits:
        if hit.draft_id not in best or hit.rank > best[hit.draft_id].rank:
            best[hit.draft_id] = hit
    return sorted(best.values(), key=lambda h: -h.rank)[:limit]
