"""Bluesky images: com.atproto.repo.uploadBlob (the raw bytes, their type as Content-Type), then an
app.bsky.embed.images embed naming each blob with its alt text and aspect ratio.

The record lexicon caps a post at 4 images and each blob at 1,000,000 bytes; images are fitted to
that before upload. A blob no record uses is garbage-collected by the PDS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from destinations.media.fit import fit_image
from destinations.media.image import Image
from destinations.media.limits import BLUESKY_MEDIA
from destinations.upload_errors import uploading

EMBED = "app.bsky.embed.images"
Call = Callable[..., Awaitable[dict[str, Any]]]


async def images_embed(call: Call, images: tuple[Image, ...]) -> dict[str, Any]:
    """`call(method, nsid, **httpx_kwargs)` is the destination's authenticated XRPC call."""
    entries = []
    for number, image in enumerate(images, start=1):
        fitted = fit_image(image, max_bytes=BLUESKY_MEDIA.max_bytes, max_pixels=BLUESKY_MEDIA.max_pixels)
        async with uploading("Bluesky", number):
            uploaded = await call(
                "POST", "com.atproto.repo.uploadBlob", content=fitted.data, headers={"Content-Type": fitted.mime}
            )
        entries.append(
            {
                "alt": image.alt,
                "image": uploaded["blob"],
                "aspectRatio": {"width": fitted.width, "height": fitted.height},
            }
        )
    return {"$type": EMBED, "images": entries}
