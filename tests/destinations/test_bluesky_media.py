from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from destinations.base import PublishResult
from destinations.bluesky import Bluesky
from destinations.errors import PermanentError, RetryableError
from destinations.media.image import Image, load_image
from tests.destinations.fakes.bluesky_media import FakeBlueskyMedia, raw_cid
from tests.destinations.fakes.images import png
from tests.destinations.fakes.posts import make_post

CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")
NOISY = load_image(png(1600, 1000, noise=True), alt="A busy dashboard")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBlueskyMedia]:
    async with FakeBlueskyMedia() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as client:
        yield client


async def publish(
    fake: FakeBlueskyMedia, http: httpx.AsyncClient, text: str, images: Sequence[Image] = ()
) -> PublishResult:
    dest = Bluesky("signoff.test", "abcd-efgh-ijkl-mnop", http, service_url=fake.url)
    post = make_post(text, images=tuple(images))
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k", reply_to=None)


async def test_images_become_blobs_in_an_images_embed_with_alt_and_aspect_ratio(
    fake: FakeBlueskyMedia, http: httpx.AsyncClient
) -> None:
    await publish(fake, http, "Launch numbers.", [CHART])
    [entry] = fake.posts[0]["embed"]["images"]
    assert fake.posts[0]["embed"]["$type"] == "app.bsky.embed.images"
    assert entry["alt"] == CHART.alt
    assert entry["aspectRatio"] == {"width": 640, "height": 360}
    assert entry["image"]["ref"]["$link"] == raw_cid(CHART.data)
    assert hashlib.sha256(fake.blob_of(entry)).hexdigest() == CHART.sha256
    upload = next(r for r in fake.requests if r.path.endswith("uploadBlob"))
    assert upload.headers["Content-Type"] == "image/png" and upload.body == CHART.data


async def test_an_image_over_the_blob_limit_is_resized_below_it_keeping_its_shape(
    fake: FakeBlueskyMedia, http: httpx.AsyncClient
) -> None:
    assert NOISY.size > 1_000_000
    await publish(fake, http, "Dashboard.", [NOISY])
    [entry] = fake.posts[0]["embed"]["images"]
    assert entry["image"]["size"] <= 1_000_000
    ratio = entry["aspectRatio"]
    assert abs(ratio["width"] / ratio["height"] - 1.6) < 0.01
    assert entry["alt"] == NOISY.alt


async def test_the_fake_refuses_a_blob_over_the_lexicon_limit_as_the_pds_does(
    fake: FakeBlueskyMedia, http: httpx.AsyncClient
) -> None:
    # What would happen without fitting: proof that the fake enforces the real limit.
    dest = Bluesky("signoff.test", "abcd-efgh-ijkl-mnop", http, service_url=fake.url)
    uploaded = await dest._call(
        "POST", "com.atproto.repo.uploadBlob", content=NOISY.data, headers={"Content-Type": "image/png"}
    )
    record = {
        "$type": "app.bsky.feed.post",
        "text": "x",
        "createdAt": "2026-01-01T00:00:00Z",
        "embed": {"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": uploaded["blob"]}]},
    }
    with pytest.raises(PermanentError, match="BlobTooLarge"):
        await dest._call(
            "POST",
            "com.atproto.repo.createRecord",
            json={"repo": fake.did, "collection": "app.bsky.feed.post", "record": record},
        )


async def test_four_images_keep_their_order(fake: FakeBlueskyMedia, http: httpx.AsyncClient) -> None:
    colors = ["red", "green", "blue", "black"]
    images = [load_image(png(100 + i, 50, color=c), alt=c) for i, c in enumerate(colors)]
    await publish(fake, http, "Four.", images)
    entries = fake.posts[0]["embed"]["images"]
    assert [e["alt"] for e in entries] == colors
    assert [e["aspectRatio"]["width"] for e in entries] == [100, 101, 102, 103]


async def test_a_lost_upload_answer_is_retryable_and_posts_nothing(
    fake: FakeBlueskyMedia, http: httpx.AsyncClient
) -> None:
    fake.fail_next(kind="drop", path="/xrpc/com.atproto.repo.uploadBlob")
    with pytest.raises(RetryableError, match="nothing was posted"):
        await publish(fake, http, "Launch.", [CHART])
    assert fake.posts == []
