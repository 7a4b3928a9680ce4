"""The append-only, hash-chained audit trail.

Each event's hash covers its canonical content and the previous event's hash. Appends take the
`audit_head` row lock first, so two transactions never chain onto the same predecessor.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical(seq: int, draft_id: int | None, actor: str, kind: str, detail: dict,
              created_at: datetime) -> bytes:
    body = {"seq": seq, "draft_id": draft_id, "actor": actor, "kind": kind, "detail": detail,
            "created_at": created_at.isoformat(timespec="microseconds")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


# Built once (appends are on every decision's path). The UPDATE is what takes the lock.
_TAKE_HEAD = (update(AuditHead.__table__).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
              .returning(AuditHead.seq, AuditHead.hash))
_INSERT_EVENT = insert(AuditEvent.__table__)


async def append(session: AsyncSession, *, kind: str, actor: str, now: datetime,
                 draft_id: int | None = None, detail: dict | None = None) -> AuditEvent:
    """Chain one event onto the head, in the caller's transaction. Two statements: the UPDATE takes
    the head's row lock (PostgreSQL; SQLite writers are serial) and returns what we chain onto; the
    INSERT's trigger (migration 0003) moves the head to the new event."""
    detail = detail or {}
    head = (await session.execute(_TAKE_HEAD)).one()
    seq, prev_hash = head.seq, head.hash
    digest = chain_hash(prev_hash, canonical(seq, draft_id, actor, kind, detail, now))
    values = dict(seq=seq, draft_id=draft_id, actor=actor, kind=kind, detail=detail, created_at=now,
                  prev_hash=prev_hash, hash=digest)
    # A Core insert: the event is never changed after this, so the session need not track it.
    await session.execute(_INSERT_EVENT, values)
    return AuditEvent(**values)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head: str
    broken_at_seq: int | None = None
    reason: str | None = None


async def verify(session: AsyncSession) -> ChainReport:
    """Walk the chain in order; report the first event whose link or content does not match."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    rows = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    async for event in rows:
        count += 1
        if event.seq != expected_seq:
            return ChainReport(False, count, expected_prev, event.seq,
                               f"expected event #{expected_seq}, found #{event.seq} (deleted or inserted)")
        if event.prev_hash != expected_prev:
            return ChainReport(False, count, expected_prev, event.seq,
                               "link to the previous event does not match (reordered or inserted)")
        content = canonical(event.seq, event.draft_id, event.actor, event.kind, event.detail,
                            event.created_at)
        if chain_hash(event.prev_hash, content) != event.hash:
            return ChainReport(False, count, expected_prev, event.seq, "content was modified")
        expected_prev, expected_seq = event.hash, expected_seq + 1
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash))).one()
    if head.seq != expected_seq - 1 or head.hash != expected_prev:
        return ChainReport(False, count, expected_prev, head.seq,
                           "the newest events were removed (head does not match the last event)")
    return ChainReport(True, count, expected_prev)


async def events_for(session: AsyncSession, draft_id: int) -> list[AuditEvent]:
    result = await session.scalars(
        select(AuditEvent).where(AuditEvent.draft_id == draft_id).order_by(AuditEvent.seq))
    return list(result)
