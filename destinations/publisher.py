"""Publishing one post to one destination, part by part, each part at most once.

The rules live here, beside the destinations they drive: every part is claimed before the call;
a part found still claimed (a worker died during the call) or an `UnknownOutcomeError` is looked
for on the platform first; it is resent only where an idempotency key makes that safe; otherwise
a person decides. What happens is recorded through a `Ledger`, which the worker implements over
storage and Slack notes, so this package still knows no database and no Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from destinations.backoff import backoff_s, humane
from destinations.base import Destination, Part, Post, PublishResult
from destinations.errors import DestinationError, RateLimitedError, UnknownOutcomeError
from destinations.preview import is_handoff

MAX_PUBLISH_ATTEMPTS = 8


@dataclass(frozen=True)
class ClaimedPart:
    outcome: str  # "go" (ours to send), "done", "unknown" (may have been sent), "settled" (a person's)
    publication_id: int
    destination: str
    index: int
    idempotency_key: str
    attempts: int
    external_id: str | None = None


class Ledger(Protocol):
    async def claim(self, destination: str, index: int, text: str) -> ClaimedPart: ...
    async def succeeded(self, part: ClaimedPart, result: PublishResult, *, how: str = "published") -> None: ...
    async def failed(self, part: ClaimedPart, error: str, *, retry_in_s: float | None) -> None: ...
    async def resending(self, part: ClaimedPart, why: str) -> None: ...
    async def unconfirmed(self, part: ClaimedPart, why: str) -> None: ...
    async def hand_off(self, part: ClaimedPart, text: str) -> None: ...
    async def note(self, text: str) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Publisher:
    """`clock` tells the time shown in "will retry at 14:05 UTC" (naive values are UTC)."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        label: Callable[[str], str] = str,
        max_attempts: int = MAX_PUBLISH_ATTEMPTS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.ledger, self.label, self.max_attempts, self.clock = ledger, label, max_attempts, clock
        self.retry_in: list[float] = []  # when parts that failed retryably want another try

    async def publish(self, destination: Destination | None, name: str, post: Post) -> None:
        problems = [f"{name} is not configured on this worker"] if destination is None else destination.preflight(post)
        if problems:
            claimed = await self.ledger.claim(name, 0, post.text)
            if claimed.outcome == "go":
                await self.ledger.failed(claimed, "; ".join(problems), retry_in_s=None)
                await self.ledger.note(f"{self.label(name)}: not published: {'; '.join(problems)}")
            return
        assert destination is not None
        reply_to: str | None = None
        for part in destination.format(post):
            claimed = await self.ledger.claim(name, part.index, part.text)
            if claimed.outcome == "done":
                reply_to = claimed.external_id
                continue
            if claimed.outcome == "settled":
                return
            if is_handoff(destination):
                await self.ledger.hand_off(claimed, part.text)
                return
            if part.index and reply_to is None:
                # The previous part was marked by hand without an id to reply to: never break the chain.
                await self.ledger.failed(
                    claimed, "the previous part's id is unknown; post the rest by hand", retry_in_s=None
                )
                return
            if claimed.outcome == "unknown":
                result = await self._reconcile(
                    destination, post, part, claimed, reply_to, "a previous attempt stopped during the call"
                )
            else:
                result = await self._send(destination, post, part, claimed, reply_to)
            if result is None:
                return
            reply_to = result.external_id

    async def _send(
        self,
        destination: Destination,
        post: Post,
        part: Part,
        claimed: ClaimedPart,
        reply_to: str | None,
        *,
        resend: bool = False,
    ) -> PublishResult | None:
        try:
            result = await destination.publish(post, part, idempotency_key=claimed.idempotency_key, reply_to=reply_to)
        except UnknownOutcomeError as exc:
            if resend:
                await self._ask(claimed, f"{exc.message}, twice")
                return None
            return await self._reconcile(destination, post, part, claimed, reply_to, exc.message)
        except DestinationError as exc:
            await self._failed(claimed, exc)
            return None
        await self.ledger.succeeded(claimed, result)
        return result

    async def _failed(self, claimed: ClaimedPart, exc: DestinationError) -> None:
        # Waiting for a reset the platform named is not a failure: it never uses up the attempts
        # (a daily cap may take many hours, a monthly one days) and says when the next try is.
        until_reset = isinstance(exc, RateLimitedError) and exc.until_reset
        retry = exc.retryable and (until_reset or claimed.attempts < self.max_attempts)
        wait_s = backoff_s(claimed.attempts, exc.retry_after_s) if retry else None
        if wait_s is not None and until_reset:
            error = f"{exc.message}; will retry at {self._when(wait_s)}"
        elif wait_s is not None:
            error = f"{exc.message}; attempt {claimed.attempts} of {self.max_attempts}, next in {humane(wait_s)}"
        else:
            error = f"{exc.message} (gave up after {claimed.attempts} attempts)" if exc.retryable else exc.message
        await self.ledger.failed(claimed, error, retry_in_s=wait_s)
        if wait_s is not None:
            self.retry_in.append(wait_s)
        else:
            await self.ledger.note(f"{self._name(claimed)}: failed: {error}")

    async def _reconcile(
        self, destination: Destination, post: Post, part: Part, claimed: ClaimedPart, reply_to: str | None, why: str
    ) -> PublishResult | None:
        """The request may have reached the platform: look for it before anything else."""
        found: PublishResult | None
        finder, found, checked = getattr(destination, "find_published", None), None, ""
        if finder is not None:
            try:
                found = await finder(post, part)
                checked = "; not among the account's recent posts"
            except DestinationError as exc:
                checked = f"; checking the account failed: {exc.message}"
        if found is not None:
            await self.ledger.succeeded(claimed, found, how="reconciled")
            return found
        if destination.capabilities.safe_to_retry_unknown:
            await self.ledger.resending(claimed, why + checked)
            return await self._send(destination, post, part, claimed, reply_to, resend=True)
        await self._ask(claimed, why + checked)
        return None

    async def _ask(self, claimed: ClaimedPart, why: str) -> None:
        await self.ledger.unconfirmed(claimed, why)
        await self.ledger.note(
            f"{self._name(claimed)}: I cannot tell whether it was published ({why}). "
            "Check the account, then choose Retry, Mark as published or Skip on the draft."
        )

    def _when(self, wait_s: float) -> str:
        now = self.clock()
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        then = now.astimezone(UTC) + timedelta(seconds=wait_s)
        day = "" if then.date() == now.astimezone(UTC).date() else f" on {then.day} {then:%b}"
        return f"{then:%H:%M} UTC{day}"

    def _name(self, claimed: ClaimedPart) -> str:
        return self.label(claimed.destination) + (f" part {claimed.index + 1}" if claimed.index else "")
