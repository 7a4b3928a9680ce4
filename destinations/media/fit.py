"""Shrink a cleaned image until it fits a destination's byte and pixel limits.

Screenshots are mostly flat colour, so PNG first (sharp text); then JPEG at falling quality; then
smaller sizes. A JPEG source is decoded in Pillow's draft mode at the nearest power-of-two scale
above the target, which is where most of the time and memory of a big photo goes.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator

from PIL import Image as PILImage

from destinations.media.image import Image, ImageRefused, decode, encode, open_untrusted

MIN_SIDE = 320
QUALITIES = (85, 75, 65)
_CACHE: OrderedDict[tuple[str, int | None, int | None], Image] = OrderedDict()
_CACHE_SIZE = 32


def fits(image: Image, max_bytes: int | None, max_pixels: int | None) -> bool:
    return (max_bytes is None or image.size <= max_bytes) and (max_pixels is None or image.pixels <= max_pixels)


def fit_image(image: Image, *, max_bytes: int | None = None, max_pixels: int | None = None) -> Image:
    """The same image within the limits (itself when it already fits), keeping its alt text.

    Preflight and publish ask for the same fit, so recent results are kept by content and limits.
    """
    if fits(image, max_bytes, max_pixels):
        return image
    key = (image.sha256, max_bytes, max_pixels)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key].with_alt(image.alt)
    fitted = _shrink(image, max_bytes, max_pixels)
    _CACHE[key] = fitted
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return fitted


def _shrink(image: Image, max_bytes: int | None, max_pixels: int | None) -> Image:
    scale = 1.0 if max_pixels is None else min(1.0, math.sqrt(max_pixels / image.pixels))
    if image.mime == "image/jpeg" and max_bytes is not None and image.size > max_bytes:
        # A photo's bytes grow about with its pixels. Where the size that fits is under half, start
        # there: draft mode then decodes at 1/2 or 1/4 scale (a quarter or a sixteenth of the memory).
        # Above half, a lower quality at full size usually fits and a resize would cost more memory.
        estimate = math.sqrt(max_bytes / image.size)
        scale = min(scale, estimate) if estimate < 0.5 else scale
    pixels = _decode_at(image, scale)
    while True:
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        frame = pixels if pixels.size == size else pixels.resize(size, PILImage.Resampling.LANCZOS)
        for candidate in _encodings(frame, image):
            if fits(candidate, max_bytes, max_pixels):
                return candidate
        if min(size) <= MIN_SIDE:
            raise ImageRefused(
                f"the image cannot be made smaller than {max_bytes} bytes without "
                f"becoming unreadable (it would be under {MIN_SIDE} pixels wide)"
            )
        scale *= 0.75


def _encodings(frame: PILImage.Image, image: Image) -> Iterator[Image]:
    # A generator: the first encoding that fits wins and the later ones are never computed.
    if image.mime == "image/png":
        yield encode(frame, "PNG", alt=image.alt)
    for quality in QUALITIES:
        yield encode(frame, "JPEG", alt=image.alt, quality=quality)


def _decode_at(image: Image, scale: float) -> PILImage.Image:
    img = open_untrusted(image.data)
    if img.format == "JPEG" and scale < 0.5:
        target = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        img.draft("RGB", target)  # decodes at 1/2, 1/4 or 1/8 scale, never below target
    # Not closed here: the decoded frame may be `img` itself (closing would free its pixels).
    return decode(img)


def describe(image: Image) -> str:
    """'1600×900 PNG, 412 KB' for notes and dry runs."""
    kind = image.mime.split("/")[-1].upper()
    return f"{image.width}×{image.height} {kind}, {image.size / 1000:.0f} KB"
