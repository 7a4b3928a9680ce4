"""What the destinations' own preflight says about a draft's images, as the attach job stores it:
alt rules, problems beyond the text's, and notes on resizing."""

from __future__ import annotations

import io
import os

import httpx
from PIL import Image as PILImage

from bot.jobs.attach_media import media_check
from destinations.media.image import load_image
from destinations.registry import BUILDERS, DestinationConfig
from storage.media_rules import AltRule

CONFIG = DestinationConfig(
    webhook_url="http://127.0.0.1:9/hook",
    webhook_secret="whsec-test-secret-1",
    devto_api_key="devto-test-key-1",
    bluesky_handle="signoff.test",
    bluesky_app_password="app-pass-word-1",
)


def noisy_photo(width: int = 1400, height: int = 1000) -> bytes:
    """Random pixels do not compress: a PNG of several MB, over Bluesky's 1,000,000 bytes."""
    out = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


async def test_each_destination_says_what_it_makes_of_the_images() -> None:
    async with httpx.AsyncClient() as http:
        destinations = {name: BUILDERS[name](CONFIG, http) for name in ("webhook", "devto", "bluesky", "dryrun")}
        image = load_image(noisy_photo()).with_alt("alt")
        check = media_check(destinations, ["webhook", "devto", "bluesky", "dryrun"], "Short text.", [image])
    assert check.rules == {"Bluesky": AltRule(alt_required=True, max_alt=2000)}
    (problem,) = check.problems
    assert problem.startswith("Dev.to cannot carry this post's 1 image") and "leave Dev.to out" in problem
    (note,) = check.notes
    assert note.startswith("Bluesky: image 1 will be resized to ") and "JPEG" in note


async def test_text_problems_are_not_counted_as_the_images() -> None:
    async with httpx.AsyncClient() as http:
        destinations = {"bluesky": BUILDERS["bluesky"](CONFIG, http)}
        small = load_image(noisy_photo(40, 30)).with_alt("alt")
        check = media_check(destinations, ["bluesky"], "x" * 400, [small])  # too long for Bluesky, but not our say
    assert check.problems == () and check.notes == ()
