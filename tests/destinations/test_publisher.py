"""The publishing rules, with an in-memory ledger and an in-memory platform."""

from __future__ import annotations

from collections.abc import Sequence

from destinations.base import Capabilities, Part, Post, PublishResult
from destinations.errors import RetryableError, UnknownOutcomeError
from destinations.publisher import ClaimedPart, Publisher

POST = Post(draft_id=1, revision=1, text="Hello. World.", sha256="x", approved_by="U1")


class MemoryLedger:
    def __init__(self, outcome: str = "go") -> None:
        self.outcome = outcome
        self.events: list[tuple[str, int, object]] = []
        self.notes: list[str] = []

    async def claim(self, destination: str, index: int, text: str) -> ClaimedPart:
        return ClaimedPart(self.outcome, index + 1, destination, index, f"key-{index}", 1)

    async def succeeded(self, part: ClaimedPart, result: PublishResult, *, how: str = "published") -> None:
        self.events.append((how, part.index, result.external_id))

    async def failed(self, part: ClaimedPart, error: str, *, retry_in_s: float | None) -> None:
        self.events.append(("failed", part.index, retry_in_s is not None))

    async def resending(self, part: ClaimedPart, why: str) -> None:
        self.events.append(("resending", part.index, why))

    async def unconfirmed(self, part: ClaimedPart, why: str) -> None:
        self.events.append(("unconfirmed", part.index, why))

    async def hand_off(self, part: ClaimedPart, text: str) -> None:
        self.events.append(("handoff", part.index, text))

    async def note(self, text: str) -> None:
        self.notes.append(text)


class Platform:
    """Two-part threads; what it raises on each call is scripted."""

    name = "memory"

    def __init__(
        self, *, raises: Sequence[Exception] = (), found: PublishResult | None = None, safe_to_retry: bool = False
    ) -> None:
        self.capabilities = Capabilities(max_length=10, threads=True, safe_to_retry_unknown=safe_to_retry)
        self.raises, self.found = list(raises), found
        self.posted: list[tuple[int, str | None]] = []

    def format(self, post: Post) -> list[Part]:
        return [Part(0, "Hello."), Part(1, "World.")]

    def preflight(self, post: Post) -> list[str]:
        return []

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        if self.raises:
            raise self.raises.pop(0)
        self.posted.append((part.index, reply_to))
        return PublishResult(external_id=f"id{part.index}")

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        return self.found


async def test_parts_are_chained_by_reply_to() -> None:
    ledger, platform = MemoryLedger(), Platform()
    await Publisher(ledger).publish(platform, "memory", POST)
    assert platform.posted == [(0, None), (1, "id0")]


async def test_an_unknown_outcome_that_the_platform_shows_is_reconciled_not_resent() -> None:
    ledger = MemoryLedger()
    platform = Platform(raises=[UnknownOutcomeError("dropped")], found=PublishResult(external_id="seen"))
    await Publisher(ledger).publish(platform, "memory", POST)
    assert ledger.events[0] == ("reconciled", 0, "seen")
    assert platform.posted == [(1, "seen")]


async def test_an_unknown_outcome_nobody_can_check_goes_to_a_person() -> None:
    ledger, platform = MemoryLedger(), Platform(raises=[UnknownOutcomeError("dropped")])
    await Publisher(ledger).publish(platform, "memory", POST)
    assert ledger.events[0][0] == "unconfirmed" and platform.posted == []
    assert "Retry, Mark as published or Skip" in ledger.notes[0]


async def test_with_an_idempotency_key_an_unknown_outcome_is_resent_once() -> None:
    ledger = MemoryLedger()
    platform = Platform(raises=[UnknownOutcomeError("dropped")], safe_to_retry=True)
    await Publisher(ledger).publish(platform, "memory", POST)
    assert [e[0] for e in ledger.events] == ["resending", "published", "published"]


async def test_a_retryable_failure_stops_the_thread_and_asks_for_a_later_try() -> None:
    ledger, platform = MemoryLedger(), Platform(raises=[RetryableError("429", retry_after_s=30)])
    publisher = Publisher(ledger)
    await publisher.publish(platform, "memory", POST)
    assert ledger.events == [("failed", 0, True)] and 30 <= publisher.retry_in[0] <= 33


async def test_a_part_claimed_by_a_dead_worker_is_looked_for_first() -> None:
    ledger, platform = MemoryLedger(outcome="unknown"), Platform(found=PublishResult(external_id="there"))
    await Publisher(ledger).publish(platform, "memory", POST)
    assert [e[0] for e in ledger.events] == ["reconciled", "reconciled"] and platform.posted == []
