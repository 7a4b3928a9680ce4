from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from destinations.base import PublishResult, idempotency_key
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.lengths import mastodon_length
from destinations.mastodon import Mastodon
from destinations.preview import shape
from tests.destinations.fakes.mastodon import FakeMastodon, rate_limited
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.server import unused_port


@pytest.fixture
async def fake() -> AsyncIterator[FakeMastodon]:
    async with FakeMastodon() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as client:
        yield client


def key(part: int = 0) -> str:
    return idempotency_key(1, 1, "mastodon", part)


async def publish(dest: Mastodon, text: str, *, reply_to: str | None = None, part: int = 0) -> PublishResult:
    post = make_post(text)
    return await dest.publish(post, dest.format(post)[0], idempotency_key=key(part), reply_to=reply_to)


async def test_publish_sends_text_visibility_and_idempotency_key(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    result = await publish(Mastodon(fake.url, "mastodon-token", http, visibility="unlisted"), "Approved.")
    assert result.external_id == fake.posts[0]["id"]
    assert result.url == fake.posts[0]["url"]
    assert fake.posts[0]["visibility"] == "unlisted"
    assert fake.requests[0].headers["Idempotency-Key"] == key()


async def test_a_thread_part_replies_to_the_previous_status(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    dest = Mastodon(fake.url, "mastodon-token", http)
    first = await publish(dest, "One.")
    await publish(dest, "Two.", reply_to=first.external_id, part=1)
    assert fake.posts[1]["in_reply_to_id"] == first.external_id


def test_a_long_post_splits_into_numbered_parts_of_at_most_500_characters(http: httpx.AsyncClient) -> None:
    dest = Mastodon("http://unused", "t", http)
    parts = dest.format(make_post(" ".join(f"This is sentence number {i}." for i in range(100))))
    assert len(parts) > 1
    assert all(len(p.text) <= 500 and p.text.endswith(f"({p.index + 1}/{len(parts)})") for p in parts)


async def test_resending_with_the_same_key_after_a_dropped_connection_posts_once(
    fake: FakeMastodon, http: httpx.AsyncClient
) -> None:
    dest = Mastodon(fake.url, "mastodon-token", http)
    fake.fail_next(kind="drop", path="/api/v1/statuses")
    with pytest.raises(UnknownOutcomeError):
        await publish(dest, "Once only.")
    assert len(fake.posts) == 1
    again = await publish(dest, "Once only.")
    assert len(fake.posts) == 1 and again.external_id == fake.posts[0]["id"]


async def test_a_timeout_after_sending_is_an_unknown_outcome(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    fake.fail_next(kind="hang", path="/api/v1/statuses")
    with pytest.raises(UnknownOutcomeError):
        await publish(Mastodon(fake.url, "mastodon-token", http), "Slow.")


async def test_a_rate_limit_waits_until_x_ratelimit_reset(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    fake.fail_next(**rate_limited(reset_in_s=120))
    with pytest.raises(RetryableError) as caught:
        await publish(Mastodon(fake.url, "mastodon-token", http), "Hello.")
    assert caught.value.retry_after_s is not None
    assert 60 < caught.value.retry_after_s <= 120


async def test_a_server_error_is_retryable(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    fake.fail_next(503, body="<html>Bad gateway</html>")
    with pytest.raises(RetryableError):
        await publish(Mastodon(fake.url, "mastodon-token", http), "Hello.")


async def test_a_bad_token_is_permanent_with_mastodons_reason(fake: FakeMastodon, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentError, match="access token is invalid"):
        await publish(Mastodon(fake.url, "wrong", http), "Hello.")


async def test_connection_refused_is_retryable(http: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableError):
        await publish(Mastodon(f"http://127.0.0.1:{unused_port()}", "t", http), "Hello.")


async def test_find_published_matches_the_rendered_html_of_a_status(
    fake: FakeMastodon, http: httpx.AsyncClient
) -> None:
    dest = Mastodon(fake.url, "mastodon-token", http)
    text = "Tom & Jerry <3\nread https://example.com/a/rather/long/path/that/gets/shortened?q=1"
    await publish(dest, "Something else.", part=1)
    await publish(dest, text)
    post = make_post(text)
    found = await dest.find_published(post, dest.format(post)[0])
    assert found is not None and found.external_id == fake.posts[1]["id"]
    assert await dest.find_published(post, dest.format(make_post("never"))[0]) is None


def test_an_unknown_visibility_is_refused_at_construction(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="MASTODON_VISIBILITY"):
        Mastodon("http://unused", "t", http, visibility="friends")


async def test_a_success_with_an_unreadable_body_is_an_unknown_outcome(
    fake: FakeMastodon, http: httpx.AsyncClient
) -> None:
    fake.fail_next(200, body="<html>ok?</html>", path="/api/v1/statuses")
    with pytest.raises(UnknownOutcomeError):
        await publish(Mastodon(fake.url, "mastodon-token", http), "Hello.")


def test_a_link_counts_23_characters_as_on_mastodon(http: httpx.AsyncClient) -> None:
    dest = Mastodon("http://unused", "t", http)
    link = "https://example.com/" + "a-very-long-path/" * 12
    text = "x" * 440 + " " + link  # 661 code points, 464 as Mastodon counts
    assert mastodon_length(text) == 464
    assert [p.text for p in dest.format(make_post(text))] == [text]
    assert shape(dest, make_post(text)) == "464/500"


def test_a_link_without_a_scheme_or_with_trailing_punctuation_is_never_undercounted() -> None:
    assert mastodon_length("see example.com") == len("see example.com")
    assert mastodon_length("see https://example.com/a.") == len("see ") + 23 + 1
