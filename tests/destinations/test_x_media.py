from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from destinations.base import PublishResult
from destinations.errors import RetryableError
from destinations.media.image import Image, load_image
from destinations.x import X
from tests.destinations.fakes.images import png
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.x_media import FakeXMedia

SECRETS: dict[str, Any] = {
    "consumer_key": "ck+SECRET/1",
    "consumer_secret": "cs-SECRET-2",
    "access_token": "1500000000000000001-at-SECRET-3",
    "access_token_secret": "ats-SECRET-4",
}
CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")
BARE = load_image(png(100, 100, color="red"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeXMedia]:
    async with FakeXMedia(consumer_key=SECRETS["consumer_key"], access_token=SECRETS["access_token"]) as server:
        yield server


async def publish(fake: FakeXMedia, text: str, images: Sequence[Image] = ()) -> PublishResult:
    dest = X(**SECRETS, api_url=fake.url)
    post = make_post(text, images=tuple(images))
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k" * 32, reply_to=None)


async def test_images_are_uploaded_described_and_named_in_the_post_in_order(fake: FakeXMedia) -> None:
    result = await publish(fake, "Launch numbers.", [CHART, BARE])
    [tweet] = fake.posts
    ids = fake.tweet_media[tweet.id]
    assert result.detail["media_ids"] == ids and len(ids) == 2
    assert [hashlib.sha256(fake.media[i]["data"]).hexdigest() for i in ids] == [CHART.sha256, BARE.sha256]
    assert [fake.media[i]["alt"] for i in ids] == [CHART.alt, None]  # no empty alt text is sent
    paths = [r.path for r in fake.requests]
    assert paths == ["/2/media/upload", "/2/media/metadata", "/2/media/upload", "/2/tweets"]
    assert all(r.headers["Authorization"].startswith("OAuth ") for r in fake.requests)


async def test_a_post_without_images_calls_only_the_post_endpoint(fake: FakeXMedia) -> None:
    await publish(fake, "Just text.")
    assert [r.path for r in fake.requests] == ["/2/tweets"]


async def test_an_upload_server_error_is_retryable_and_nothing_is_posted(fake: FakeXMedia) -> None:
    fake.fail_next(503, path="/2/media/upload", body={"title": "Service Unavailable", "status": 503})
    with pytest.raises(RetryableError):
        await publish(fake, "Launch.", [CHART])
    assert fake.posts == []


async def test_a_lost_upload_answer_is_retryable_not_unknown(fake: FakeXMedia) -> None:
    fake.fail_next(kind="drop", path="/2/media/upload")
    with pytest.raises(RetryableError, match="nothing was posted"):
        await publish(fake, "Launch.", [CHART])
    assert fake.posts == []


async def test_the_oauth_secrets_never_reach_the_debug_log_during_uploads(
    fake: FakeXMedia, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="tweepy"):
        await publish(fake, "Launch.", [CHART])
    assert "SECRET" not in caplog.text
