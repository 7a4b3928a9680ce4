from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from destinations.media.image import load_image
from destinations.webhook import Webhook
from tests.destinations.fakes.images import encoded, png
from tests.destinations.fakes.posts import make_post
from tests.destinations.fakes.webhook import FakeWebhook

CHART = load_image(png(640, 360, color="navy"), alt="A bar chart of weekly sign-ups")
PHOTO = load_image(encoded("JPEG", 800, 600), alt="")


@pytest.fixture
async def fake() -> AsyncIterator[FakeWebhook]:
    async with FakeWebhook("shh") as server:
        yield server


async def test_images_travel_inline_base64_with_their_digest_under_the_signature(fake: FakeWebhook) -> None:
    async with httpx.AsyncClient() as http:
        dest = Webhook(fake.hook_url, "shh", http)
        post = make_post("Launch numbers.", images=(CHART, PHOTO))
        await dest.publish(post, dest.format(post)[0], idempotency_key="k" * 32, reply_to=None)
    [received] = fake.posts  # the fake checked the HMAC over the whole body, images included
    entries = received["images"]
    assert [e["alt"] for e in entries] == [CHART.alt, ""]
    assert [(e["mime"], e["width"], e["height"]) for e in entries] == [
        ("image/png", 640, 360),
        ("image/jpeg", 800, 600),
    ]
    for entry, image in zip(entries, (CHART, PHOTO), strict=True):
        data = base64.b64decode(entry["data_base64"], validate=True)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == image.sha256
        assert entry["bytes"] == len(data)


async def test_a_text_only_body_has_no_images_key() -> None:
    async with httpx.AsyncClient() as http:
        dest = Webhook("http://hook.test", "shh", http)
        post = make_post("Just text.")
        assert b'"images"' not in dest.body(post, dest.format(post)[0])
