"""Where destinations/publisher.py records what happened to each part: publication rows and their
audit events in storage, and notes in the draft's Slack thread."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack import notify
from bot.blocks.publications import PublicationView
from bot.jobs.metrics import WorkerMetrics
from destinations.base import Post, PublishResult, idempotency_key
from destinations.publisher import ClaimedPart
from storage import publications
from storage.runs import sha256_hex


class StorageLedger:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        slack: AsyncWebClient,
        post: Post,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.sm, self.clock, self.slack, self.post = sessionmaker, clock, slack, post
        self.metrics = metrics
        self._claimed_at: dict[int, float] = {}  # publication id → when its call could start

    def _observe(self, part: ClaimedPart, outcome: str) -> None:
        started = self._claimed_at.pop(part.publication_id, None)
        if self.metrics is not None and started is not None:
            self.metrics.publish_seconds.labels(part.destination, outcome).observe(time.perf_counter() - started)

    async def claim(self, destination: str, index: int, text: str) -> ClaimedPart:
        post = self.post
        async with self.sm.begin() as session:
            claim = await publications.claim(
                session,
                draft_id=post.draft_id,
                revision=post.revision,
                destination=destination,
                part=index,
                sha256=sha256_hex(text),
                idempotency_key=idempotency_key(post.draft_id, post.revision, destination, index),
                now=self.clock(),
            )
        row = claim.publication
        self._claimed_at[row.id] = time.perf_counter()
        return ClaimedPart(
            claim.outcome.value, row.id, destination, index, row.idempotency_key, row.attempts, row.external_id
        )

    async def succeeded(self, part: ClaimedPart, result: PublishResult, *, how: str = "published") -> None:
        self._observe(part, how)
        async with self.sm.begin() as session:
            await publications.succeeded(
                session, part.publication_id, external_id=result.external_id, url=result.url, now=self.clock(), how=how
            )

    async def failed(self, part: ClaimedPart, error: str, *, retry_in_s: float | None) -> None:
        self._observe(part, "failed" if retry_in_s is None else "retrying")
        async with self.sm.begin() as session:
            await publications.failed(
                session,
                part.publication_id,
                error=error,
                retry=retry_in_s is not None,
                now=self.clock(),
                retry_in_s=retry_in_s,
            )

    async def resending(self, part: ClaimedPart, why: str) -> None:
        async with self.sm.begin() as session:
            await publications.resending(session, part.publication_id, why=why, now=self.clock())

    async def unconfirmed(self, part: ClaimedPart, why: str) -> None:
        self._observe(part, "unconfirmed")
        async with self.sm.begin() as session:
            await publications.unconfirmed(session, part.publication_id, why=why, now=self.clock())

    async def hand_off(self, part: ClaimedPart, text: str) -> None:
        """Posted before the row says `handoff`: a crash in between shows the text twice, never zero times."""
        self._observe(part, "handoff")
        await notify.post_handoff(
            self.slack,
            self.sm,
            self.post.draft_id,
            PublicationView(part.publication_id, part.destination, part.index, "handoff"),
            text,
        )
        async with self.sm.begin() as session:
            await publications.handed_off(session, part.publication_id, now=self.clock())

    async def note(self, text: str) -> None:
        await notify.note_in_thread(self.slack, self.sm, self.post.draft_id, text)
