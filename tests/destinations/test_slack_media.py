from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from destinations.base import PublishResult
from destinations.errors import PermanentError, RetryableError
from destinations.media.image import Image, load_image
from destinations.slack_channel import SlackChannel, escape
from tests.destinations.fakes.images import encoded, png
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.slack_media import FakeSlackMedia

CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")
PHOTO = load_image(encoded("JPEG", 800, 600), alt="The team <at> the launch")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackMedia]:
    async with FakeSlackMedia() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as client:
        yield client


async def publish(
    fake: FakeSlackMedia, http: httpx.AsyncClient, text: str, images: Sequence[Image] = ()
) -> PublishResult:
    dest = SlackChannel("xoxb-test", "C0ANNOUNCE", http, api_url=f"{fake.url}/api")
    post = make_post(text, images=tuple(images))
    return await dest.publish(post, dest.format(post)[0], idempotency_key="k" * 32, reply_to=None)


async def test_images_go_through_the_external_upload_flow_as_one_message_with_the_text(
    fake: FakeSlackMedia, http: httpx.AsyncClient
) -> None:
    result = await publish(fake, http, "Launch <!channel> numbers.", [CHART, PHOTO])
    [message] = fake.posts
    assert message["text"] == escape("Launch <!channel> numbers.")
    assert [f["alt_txt"] for f in message["files"]] == [CHART.alt, PHOTO.alt]
    ids = [f["id"] for f in message["files"]]
    assert [hashlib.sha256(fake.files[i]["data"]).hexdigest() for i in ids] == [CHART.sha256, PHOTO.sha256]
    assert [fake.files[i]["mimetype"] for i in ids] == ["image/png", "image/jpeg"]
    assert result.external_id == message["ts"]  # found in history: the completion's shares were empty
    assert result.detail["file_ids"] == ids
    paths = [r.path for r in fake.requests]
    assert paths[:3] == ["/api/files.getUploadURLExternal", f"/upload/v1/{ids[0]}", "/api/files.getUploadURLExternal"]
    assert paths[-2:] == ["/api/files.completeUploadExternal", "/api/conversations.history"]


async def test_a_text_only_post_still_uses_chat_post_message(fake: FakeSlackMedia, http: httpx.AsyncClient) -> None:
    await publish(fake, http, "Just text.")
    assert [r.path for r in fake.requests] == ["/api/chat.postMessage"]


async def test_a_refused_upload_url_is_permanent_with_slacks_error(
    fake: FakeSlackMedia, http: httpx.AsyncClient
) -> None:
    with pytest.raises(PermanentError, match="alt_txt_too_large"):
        await publish(fake, http, "Launch.", [CHART.with_alt("x" * 1001)])
    assert fake.posts == []


async def test_a_lost_upload_is_retryable_and_shares_nothing(fake: FakeSlackMedia, http: httpx.AsyncClient) -> None:
    fake.fail_next(kind="drop", path="/api/files.getUploadURLExternal")
    with pytest.raises(RetryableError, match="nothing was posted"):
        await publish(fake, http, "Launch.", [CHART])
    assert fake.posts == []


async def test_a_lost_completion_is_unknown_and_the_shared_message_is_found_by_reconciling(
    fake: FakeSlackMedia, http: httpx.AsyncClient
) -> None:
    from destinations.errors import UnknownOutcomeError

    dest = SlackChannel("xoxb-test", "C0ANNOUNCE", http, api_url=f"{fake.url}/api")
    post = make_post("Launch.", images=(CHART,))
    fake.fail_next(kind="drop", path="/api/files.completeUploadExternal")
    with pytest.raises(UnknownOutcomeError):
        await dest.publish(post, dest.format(post)[0], idempotency_key="k" * 32, reply_to=None)
    found = await dest.find_published(post, dest.format(post)[0])
    assert found is not None and found.external_id == fake.posts[0]["ts"]
