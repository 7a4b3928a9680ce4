"""FakeX with media: POST /2/media/upload (JSON, base64) and POST /2/media/metadata (alt text), and
posts that name `media.media_ids`. Shapes follow the X API v2 reference: the upload answers
{"data": {"id", "media_key", "size", "expires_after_secs", "image": {"image_type", "w", "h"}}};
an image over 5 MB, a wrong media_type, or an unknown media id in a post is a 400 problem.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
from typing import Any

from aiohttp import web
from PIL import Image as PILImage

from tests.destinations.fakes.x import FakeX, problem

MAX_IMAGE_BYTES = 5 * 1024 * 1024
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class FakeXMedia(FakeX):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.media: dict[str, dict[str, Any]] = {}  # id -> {"data", "type", "alt"}
        self.tweet_media: dict[str, list[str]] = {}
        self._media_ids = itertools.count(1880000000000000001)

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/2/media/upload", self.upload)
        app.router.add_post("/2/media/metadata", self.metadata)

    async def upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "Unauthorized")
        body = await request.json()
        if body.get("media_category") != "tweet_image":
            return problem(400, "Invalid Request", "media_category must be tweet_image for images")
        try:
            data = base64.b64decode(body.get("media", ""), validate=True)
            with PILImage.open(io.BytesIO(data)) as img:
                actual, (width, height) = _FORMATS.get(img.format or ""), img.size
        except (binascii.Error, OSError):
            return problem(400, "Invalid Request", "media is not a valid image")
        if len(data) > MAX_IMAGE_BYTES:
            return problem(400, "Invalid Request", "File size exceeds 5242880 bytes")
        if actual != body.get("media_type"):
            return problem(400, "Invalid Request", f"media_type {body.get('media_type')} does not match {actual}")
        media_id = str(next(self._media_ids))
        self.media[media_id] = {"data": data, "type": actual, "alt": None}
        return web.json_response(
            {
                "data": {
                    "id": media_id,
                    "media_key": f"3_{media_id}",
                    "size": len(data),
                    "expires_after_secs": 86400,
                    "image": {"image_type": actual, "w": width, "h": height},
                }
            }
        )

    async def metadata(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "Unauthorized")
        body = await request.json()
        media = self.media.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media is None:
            return problem(400, "Invalid Request", "media id not found")
        if not isinstance(alt, str) or len(alt) > 1000:
            return problem(400, "Invalid Request", "alt_text.text must be at most 1000 characters")
        media["alt"] = alt
        return web.json_response({"data": {"id": str(body["id"]), "associated_metadata": {"alt_text": {"text": alt}}}})

    async def create_tweet(self, request: web.Request) -> web.Response:
        body = await request.json()
        ids = [str(i) for i in (body.get("media") or {}).get("media_ids") or []]
        if len(ids) > 4 or any(i not in self.media for i in ids):
            return problem(400, "Invalid Request", "Your media IDs are invalid.")
        response = await super().create_tweet(request)
        if response.status == 201:
            self.tweet_media[self.posts[-1].id] = ids
        return response
