"""Waiting as long as each platform asks: Retry-After in both RFC 9110 forms, X's daily and monthly caps."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from destinations.base import Capabilities, Destination, Part, Post, PublishResult
from destinations.bluesky import Bluesky
from destinations.devto import DevTo
from destinations.errors import RateLimitedError, RetryableError
from destinations.mastodon import Mastodon
from destinations.publisher import ClaimedPart, Publisher
from destinations.retry_after import seconds_from_retry_after
from destinations.slack_channel import SlackChannel
from destinations.webhook import Webhook
from destinations.x import X
from destinations.x_errors import x_rate_limited
from tests.destinations.fakes.bluesky import FakeBluesky
from tests.destinations.fakes.devto import FakeDevTo
from tests.destinations.fakes.mastodon import FakeMastodon
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.slack import FakeSlack
from tests.destinations.fakes.x import FakeX, daily_cap_reached, rate_limited, usage_cap_exceeded

NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("Fri, 15 Jan 2027 08:02:00 GMT", 120.0),  # IMF-fixdate
        ("Friday, 15-Jan-27 08:02:00 GMT", 120.0),  # obsolete RFC 850
        ("Fri Jan 15 08:02:00 2027", 120.0),  # obsolete asctime
        ("Fri, 15 Jan 2027 07:00:00 GMT", 0.0),  # already past: go now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(value: str | None, seconds: float | None) -> None:
    assert seconds_from_retry_after(value, now=NOW) == seconds


def _in(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as client:
        yield client


async def _publish(dest: Destination, text: str = "Hello.") -> PublishResult:
    post = make_post(text)
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k", reply_to=None)


async def _waits_about(dest, fake, seconds: float) -> None:  # type: ignore[no-untyped-def]
    fake.fail_next(429, headers={"Retry-After": _in(seconds)}, body={"error": "slow down"})
    with pytest.raises(RateLimitedError) as caught:
        await _publish(dest)
    assert caught.value.retry_after_s is not None
    assert seconds - 5 <= caught.value.retry_after_s <= seconds and caught.value.until_reset


async def test_mastodon_reads_an_http_date_retry_after(http: httpx.AsyncClient) -> None:
    async with FakeMastodon() as fake:
        await _waits_about(Mastodon(fake.url, "mastodon-token", http), fake, 600)


async def test_bluesky_reads_an_http_date_retry_after_when_it_sends_no_ratelimit_reset(http: httpx.AsyncClient) -> None:
    async with FakeBluesky() as fake:
        await _waits_about(Bluesky("signoff.test", "abcd-efgh-ijkl-mnop", http, service_url=fake.url), fake, 600)


async def test_devto_reads_an_http_date_retry_after(http: httpx.AsyncClient) -> None:
    async with FakeDevTo() as fake:
        await _waits_about(DevTo("devto-key", http, api_url=fake.url), fake, 600)


async def test_the_slack_channel_reads_an_http_date_retry_after_on_a_429_and_on_ok_false(
    http: httpx.AsyncClient,
) -> None:
    async with FakeSlack() as fake:
        dest = SlackChannel("xoxb-test", "C0ANNOUNCE", http, api_url=f"{fake.url}/api")
        await _waits_about(dest, fake, 600)
        fake.fail_next(200, headers={"Retry-After": _in(300)}, body={"ok": False, "error": "ratelimited"})
        with pytest.raises(RateLimitedError) as caught:
            await _publish(dest)
        assert caught.value.retry_after_s is not None
        assert 295 <= caught.value.retry_after_s <= 300


async def test_the_webhook_reads_an_http_date_retry_after() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": _in(600)}),
            httpx.Response(503, headers={"Retry-After": "Fri, 15 Jan 1999 08:02:00 GMT"}),
        ]
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda request: next(answers))) as client:
        dest = Webhook("https://hook.example/in", "secret", client)
        with pytest.raises(RateLimitedError) as caught:
            await _publish(dest)
        assert caught.value.retry_after_s is not None
        assert 595 <= caught.value.retry_after_s <= 600
        with pytest.raises(RetryableError) as caught:  # type: ignore[assignment]  # the wider error, same name
            await _publish(dest)
        assert caught.value.retry_after_s == 0.0


# -- X ------------------------------------------------------------------------------------------------
SECRETS: dict[str, Any] = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "1500000000000000001-at",
    "access_token_secret": "ats",
}


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeX]:
    async with FakeX(consumer_key=SECRETS["consumer_key"], access_token=SECRETS["access_token"]) as server:
        yield server


async def test_xs_daily_cap_waits_for_the_24_hour_reset_not_the_15_minute_window(fake_x: FakeX) -> None:
    fake_x.fail_next(**daily_cap_reached(reset_in_s=5 * 3600), path="/2/tweets")
    with pytest.raises(RateLimitedError) as caught:
        await _publish(X(**SECRETS, api_url=fake_x.url))
    assert caught.value.message == "X daily post limit reached" and caught.value.until_reset
    assert caught.value.retry_after_s is not None
    assert 5 * 3600 - 5 <= caught.value.retry_after_s <= 5 * 3600
    assert fake_x.posts == []


async def test_xs_app_daily_cap_is_named_as_the_apps(fake_x: FakeX) -> None:
    fake_x.fail_next(**daily_cap_reached(reset_in_s=3600, scope="app"), path="/2/tweets")
    with pytest.raises(RateLimitedError, match="daily post limit for this app"):
        await _publish(X(**SECRETS, api_url=fake_x.url))


async def test_xs_monthly_usage_cap_is_looked_at_again_a_day_later(fake_x: FakeX) -> None:
    fake_x.fail_next(**usage_cap_exceeded(), path="/2/tweets")
    with pytest.raises(RateLimitedError) as caught:
        await _publish(X(**SECRETS, api_url=fake_x.url))
    assert caught.value.message == "X monthly usage cap reached"
    assert caught.value.retry_after_s == 24 * 3600 and caught.value.until_reset


async def test_xs_window_limit_still_waits_for_its_own_reset(fake_x: FakeX) -> None:
    fake_x.fail_next(**rate_limited(reset_in_s=120), path="/2/tweets")
    with pytest.raises(RateLimitedError) as caught:
        await _publish(X(**SECRETS, api_url=fake_x.url))
    assert caught.value.retry_after_s is not None
    assert caught.value.message == "X rate limit (429)" and 115 <= caught.value.retry_after_s <= 120


def test_the_latest_reset_wins_when_both_the_window_and_the_day_are_used_up() -> None:
    headers = {
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(NOW) + 600),
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(int(NOW) + 7200),
    }
    error = x_rate_limited(headers, "", now=NOW)
    assert (error.message, error.retry_after_s) == ("X daily post limit reached", 7200)
    unnamed = x_rate_limited({}, "<html>Too Many Requests</html>", now=NOW)
    assert unnamed.retry_after_s == 900 and not unnamed.until_reset


# -- the publisher: a reset-given wait is not a failed attempt ------------------------------------------
class Ledger:
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        self.failures: list[tuple[str, float | None]] = []
        self.notes: list[str] = []

    async def claim(self, destination: str, index: int, text: str) -> ClaimedPart:
        return ClaimedPart("go", 1, destination, index, "key", self.attempts)

    async def failed(self, part: ClaimedPart, error: str, *, retry_in_s: float | None) -> None:
        self.failures.append((error, retry_in_s))

    async def note(self, text: str) -> None:
        self.notes.append(text)


def _clock() -> datetime:
    return datetime.now(UTC)


def _shown(reset_epoch: float, jitter_s: float) -> set[str]:
    """How "will retry at …" may read for a retry between the reset and the reset plus the jitter."""
    today = datetime.now(UTC).date()
    shown = set()
    for delay in range(0, int(jitter_s) + 61, 30):
        then = datetime.fromtimestamp(reset_epoch + delay, UTC)
        shown.add(f"{then:%H:%M} UTC" + ("" if then.date() == today else f" on {then.day} {then:%b}"))
    return shown


async def test_xs_daily_cap_says_in_the_thread_when_it_will_retry_and_never_uses_up_the_attempts(fake_x: FakeX) -> None:
    reset = time.time() + 5 * 3600
    fake_x.fail_next(**daily_cap_reached(reset_in_s=5 * 3600), path="/2/tweets")
    ledger = Ledger(attempts=8)  # the last attempt a failure would get
    publisher = Publisher(ledger, clock=_clock)  # type: ignore[arg-type]
    await publisher.publish(X(**SECRETS, api_url=fake_x.url), "x", make_post("Hello."))
    ((error, retry_in_s),) = ledger.failures
    assert retry_in_s is not None and 5 * 3600 - 5 <= retry_in_s <= 5 * 3600 + 31
    assert error.startswith("X daily post limit reached; will retry at ")
    assert error.removeprefix("X daily post limit reached; will retry at ") in _shown(reset, 31)
    assert publisher.retry_in == [retry_in_s] and ledger.notes == []


async def test_a_failure_that_is_not_a_platform_wait_still_gives_up_after_the_last_attempt(fake_x: FakeX) -> None:
    fake_x.fail_next(503, body={"title": "Service Unavailable", "status": 503}, path="/2/tweets")
    ledger = Ledger(attempts=8)
    await Publisher(ledger).publish(X(**SECRETS, api_url=fake_x.url), "x", make_post("Hello."))  # type: ignore[arg-type]
    assert ledger.failures == [("X server error (503) (gave up after 8 attempts)", None)]
    assert ledger.notes and "failed" in ledger.notes[0]


async def test_a_429_without_any_reset_counts_as_an_attempt() -> None:
    class Platform:
        name, capabilities = "memory", Capabilities(max_length=None)

        def format(self, post: Post) -> list[Part]:
            return [Part(0, post.text)]

        def preflight(self, post: Post) -> list[str]:
            return []

        async def publish(self, post, part, *, idempotency_key, reply_to) -> None:  # type: ignore[no-untyped-def]
            raise RateLimitedError("memory rate limit (429)", retry_after_s=900, until_reset=False)

    ledger = Ledger(attempts=8)
    await Publisher(ledger).publish(Platform(), "memory", make_post("Hello."))  # type: ignore[arg-type]
    assert ledger.failures == [("memory rate limit (429) (gave up after 8 attempts)", None)]
