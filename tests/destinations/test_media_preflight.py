from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from destinations.base import Destination
from destinations.dryrun import DryRun
from destinations.media.checks import images_for, media_problems
from destinations.media.image import Image, load_image
from destinations.media.limits import BLUESKY_MEDIA, X_MEDIA, MediaLimits
from destinations.registry import KNOWN, build_destinations
from tests.destinations.fakes.images import png
from tests.destinations.fakes.posts import make_post
from tests.destinations.test_registry import FULL

RED = load_image(png(color="red"), alt="A red square")


@pytest.fixture
async def built() -> AsyncIterator[dict[str, Destination]]:
    async with httpx.AsyncClient() as http:
        yield build_destinations(list(KNOWN), FULL, http)


def images(n: int, alt: str = "A red square") -> tuple[Image, ...]:
    return tuple(RED.with_alt(alt) for _ in range(n))


def test_a_post_without_images_has_no_media_problems_anywhere(built: dict[str, Destination]) -> None:
    post = make_post("# Title\n\nText.")
    for dest in built.values():
        assert not [p for p in dest.preflight(post) if "image" in p]


def test_every_destination_that_says_media_names_its_limits(built: dict[str, Destination]) -> None:
    for name, dest in built.items():
        assert dest.capabilities.media == (dest.capabilities.media_limits is not None), name
    assert {n for n, d in built.items() if d.capabilities.media} == {
        "dryrun",
        "webhook",
        "x",
        "mastodon",
        "bluesky",
        "slack",
    }


def test_five_images_are_one_too_many_for_x_mastodon_and_bluesky(built: dict[str, Destination]) -> None:
    post = make_post("Five screenshots.", images=images(5))
    for name, label in (("x", "X"), ("mastodon", "Mastodon"), ("bluesky", "Bluesky")):
        assert f"{label} takes at most 4 images per post; this one has 5" in built[name].preflight(post)
    assert built["slack"].preflight(post) == []
    assert built["webhook"].preflight(post) == []


def test_missing_alt_text_is_named_per_image_where_alt_text_can_be_sent(built: dict[str, Destination]) -> None:
    post = make_post("Two charts.", images=(RED, RED.with_alt("  ")))
    assert built["mastodon"].preflight(post) == ["image 2 needs alt text for Mastodon"]
    assert built["slack"].preflight(post) == ["image 2 needs alt text for Slack"]
    assert built["webhook"].preflight(post) == []
    assert built["dryrun"].preflight(post) == []


def test_alt_text_longer_than_xs_1000_characters_is_refused_with_both_numbers(built: dict[str, Destination]) -> None:
    post = make_post("A chart.", images=images(1, "é" * 1001))
    assert built["x"].preflight(post) == ["image 1's alt text is 1001 characters; X takes at most 1000"]
    assert built["mastodon"].preflight(post) == []


def test_devto_says_it_cannot_carry_images_and_why(built: dict[str, Destination]) -> None:
    post = make_post("# Title\n\nBody.", images=images(2))
    assert built["devto"].preflight(post) == [
        (
            "Dev.to cannot carry this post's 2 images (Dev.to takes images only as public URLs, which Signoff "
            "does not host): remove the images or leave Dev.to out"
        )
    ]


def test_an_image_too_big_for_bluesky_is_not_a_problem_because_it_is_resized() -> None:
    big = load_image(png(1600, 1000, noise=True), alt="noise")
    assert big.size > BLUESKY_MEDIA.max_bytes  # type: ignore[operator]
    assert media_problems("Bluesky", BLUESKY_MEDIA, [big]) == []


def test_an_image_that_cannot_be_shrunk_enough_says_so() -> None:
    limits = MediaLimits(max_count=1, max_bytes=200)
    [problem] = media_problems("Tiny", limits, [load_image(png(800, 600, noise=True), alt="noise")])
    assert problem.startswith("image 1 cannot be made to fit Tiny: the image cannot be made smaller than 200 bytes")


def test_a_type_the_platform_does_not_take_is_named() -> None:
    limits = MediaLimits(max_count=4, max_bytes=None, types=frozenset({"image/jpeg"}))
    assert media_problems("Old", limits, [RED]) == ["image 1 is image/png, which Old does not take"]


def test_images_go_with_the_first_part_of_a_thread_only() -> None:
    assert images_for(images(2), 0) == images(2)
    assert images_for(images(2), 1) == ()


@settings(max_examples=100, deadline=None)
@given(alt=st.text(max_size=1100))
def test_any_alt_text_gets_a_clear_answer_and_the_length_rule_is_exact(alt: str) -> None:
    problems = media_problems("X", X_MEDIA, [RED.with_alt(alt)])
    stripped = alt.strip()
    assert ("image 1 needs alt text for X" in problems) == (not stripped)
    assert any("alt text is" in p for p in problems) == (len(stripped) > 1000)


async def test_a_dry_run_shows_which_images_would_go_with_which_part() -> None:
    dest, post = DryRun(), make_post("Look.", images=images(2))
    result = await dest.publish(post, dest.format(post)[0], idempotency_key="k" * 32, reply_to=None)
    assert result.detail["images"] == [{"sha256": RED.sha256, "alt": "A red square", "as": "64×48 PNG, 0 KB"}] * 2
