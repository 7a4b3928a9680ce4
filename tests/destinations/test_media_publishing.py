"""Uploads live inside a part's send, under the publishing rules (claim, send, reconcile)."""

from __future__ import annotations

import httpx

from destinations.bluesky import Bluesky
from destinations.devto import DevTo
from destinations.mastodon import Mastodon
from destinations.media.image import load_image
from destinations.publisher import Publisher
from tests.destinations.fakes.bluesky_media import FakeBlueskyMedia
from tests.destinations.fakes.images import png
from tests.destinations.fakes.mastodon_media import FakeMastodonMedia
from tests.destinations.fakes.posts import make_post
from tests.destinations.test_publisher import MemoryLedger

CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")


async def test_a_lost_upload_is_a_plain_retry_and_the_next_attempt_posts_once_with_the_image() -> None:
    async with FakeBlueskyMedia() as fake, httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as http:
        dest = Bluesky("signoff.test", "abcd-efgh-ijkl-mnop", http, service_url=fake.url)
        post = make_post("Launch numbers.", images=(CHART,))
        fake.fail_next(kind="drop", path="/xrpc/com.atproto.repo.uploadBlob")
        first = MemoryLedger()
        await Publisher(first).publish(dest, "bluesky", post)
        assert first.events == [("failed", 0, True)] and fake.posts == []  # retry later, nothing posted
        again = MemoryLedger()
        await Publisher(again).publish(dest, "bluesky", post)
        assert [e[0] for e in again.events] == ["published"]
        assert len(fake.posts) == 1 and len(fake.posts[0]["embed"]["images"]) == 1


async def test_a_crash_after_the_upload_but_during_the_post_is_reconciled_not_posted_twice() -> None:
    async with FakeMastodonMedia() as fake, httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=2.0)) as http:
        dest = Mastodon(fake.url, "mastodon-token", http)
        dest.media_poll_s = 0.01
        post = make_post("Launch numbers.", images=(CHART,))
        fake.fail_next(kind="drop", path="/api/v1/statuses")  # stored, then the connection dies
        ledger = MemoryLedger()
        await Publisher(ledger).publish(dest, "mastodon", post)
        assert [e[0] for e in ledger.events] == ["reconciled"]
        assert len(fake.posts) == 1 and len(fake.posts[0]["media_attachments"]) == 1


async def test_a_destination_that_cannot_carry_the_images_fails_before_any_call() -> None:
    async with httpx.AsyncClient() as http:
        ledger = MemoryLedger()
        await Publisher(ledger).publish(
            DevTo("key", http, api_url="http://127.0.0.1:9"), "devto", make_post("# Title\n\nBody.", images=(CHART,))
        )
    assert ledger.events == [("failed", 0, False)]
    assert "Dev.to cannot carry this post's 1 image" in ledger.notes[0]
