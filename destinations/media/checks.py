"""Preflight for images: exactly what a destination would refuse, one line per problem."""

from __future__ import annotations

from collections.abc import Sequence

from destinations.media.fit import fit_image
from destinations.media.image import Image, ImageRefused
from destinations.media.limits import MediaLimits


def images_for(images: tuple[Image, ...], part_index: int) -> tuple[Image, ...]:
    """A post's images go with its first part; the rest of a thread is text."""
    return images if part_index == 0 else ()


def media_problems(
    platform: str, limits: MediaLimits | None, images: Sequence[Image], *, no_media: str | None = None
) -> list[str]:
    if not images:
        return []
    if limits is None:
        why = f" ({no_media})" if no_media else ""
        return [
            (
                f"{platform} cannot carry this post's {_count(len(images))}{why}: "
                f"remove the images or leave {platform} out"
            )
        ]
    problems = []
    if limits.max_count is not None and len(images) > limits.max_count:
        problems.append(f"{platform} takes at most {_count(limits.max_count)} per post; this one has {len(images)}")
    for number, image in enumerate(images, start=1):
        problems += _image_problems(platform, limits, number, image)
    return problems


def _image_problems(platform: str, limits: MediaLimits, number: int, image: Image) -> list[str]:
    problems = []
    if image.mime not in limits.types:
        problems.append(f"image {number} is {image.mime}, which {platform} does not take")
    alt = image.alt.strip()
    if limits.alt_required and not alt:
        problems.append(f"image {number} needs alt text for {platform}")
    if limits.max_alt is not None and len(alt) > limits.max_alt:
        problems.append(
            f"image {number}'s alt text is {len(alt)} characters; {platform} takes at most {limits.max_alt}"
        )
    try:
        fit_image(image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    except ImageRefused as exc:
        problems.append(f"image {number} cannot be made to fit {platform}: {exc}")
    return problems


def _count(n: int) -> str:
    return f"{n} image{'' if n == 1 else 's'}"
