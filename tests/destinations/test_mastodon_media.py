from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from destinations.base import PublishResult, idempotency_key
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.mastodon import Mastodon
from destinations.media.image import Image, load_image
from tests.destinations.fakes.images import encoded, png
from tests.destinations.fakes.mastodon_media import FakeMastodonMedia
from tests.destinations.fakes.posts import make_post

CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")
PHOTO = load_image(encoded("JPEG", 800, 600), alt="The team at the launch")


@pytest.fixture
async def fake() -> AsyncIterator[FakeMastodonMedia]:
    async with FakeMastodonMedia() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as client:
        yield client


def mastodon(fake: FakeMastodonMedia, http: httpx.AsyncClient) -> Mastodon:
    dest = Mastodon(fake.url, "mastodon-token", http)
    dest.media_poll_s = 0.01
    return dest


async def publish(dest: Mastodon, text: str, images: Sequence[Image] = (), part: int = 0) -> PublishResult:
    post = make_post(text, images=tuple(images))
    return await dest.publish(
        post, dest.format(post)[part], idempotency_key=idempotency_key(1, 1, "mastodon", part), reply_to=None
    )


async def test_images_are_uploaded_waited_for_and_attached_in_order_with_their_descriptions(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    result = await publish(mastodon(fake, http), "Launch numbers.", [CHART, PHOTO])
    status = fake.posts[0]
    assert result.external_id == status["id"]
    attached = status["media_attachments"]
    assert [m["description"] for m in attached] == [CHART.alt, PHOTO.alt]
    assert [hashlib.sha256(fake.files[m["id"]]).hexdigest() for m in attached] == [CHART.sha256, PHOTO.sha256]
    assert [m["content_type"] for m in attached] == ["image/png", "image/jpeg"]
    polls = [r for r in fake.requests if r.path.startswith("/api/v1/media/")]
    assert len(polls) == 2 * fake.polls_to_process  # 206 until processed, then 200
    order = [r.path for r in fake.requests]
    assert order.index("/api/v1/statuses") > max(i for i, p in enumerate(order) if p.startswith("/api/v1/media/"))


async def test_an_image_processed_at_once_is_not_polled(http: httpx.AsyncClient) -> None:
    async with FakeMastodonMedia(polls_to_process=0) as fake:
        await publish(mastodon(fake, http), "Quick.", [CHART])
        assert not [r for r in fake.requests if r.path.startswith("/api/v1/media/")]
        assert len(fake.posts[0]["media_attachments"]) == 1


async def test_a_post_without_images_uploads_nothing(fake: FakeMastodonMedia, http: httpx.AsyncClient) -> None:
    await publish(mastodon(fake, http), "Just text.")
    assert [r.path for r in fake.requests] == ["/api/v1/statuses"]
    assert fake.posts[0]["media_attachments"] == []


async def test_only_the_first_part_of_a_thread_carries_the_images(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    dest = mastodon(fake, http)
    post = make_post(" ".join(f"Sentence number {i} of a long thread." for i in range(40)), images=(CHART,))
    parts = dest.format(post)
    assert len(parts) > 1
    first = await dest.publish(post, parts[0], idempotency_key="a" * 32, reply_to=None)
    await dest.publish(post, parts[1], idempotency_key="b" * 32, reply_to=first.external_id)
    assert [len(p["media_attachments"]) for p in fake.posts] == [1, 0]


async def test_a_server_error_during_upload_is_retryable_and_nothing_is_posted(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    fake.fail_next(503, path="/api/v2/media")
    with pytest.raises(RetryableError):
        await publish(mastodon(fake, http), "Launch.", [CHART])
    assert fake.posts == []


async def test_an_upload_whose_answer_is_lost_is_retryable_not_unknown(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    fake.fail_next(kind="drop", path="/api/v2/media")
    with pytest.raises(RetryableError, match=r"did not confirm the upload of image 1.*nothing was posted"):
        await publish(mastodon(fake, http), "Launch.", [CHART])
    assert fake.posts == []


async def test_a_resend_after_a_crash_between_upload_and_post_posts_once(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    dest = mastodon(fake, http)
    fake.fail_next(kind="drop", path="/api/v1/statuses")
    with pytest.raises(UnknownOutcomeError):
        await publish(dest, "Launch.", [CHART])
    await publish(dest, "Launch.", [CHART])  # same Idempotency-Key: Mastodon returns the first status
    assert len(fake.posts) == 1


async def test_a_refused_upload_is_permanent_and_names_the_image(
    fake: FakeMastodonMedia, http: httpx.AsyncClient
) -> None:
    fake.fail_next(422, path="/api/v2/media", body={"error": "Validation failed: File content type is invalid"})
    with pytest.raises(PermanentError, match="Mastodon refused image 1"):
        await publish(mastodon(fake, http), "Launch.", [CHART])
