"""Time-driven reads and changes: drafts waiting for a decision, expiry, and `schedule_marks`.

A mark makes a scheduled thing happen once across workers: `claim_mark` inserts the key (unique)
and the caller commits before sending; `finish_mark` records that it was sent. A claim that was
never finished (the sender failed or died) may be taken over after `lease_s`, so a digest is
retried rather than silently dropped. Scheduled publishing lives in `storage.scheduled_publish`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import ConfigEntry, Draft, Revision, ScheduleMark
from storage.results import rowcount
from storage.states import DraftStatus

DIGEST_CONFIG_KEY = "digest"
_PENDING = DraftStatus.pending.value


@dataclass(frozen=True)
class Waiting:
    """A pending draft as digests and reminders show it; `expires_at` already has the TTL applied."""

    draft_id: int
    channel_id: str
    topic: str
    requester_id: str
    destinations: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    permalink: str | None
    parent_ts: str | None
    revision: int = 0  # the revision a digest shows, and the start of its SHA-256, for bulk decisions
    sha256: str = ""


def expires_at_for(now: datetime, ttl_h: float) -> datetime:
    """What `drafts.expires_at` should be when a draft becomes pending (or pending again)."""
    return now + timedelta(hours=ttl_h)


def _expired_clause(now: datetime, ttl_h: float):  # type: ignore[no-untyped-def]
    # An explicit expires_at wins; otherwise the TTL counts from the request.
    return or_(
        Draft.expires_at <= now, and_(Draft.expires_at.is_(None), Draft.created_at <= now - timedelta(hours=ttl_h))
    )


async def waiting_drafts(
    session: AsyncSession, *, ttl_h: float, channel_id: str | None = None, older_than: datetime | None = None
) -> list[Waiting]:
    """Pending drafts, oldest first (the ones closest to expiry lead a digest)."""
    query = (
        select(
            Draft.id,
            Draft.channel_id,
            Draft.topic,
            Draft.requester_id,
            Draft.destinations,
            Draft.created_at,
            Draft.expires_at,
            Draft.permalink,
            Draft.parent_ts,
            Draft.current_revision,
            Revision.sha256,
        )
        .outerjoin(Revision, and_(Revision.draft_id == Draft.id, Revision.number == Draft.current_revision))
        .where(Draft.status == _PENDING)
        .order_by(Draft.created_at, Draft.id)
    )
    if channel_id is not None:
        query = query.where(Draft.channel_id == channel_id)
    if older_than is not None:
        query = query.where(Draft.created_at <= older_than)
    ttl = timedelta(hours=ttl_h)
    return [
        Waiting(
            r.id,
            r.channel_id,
            r.topic,
            r.requester_id,
            tuple(r.destinations or ()),
            r.created_at,
            r.expires_at or r.created_at + ttl,
            r.permalink,
            r.parent_ts,
            r.current_revision,
            r.sha256 or "",
        )
        for r in await session.execute(query)
    ]


async def waiting_count(session: AsyncSession, channel_id: str | None = None) -> int:
    query = select(func.count()).select_from(Draft).where(Draft.status == _PENDING)
    if channel_id is not None:
        query = query.where(Draft.channel_id == channel_id)
    return (await session.execute(query)).scalar_one()


async def draft_channels(session: AsyncSession) -> list[str]:
    return sorted(await session.scalars(select(Draft.channel_id).distinct()))


async def set_permalink(session: AsyncSession, draft_id: int, permalink: str) -> None:
    await session.execute(update(Draft).where(Draft.id == draft_id).values(permalink=permalink))


async def expire_due(session: AsyncSession, *, now: datetime, ttl_h: float, limit: int = 500) -> list[int]:
    """pending → expired for drafts past their expiry, compare-and-set, each with its audit event."""
    candidates = (
        await session.execute(
            select(Draft.id, Draft.version, Draft.created_at, Draft.expires_at)
            .where(Draft.status == _PENDING, _expired_clause(now, ttl_h))
            .order_by(Draft.id)
            .limit(limit)
        )
    ).all()
    expired: list[int] = []
    for row in candidates:
        changed = await session.execute(
            update(Draft)
            .where(Draft.id == row.id, Draft.status == _PENDING, Draft.version == row.version)
            .values(status=DraftStatus.expired.value, version=row.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(changed) != 1:
            continue  # decided a moment ago: the decision wins
        deadline = row.expires_at or row.created_at + timedelta(hours=ttl_h)
        await audit.append(
            session,
            kind="expired",
            actor="signoff",
            now=now,
            draft_id=row.id,
            detail={"expires_at": deadline.isoformat(), "ttl_h": ttl_h},
        )
        expired.append(row.id)
    return expired


# -- marks ------------------------------------------------------------------------------------
def _sent(key: str) -> str:
    return key + ":sent"


async def claim_mark(session: AsyncSession, key: str, *, now: datetime, lease_s: float = 600) -> bool:
    """True when this caller now owns `key`; commit before doing the work it guards."""
    if await session.scalar(select(ScheduleMark.id).where(ScheduleMark.key == _sent(key))):
        return False
    held = (
        await session.execute(select(ScheduleMark.id, ScheduleMark.created_at).where(ScheduleMark.key == key))
    ).first()
    if held is not None:
        if held.created_at > now - timedelta(seconds=lease_s):
            return False
        # The previous owner never finished: take the claim over, unless someone beat us to it.
        gone = await session.execute(delete(ScheduleMark).where(ScheduleMark.id == held.id))
        if rowcount(gone) != 1:
            return False
    try:
        async with session.begin_nested():
            session.add(ScheduleMark(key=key, created_at=now))
    except IntegrityError:
        return False
    return True


async def finish_mark(session: AsyncSession, key: str, *, now: datetime) -> None:
    session.add(ScheduleMark(key=_sent(key), created_at=now))
    await session.flush()


async def finished_marks(session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of `keys` were already done, in one query per 500 keys."""
    done: set[str] = set()
    for start in range(0, len(keys), 500):
        sent = [_sent(k) for k in keys[start : start + 500]]
        done.update(
            k[: -len(":sent")]
            for k in await session.scalars(select(ScheduleMark.key).where(ScheduleMark.key.in_(sent)))
        )
    return done


# -- per-channel configuration (written by `/signoff config digest …`) -------------------------
async def channel_configs(session: AsyncSession) -> dict[str, dict[str, Any]]:
    rows = await session.scalars(select(ConfigEntry).where(ConfigEntry.key == DIGEST_CONFIG_KEY))
    return {row.scope: dict(row.value or {}) for row in rows}


async def set_channel_config(
    session: AsyncSession, *, channel_id: str, value: dict[str, Any], user_id: str, now: datetime
) -> None:
    """Keys: schedule ("weekdays 09:00" / "off"), timezone, all_clear, weekly_report."""
    row = await session.scalar(
        select(ConfigEntry).where(ConfigEntry.scope == channel_id, ConfigEntry.key == DIGEST_CONFIG_KEY)
    )
    if row is None:
        session.add(
            ConfigEntry(scope=channel_id, key=DIGEST_CONFIG_KEY, value=value, updated_by=user_id, updated_at=now)
        )
    else:
        row.value, row.updated_by, row.updated_at = {**row.value, **value}, user_id, now
    await audit.append(
        session,
        kind="config_changed",
        actor=user_id,
        now=now,
        detail={"scope": channel_id, "key": DIGEST_CONFIG_KEY, "value": value},
    )
    await session.flush()
