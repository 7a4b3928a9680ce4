from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from twitter_text import parse_tweet

from destinations.base import PublishResult, idempotency_key
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.x import X
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.server import unused_port
from tests.destinations.fakes.x import FakeX, rate_limited

SECRETS: dict[str, Any] = {
    "consumer_key": "ck+SECRET/1",
    "consumer_secret": "cs-SECRET-2",
    "access_token": "1500000000000000001-at-SECRET-3",
    "access_token_secret": "ats-SECRET-4",
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeX]:
    async with FakeX(consumer_key=SECRETS["consumer_key"], access_token=SECRETS["access_token"]) as server:
        yield server


def make_x(url: str, **kw: Any) -> X:
    return X(**SECRETS, api_url=url, **kw)


async def publish(dest: X, text: str, reply_to: str | None = None) -> PublishResult:
    post = make_post(text)
    part = dest.format(post)[0]
    return await dest.publish(post, part, idempotency_key=idempotency_key(1, 1, "x", 0), reply_to=reply_to)


def test_a_short_post_is_one_part_without_numbering() -> None:
    parts = make_x("http://unused").format(make_post("Hello, world."))
    assert [p.text for p in parts] == ["Hello, world."]


def test_a_long_post_is_a_numbered_thread_where_every_part_fits_280_weighted() -> None:
    text = " ".join(f"Sentence {i} mentions https://example.com/{'a' * 80}/{i} and 日本語." for i in range(30))
    parts = make_x("http://unused").format(make_post(text))
    assert len(parts) > 2
    for i, part in enumerate(parts, 1):
        assert parse_tweet(part.text).weightedLength <= 280
        assert part.text.endswith(f" ({i}/{len(parts)})")
    # Sentences are not cut in the middle.
    assert all(p.text.rsplit(" (", 1)[0].endswith("日本語.") for p in parts)


async def test_publish_goes_to_the_configured_base_url_with_oauth1(fake: FakeX) -> None:
    result = await publish(make_x(fake.url), "Approved text.")
    assert [t.text for t in fake.posts] == ["Approved text."]
    assert result.external_id == fake.posts[0].id
    assert result.url is not None
    assert result.url.endswith(fake.posts[0].id)
    assert fake.requests[0].headers["Authorization"].startswith("OAuth ")


async def test_a_thread_part_replies_to_the_previous_part(fake: FakeX) -> None:
    dest = make_x(fake.url)
    first = await publish(dest, "Part one.")
    await publish(dest, "Part two.", reply_to=first.external_id)
    assert fake.posts[1].in_reply_to == first.external_id


async def test_a_rate_limit_is_retryable_after_the_reset_time(fake: FakeX) -> None:
    fake.fail_next(**rate_limited(reset_in_s=120))
    with pytest.raises(RetryableError) as caught:
        await publish(make_x(fake.url), "Hello.")
    assert caught.value.retry_after_s is not None
    assert 60 < caught.value.retry_after_s <= 120
    assert fake.posts == []


async def test_a_rate_limit_without_reset_header_still_waits_a_window(fake: FakeX) -> None:
    fake.fail_next(429, body={"title": "Too Many Requests", "status": 429})
    with pytest.raises(RetryableError) as caught:
        await publish(make_x(fake.url), "Hello.")
    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s >= 60


@pytest.mark.parametrize(
    "body", [{"title": "Service Unavailable", "status": 503}, "<html><body>Over capacity</body></html>"]
)
async def test_a_server_error_is_retryable_even_with_an_html_body(fake: FakeX, body: object) -> None:
    fake.fail_next(503, body=body)
    with pytest.raises(RetryableError):
        await publish(make_x(fake.url), "Hello.")


async def test_refused_credentials_are_permanent_and_carry_xs_reason(fake: FakeX) -> None:
    fake.fail_next(
        403,
        body={
            "title": "Forbidden",
            "type": "about:blank",
            "status": 403,
            "detail": "You are not permitted to perform this action.",
        },
    )
    with pytest.raises(PermanentError, match="not permitted"):
        await publish(make_x(fake.url), "Hello.")


async def test_wrong_consumer_key_is_permanent(fake: FakeX) -> None:
    dest = X(**{**SECRETS, "consumer_key": "other"}, api_url=fake.url)
    with pytest.raises(PermanentError, match="401"):
        await publish(dest, "Hello.")


async def test_connection_refused_is_retryable_because_nothing_was_sent() -> None:
    with pytest.raises(RetryableError):
        await publish(make_x(f"http://127.0.0.1:{unused_port()}"), "Hello.")


async def test_a_connection_dropped_after_the_post_was_stored_is_an_unknown_outcome(fake: FakeX) -> None:
    fake.fail_next(kind="drop", path="/2/tweets")
    with pytest.raises(UnknownOutcomeError):
        await publish(make_x(fake.url), "Hello.")
    assert len(fake.posts) == 1


async def test_a_timeout_after_sending_is_an_unknown_outcome(fake: FakeX) -> None:
    fake.fail_next(kind="hang", path="/2/tweets")
    with pytest.raises(UnknownOutcomeError):
        await publish(make_x(fake.url, timeout_s=0.3), "Hello.")
    assert len(fake.posts) == 1


async def test_find_published_reconciles_an_unknown_outcome_instead_of_reposting(fake: FakeX) -> None:
    dest = make_x(fake.url)
    post = make_post("Tom & Jerry <3 https://example.com/a/long/path")
    part = dest.format(post)[0]
    fake.fail_next(kind="drop", path="/2/tweets")
    with pytest.raises(UnknownOutcomeError):
        await dest.publish(post, part, idempotency_key="k", reply_to=None)
    found = await dest.find_published(post, part)
    assert found is not None and found.external_id == fake.posts[0].id
    assert await dest.find_published(post, dest.format(make_post("never sent"))[0]) is None


async def test_debug_logs_never_contain_the_credentials(fake: FakeX, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dest = make_x(fake.url)
    await publish(dest, "Logged at debug.")
    await dest.find_published(make_post("x"), dest.format(make_post("x"))[0])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Making API request" in logged
    for secret in SECRETS.values():
        assert secret not in logged and quote(secret, safe="") not in logged
    assert 'oauth_signature="' not in logged


async def test_a_success_with_an_unreadable_body_is_an_unknown_outcome(fake: FakeX) -> None:
    fake.fail_next(201, body="<html>created?</html>", path="/2/tweets")
    with pytest.raises(UnknownOutcomeError):
        await publish(make_x(fake.url), "Hello.")
