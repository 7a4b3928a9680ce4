"""Configuration changed from Slack, stored per scope and audited like any other decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import ConfigEntry

# Read on every /draft: built once, and plain rows rather than tracked objects.
_SCOPE_VALUES = select(ConfigEntry.key, ConfigEntry.value).where(ConfigEntry.scope == bindparam("scope"))


async def get_all(session: AsyncSession, scope: str) -> dict[str, Any]:
    rows = await session.execute(_SCOPE_VALUES, {"scope": scope})
    return {key: value.get("value") for key, value in rows}


async def set_value(session: AsyncSession, *, scope: str, key: str, value: Any, user_id: str, now: datetime) -> None:
    row = await session.scalar(select(ConfigEntry).where(ConfigEntry.scope == scope, ConfigEntry.key == key))
    old = row.value.get("value") if row else None
    if row is None:
        session.add(ConfigEntry(scope=scope, key=key, value={"value": value}, updated_by=user_id, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = {"value": value}, user_id, now
    await audit.append(
        session,
        kind="config_changed",
        actor=user_id,
        now=now,
        detail={"scope": scope, "key": key, "from": old, "to": value},
    )
    await session.flush()


async def values_for(session: AsyncSession, key: str) -> list[Any]:
    """`key`'s value in every scope that set it (e.g. approvers chosen per workspace)."""
    rows = await session.scalars(select(ConfigEntry).where(ConfigEntry.key == key))
    return [row.value.get("value") for row in rows]
