from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from destinations.base import PublishResult
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.slack_channel import SlackChannel, escape
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.server import unused_port
from tests.destinations.fakes.slack import FakeSlack, rate_limited


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as client:
        yield client


def make(url: str, http: httpx.AsyncClient, token: str = "xoxb-test", channel: str = "C0ANNOUNCE") -> SlackChannel:
    return SlackChannel(token, channel, http, api_url=f"{url}/api")


async def publish(dest: SlackChannel, text: str) -> PublishResult:
    post = make_post(text)
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k", reply_to=None)


def test_escaping_defuses_broadcasts_and_spoofed_links_but_keeps_quotes() -> None:
    assert escape("<!channel> & <http://evil|innocent> \"hi\" 'x'") == (
        "&lt;!channel&gt; &amp; &lt;http://evil|innocent&gt; \"hi\" 'x'"
    )


async def test_publish_posts_the_escaped_text_to_the_announcement_channel(
    fake: FakeSlack, http: httpx.AsyncClient
) -> None:
    result = await publish(make(fake.url, http), "Out now <!here> <@U1> & more")
    [message] = fake.posts
    assert message["channel"] == "C0ANNOUNCE"
    assert message["text"] == "Out now &lt;!here&gt; &lt;@U1&gt; &amp; more"
    assert result.external_id == message["ts"]


async def test_an_unknown_channel_is_permanent(fake: FakeSlack, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentError, match="channel_not_found"):
        await publish(make(fake.url, http, channel="C0NOPE"), "Hi")


async def test_a_bad_token_is_permanent(fake: FakeSlack, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentError, match="invalid_auth"):
        await publish(make(fake.url, http, token="xoxb-wrong"), "Hi")


async def test_a_429_is_retryable_after_retry_after(fake: FakeSlack, http: httpx.AsyncClient) -> None:
    fake.fail_next(**rate_limited(7))
    with pytest.raises(RetryableError) as caught:
        await publish(make(fake.url, http), "Hi")
    assert caught.value.retry_after_s == 7


async def test_a_fatal_error_may_have_posted_so_the_outcome_is_unknown(
    fake: FakeSlack, http: httpx.AsyncClient
) -> None:
    fake.fail_next(200, body={"ok": False, "error": "fatal_error"})
    with pytest.raises(UnknownOutcomeError):
        await publish(make(fake.url, http), "Hi")


async def test_connection_refused_is_retryable(http: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableError):
        await publish(make(f"http://127.0.0.1:{unused_port()}", http), "Hi")


async def test_a_dropped_connection_is_unknown_and_find_published_sees_the_message(
    fake: FakeSlack, http: httpx.AsyncClient
) -> None:
    dest = make(fake.url, http)
    fake.fail_next(kind="drop", path="/api/chat.postMessage")
    with pytest.raises(UnknownOutcomeError):
        await publish(dest, "Launch <soon> & done")
    assert len(fake.posts) == 1
    post = make_post("Launch <soon> & done")
    found = await dest.find_published(post, dest.format(post)[0])
    assert found is not None and found.external_id == fake.posts[0]["ts"]
    other = make_post("never")
    assert await dest.find_published(other, dest.format(other)[0]) is None
