"""Mastodon media: POST /api/v2/media (multipart `file` + `description`), then wait for processing.

v2 answers 200 with a `url` when the file was processed at once, or 202 with `url: null`; then
GET /api/v1/media/:id answers 206 until processing is done and 200 with the url. A status may only
name media that finished processing ("Cannot attach files that have not finished processing").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from destinations.errors import PermanentError, RetryableError
from destinations.http_errors import json_body, map_http_errors
from destinations.media.fit import fit_image
from destinations.media.image import Image
from destinations.media.limits import MediaLimits
from destinations.upload_errors import filename, uploading

ResponseCheck = Callable[[httpx.Response], None]


async def upload_images(
    http: httpx.AsyncClient,
    base: str,
    auth: dict[str, str],
    images: tuple[Image, ...],
    *,
    limits: MediaLimits,
    check: ResponseCheck,
    poll_s: float = 1.0,
    wait_s: float = 60.0,
) -> list[str]:
    """The media ids, in the images' order, each ready to attach."""
    ids = []
    for number, image in enumerate(images, start=1):
        fitted = fit_image(image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
        async with uploading("Mastodon", number):
            ids.append(await _upload(http, base, auth, number, fitted, check, poll_s, wait_s))
    return ids


async def _upload(
    http: httpx.AsyncClient,
    base: str,
    auth: dict[str, str],
    number: int,
    image: Image,
    check: ResponseCheck,
    poll_s: float,
    wait_s: float,
) -> str:
    async with map_http_errors("Mastodon"):
        response = await http.post(
            f"{base}/api/v2/media",
            headers=auth,
            data={"description": image.alt},
            files={"file": (filename(number, image.mime), image.data, image.mime)},
        )
    if response.status_code == 422:
        raise PermanentError(f"Mastodon refused image {number}: {response.text[:200]}")
    check(response)
    media = json_body(response, "Mastodon")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not media.get("url"):
        if loop.time() > deadline:
            raise RetryableError(
                f"Mastodon was still processing image {number} after {wait_s:.0f} s", retry_after_s=60.0
            )
        await asyncio.sleep(poll_s)
        async with map_http_errors("Mastodon"):
            response = await http.get(f"{base}/api/v1/media/{media['id']}", headers=auth)
        check(response)
        if response.status_code == 200:
            media = json_body(response, "Mastodon")
    return str(media["id"])
