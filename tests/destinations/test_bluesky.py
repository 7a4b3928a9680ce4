from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from destinations.base import PublishResult
from destinations.bluesky import Bluesky
from destinations.bluesky_facets import facets, mentioned_handles
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.lengths import grapheme_count
from tests.destinations.fakes.bluesky import FakeBluesky, rate_limited
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.server import unused_port


@pytest.fixture
async def fake() -> AsyncIterator[FakeBluesky]:
    async with FakeBluesky() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.5)) as client:
        yield client


def make(fake_or_url: FakeBluesky | str, http: httpx.AsyncClient, password: str = "abcd-efgh-ijkl-mnop") -> Bluesky:
    url = fake_or_url if isinstance(fake_or_url, str) else fake_or_url.url
    return Bluesky("signoff.test", password, http, service_url=url)


async def publish(dest: Bluesky, text: str, reply_to: str | None = None) -> PublishResult:
    post = make_post(text)
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k", reply_to=reply_to)


def linked(text: str, facet: dict[str, Any]) -> str:
    return text.encode("utf-8")[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")


def test_link_facets_use_utf8_byte_offsets_after_emoji() -> None:
    text = "🎉👩‍👩‍👧 Launch day: https://example.com/café?x=1. Thanks to naïve (https://w.example/Foo_(bar))"
    links = [f for f in facets(text) if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
    assert [linked(text, f) for f in links] == ["https://example.com/café?x=1", "https://w.example/Foo_(bar)"]
    assert [f["features"][0]["uri"] for f in links] == ["https://example.com/café?x=1", "https://w.example/Foo_(bar)"]
    assert links[0]["index"]["byteStart"] == len("🎉👩‍👩‍👧 Launch day: ".encode())


def test_hashtags_become_tag_facets() -> None:
    text = "Shipping 🚀 #signoff today, not #1"
    tags = [f for f in facets(text) if f["features"][0]["$type"] == "app.bsky.richtext.facet#tag"]
    assert [(linked(text, f), f["features"][0]["tag"]) for f in tags] == [("#signoff", "signoff")]


def test_a_long_post_splits_into_parts_of_at_most_300_graphemes(http: httpx.AsyncClient) -> None:
    text = " ".join(f"Family {i} 👨‍👩‍👧‍👦 went out." for i in range(120))
    parts = make("http://unused", http).format(make_post(text))
    assert len(parts) > 1
    for part in parts:
        assert grapheme_count(part.text) <= 300 and len(part.text.encode("utf-8")) <= 3000
        assert part.text.endswith(f"({part.index + 1}/{len(parts)})")


async def test_publish_creates_a_post_record_with_clickable_links(fake: FakeBluesky, http: httpx.AsyncClient) -> None:
    result = await publish(make(fake, http), "Read 🎉 https://example.com/a now.")
    [record] = fake.posts
    assert record["text"] == "Read 🎉 https://example.com/a now."
    assert linked(record["text"], record["facets"][0]) == "https://example.com/a"
    assert result.external_id in fake.records
    assert result.url is not None
    assert result.url.startswith("https://bsky.app/profile/signoff.test/post/")


async def test_thread_replies_name_the_first_post_as_root_and_the_previous_as_parent(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    dest = make(fake, http)
    first = await publish(dest, "One (1/3)")
    second = await publish(dest, "Two (2/3)", reply_to=first.external_id)
    await publish(dest, "Three (3/3)", reply_to=second.external_id)
    third = fake.posts[2]["reply"]
    assert third["root"]["uri"] == first.external_id
    assert third["parent"] == {"uri": second.external_id, "cid": second.detail["cid"]}
    assert fake.sessions == 1


async def test_an_expired_session_is_renewed_once_without_double_posting(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    dest = make(fake, http)
    await publish(dest, "Before.")
    fake.expire_tokens()
    await publish(dest, "After.")
    assert [p["text"] for p in fake.posts] == ["Before.", "After."]
    assert fake.sessions == 2


async def test_a_wrong_app_password_is_permanent_and_names_the_setting(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    with pytest.raises(PermanentError, match="BLUESKY_APP_PASSWORD"):
        await publish(make(fake, http, password="wrong"), "Hello.")


async def test_a_rate_limit_waits_until_ratelimit_reset(fake: FakeBluesky, http: httpx.AsyncClient) -> None:
    dest = make(fake, http)
    fake.fail_next(**rate_limited(reset_in_s=300), path="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(RetryableError) as caught:
        await publish(dest, "Hello.")
    assert caught.value.retry_after_s is not None
    assert 200 < caught.value.retry_after_s <= 300
    assert fake.posts == []


async def test_a_server_error_is_retryable(fake: FakeBluesky, http: httpx.AsyncClient) -> None:
    fake.fail_next(502, body="<html>Bad Gateway</html>", path="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(RetryableError):
        await publish(make(fake, http), "Hello.")


async def test_connection_refused_is_retryable(http: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableError):
        await publish(make(f"http://127.0.0.1:{unused_port()}", http), "Hello.")


async def test_a_dropped_connection_after_storing_is_unknown_and_find_published_recovers_it(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    dest = make(fake, http)
    fake.fail_next(kind="drop", path="/xrpc/com.atproto.repo.createRecord")
    post = make_post("Stored once 🎉 https://example.com")
    part = dest.format(post)[0]
    with pytest.raises(UnknownOutcomeError):
        await dest.publish(post, part, idempotency_key="k", reply_to=None)
    assert len(fake.posts) == 1
    found = await dest.find_published(post, part)
    assert found is not None and found.external_id == next(iter(fake.records))
    assert await dest.find_published(post, dest.format(make_post("never"))[0]) is None


async def test_a_timeout_after_sending_is_an_unknown_outcome(fake: FakeBluesky, http: httpx.AsyncClient) -> None:
    dest = make(fake, http)
    fake.fail_next(kind="hang", path="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(UnknownOutcomeError):
        await publish(dest, "Slow.")


def test_mentions_are_found_only_where_a_handle_starts_a_word() -> None:
    text = "Thanks @Alice.bsky.social and (@bob.example.com). Mail me@example.com, not @localhost or @x."
    assert mentioned_handles(text) == ["alice.bsky.social", "bob.example.com"]


def test_a_mention_facet_names_the_did_and_covers_the_handle_in_utf8_bytes() -> None:
    text = "🎉 Thanks @alice.bsky.social."
    [mention] = facets(text, {"alice.bsky.social": "did:plc:alice"})
    assert linked(text, mention) == "@alice.bsky.social"
    assert mention["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]
    assert facets(text) == []  # unresolved: plain text


async def test_publish_resolves_mentions_and_leaves_unknown_handles_as_text(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    await publish(make(fake, http), "Shipped with @alice.bsky.social and @nobody.example.com today.")
    [record] = fake.posts
    mentions = [f for f in record["facets"] if f["features"][0]["$type"].endswith("#mention")]
    assert [(linked(record["text"], f), f["features"][0]["did"]) for f in mentions] == [
        ("@alice.bsky.social", fake.known_handles["alice.bsky.social"])
    ]


async def test_a_failure_to_resolve_a_mention_is_retryable_and_posts_nothing(
    fake: FakeBluesky, http: httpx.AsyncClient
) -> None:
    fake.fail_next(kind="drop", path="/xrpc/com.atproto.identity.resolveHandle")
    with pytest.raises(RetryableError):
        await publish(make(fake, http), "Thanks @alice.bsky.social")
    assert fake.posts == []
