from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from destinations.base import Post, PublishResult
from destinations.devto import DevTo, sanitize_tags
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from tests.destinations.fakes.devto import FakeDevTo, rate_limited
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.server import unused_port


@pytest.fixture
async def fake() -> AsyncIterator[FakeDevTo]:
    async with FakeDevTo() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as client:
        yield client


def make(url: str, http: httpx.AsyncClient, **kw: Any) -> DevTo:
    return DevTo(kw.pop("api_key", "devto-key"), http, api_url=url, **kw)


async def publish(dest: DevTo, post: Post) -> PublishResult:
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k", reply_to=None)


def test_tags_are_reduced_to_four_lowercase_alphanumeric_names() -> None:
    assert sanitize_tags(("Python 3", "C++", "café", "machine-learning", "python3", "#Rust", "go")) == [
        "python3",
        "c",
        "cafe",
        "machinelearning",
    ]
    assert sanitize_tags(("!!!", "")) == []


def test_the_leading_heading_becomes_the_title_and_leaves_the_body(http: httpx.AsyncClient) -> None:
    dest = make("http://unused", http)
    post = make_post("# Shipping Signoff\n\nBody **text**.")
    assert dest.format(post)[0].text == "Body **text**."
    assert dest.preflight(post) == []


def test_a_post_without_any_title_fails_preflight(http: httpx.AsyncClient) -> None:
    assert "title" in make("http://unused", http).preflight(make_post("Just a body."))[0]


async def test_publish_creates_an_article_with_sanitised_tags_as_a_draft_by_default(
    fake: FakeDevTo, http: httpx.AsyncClient
) -> None:
    post = make_post("Body.", title="Hello Dev", tags=("Python", "web-dev", "AI", "ops", "extra"))
    result = await publish(make(fake.url, http), post)
    [article] = fake.posts
    assert article["title"] == "Hello Dev" and article["body_markdown"] == "Body."
    assert article["tag_list"] == ["python", "webdev", "ai", "ops"]
    assert article["published"] is False
    assert result.external_id == str(article["id"]) and result.url == article["url"]
    assert fake.requests[0].headers["Accept"] == "application/vnd.forem.api-v1+json"


async def test_devto_publish_true_publishes(fake: FakeDevTo, http: httpx.AsyncClient) -> None:
    await publish(make(fake.url, http, publish=True), make_post("Body.", title="Live"))
    assert fake.posts[0]["published"] is True


async def test_a_wrong_api_key_is_permanent(fake: FakeDevTo, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentError, match="401"):
        await publish(make(fake.url, http, api_key="nope"), make_post("Body.", title="T"))


async def test_a_rate_limit_is_retryable_after_retry_after(fake: FakeDevTo, http: httpx.AsyncClient) -> None:
    fake.fail_next(**rate_limited(30))
    with pytest.raises(RetryableError) as caught:
        await publish(make(fake.url, http), make_post("Body.", title="T"))
    assert caught.value.retry_after_s == 30


async def test_a_server_error_is_retryable(fake: FakeDevTo, http: httpx.AsyncClient) -> None:
    fake.fail_next(500, body={"error": "Internal Server Error", "status": 500})
    with pytest.raises(RetryableError):
        await publish(make(fake.url, http), make_post("Body.", title="T"))


async def test_connection_refused_is_retryable(http: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableError):
        await publish(make(f"http://127.0.0.1:{unused_port()}", http), make_post("Body.", title="T"))


async def test_a_dropped_connection_is_unknown_and_find_published_finds_the_article(
    fake: FakeDevTo, http: httpx.AsyncClient
) -> None:
    dest = make(fake.url, http)
    post = make_post("# Once\n\nOnly once.")
    fake.fail_next(kind="drop", path="/api/articles")
    with pytest.raises(UnknownOutcomeError):
        await publish(dest, post)
    assert len(fake.posts) == 1
    found = await dest.find_published(post, dest.format(post)[0])
    assert found is not None and found.external_id == str(fake.posts[0]["id"])
    other = make_post("# Other\n\nNever sent.")
    assert await dest.find_published(other, dest.format(other)[0]) is None
