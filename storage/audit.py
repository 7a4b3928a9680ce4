"""The append-only, hash-chained audit trail.

Each event's hash covers its canonical content and the previous event's hash. Appends take the
`audit_head` row lock, so two transactions never chain onto the same predecessor (and the unique
`prev_hash` would refuse the second if they did).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, String, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, AuditHead
from storage.redaction import redactor_of

GENESIS = "0" * 64


def canonical(
    seq: int, draft_id: int | None, actor: str, kind: str, detail: dict[str, Any], created_at: datetime
) -> bytes:
    body = {
        "seq": seq,
        "draft_id": draft_id,
        "actor": actor,
        "kind": kind,
        "detail": detail,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_prefix(
    draft_id: int | None, actor: str, kind: str, detail: dict[str, Any], created_at: datetime
) -> bytes:
    """`canonical` up to its sequence number: "seq" sorts after every other key, so
    canonical(seq, …) == prefix + b"<seq>}" and the database can finish the hash once it knows seq."""
    body = {
        "draft_id": draft_id,
        "actor": actor,
        "kind": kind,
        "detail": detail,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return (json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)[:-1] + ',"seq":').encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def chain_hash_of_prefix(prev_hash: str, prefix: bytes, seq: int) -> str:
    """The hash of the event numbered `seq` whose canonical prefix is `prefix`: what the
    `signoff_chain_hash` SQL function computes (registered per connection on SQLite, created by
    migration 0005 on PostgreSQL)."""
    return chain_hash(prev_hash, prefix + f"{seq}}}".encode())


# One statement per append, built once (appends are on every decision's path): the next event is
# selected from the head row (FOR UPDATE: on PostgreSQL concurrent appends queue on the head's row
# lock; SQLite writers are serial) with its hash computed in the database, and the INSERT's trigger
# (migration 0003) moves the head to it.
_HEAD = AuditHead.__table__.c
_EVENTS = AuditEvent.__table__
_NEXT_EVENT = (
    select(
        _HEAD.seq + 1,
        bindparam("draft_id", type_=_EVENTS.c.draft_id.type),
        bindparam("actor", type_=_EVENTS.c.actor.type),
        bindparam("kind", type_=_EVENTS.c.kind.type),
        bindparam("detail", type_=_EVENTS.c.detail.type),
        bindparam("created_at", type_=_EVENTS.c.created_at.type),
        _HEAD.hash,
        func.signoff_chain_hash(_HEAD.hash, bindparam("prefix", type_=LargeBinary), _HEAD.seq + 1, type_=String),
    )
    .where(_HEAD.id == 1)
    .with_for_update()
)
_APPEND = (
    insert(_EVENTS)
    .from_select(["seq", "draft_id", "actor", "kind", "detail", "created_at", "prev_hash", "hash"], _NEXT_EVENT)
    .returning(_EVENTS.c.seq, _EVENTS.c.prev_hash, _EVENTS.c.hash)
)


async def append(
    session: AsyncSession,
    *,
    kind: str,
    actor: str,
    now: datetime,
    draft_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Chain one event onto the head, in the caller's transaction, in one statement. `detail` is
    redacted before it is hashed: a secret that entered the chain could never be taken out again."""
    detail = redactor_of(session).redact_value(detail or {})
    prefix = canonical_prefix(draft_id, actor, kind, detail, now)
    seq, prev_hash, digest = (
        await session.execute(
            _APPEND,
            {"draft_id": draft_id, "actor": actor, "kind": kind, "detail": detail, "created_at": now, "prefix": prefix},
        )
    ).one()
    # The database did the hashing; a mismatch (say, an encoding surprise) must not enter the chain.
    if digest != chain_hash_of_prefix(prev_hash, prefix, seq):
        raise RuntimeError(f"audit event #{seq}: the database computed a different chain hash")
    return AuditEvent(
        seq=seq,
        draft_id=draft_id,
        actor=actor,
        kind=kind,
        detail=detail,
        created_at=now,
        prev_hash=prev_hash,
        hash=digest,
    )


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
            return ChainReport(
                False,
                count,
                expected_prev,
                event.seq,
                f"expected event #{expected_seq}, found #{event.seq} (deleted or inserted)",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.seq,
                "link to the previous event does not match (reordered or inserted)",
            )
        content = canonical(event.seq, event.draft_id, event.actor, event.kind, event.detail, event.created_at)
        if chain_hash(event.prev_hash, content) != event.hash:
            return ChainReport(False, count, expected_prev, event.seq, "content was modified")
        expected_prev, expected_seq = event.hash, expected_seq + 1
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash))).one()
    if head.seq != expected_seq - 1 or head.hash != expected_prev:
        return ChainReport(
            False, count, expected_prev, head.seq, "the newest events were removed (head does not match the last event)"
        )
    return ChainReport(True, count, expected_prev)


async def export_lines(session: AsyncSession) -> AsyncIterator[str]:
    """The chain as JSON lines, in order, each with its hashes, so an archive can be verified on
    its own. Details pass the session's redactor once more: an event written before redaction
    existed may hold a secret. Such an event is exported with `"redacted": true`, since its hash
    covers what was stored, not what the line shows."""
    redactor = redactor_of(session)
    async for e in await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        detail = redactor.redact_value(e.detail)
        line = {
            "seq": e.seq,
            "draft_id": e.draft_id,
            "actor": e.actor,
            "kind": e.kind,
            "detail": detail,
            "created_at": e.created_at.isoformat(),
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        if detail != e.detail:
            line["redacted"] = True
        yield json.dumps(line, ensure_ascii=False)


async def events_for(session: AsyncSession, draft_id: int) -> list[AuditEvent]:
    result = await session.scalars(select(AuditEvent).where(AuditEvent.draft_id == draft_id).order_by(AuditEvent.seq))
    return list(result)
