"""Slack retries Events API deliveries: remember each event id so it is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedEvent


async def first_delivery(session: AsyncSession, event_id: str, *, now: datetime) -> bool:
    try:
        async with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id[:100], received_at=now))
    except IntegrityError:
        return False
    return True
