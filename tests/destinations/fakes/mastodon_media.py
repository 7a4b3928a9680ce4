"""FakeMastodon with media: POST /api/v2/media and GET /api/v1/media/:id as Mastodon 4 answers them.

An upload is a multipart form (`file`, `description`); the answer is 202 with `url: null` and the
file stays "processing" for `polls_to_process` lookups (206 Partial Content), then 200 with its url.
A status naming unknown or unprocessed media is refused with 422, as Mastodon does.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

from aiohttp import web
from PIL import Image as PILImage

from tests.destinations.fakes.mastodon import FakeMastodon
from tests.destinations.fakes.multipart import parse_form

MAX_IMAGE_BYTES = 16 * 1024 * 1024


class FakeMastodonMedia(FakeMastodon):
    def __init__(self, *args: object, polls_to_process: int = 2, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.media: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.polls_to_process = polls_to_process
        self._polls: dict[str, int] = {}
        self._media_ids = itertools.count(112000000000000001)

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/api/v2/media", self.upload)
        app.router.add_get("/api/v1/media/{id}", self.media_status)

    async def upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        form = parse_form(request.headers.get("Content-Type", ""), await request.read())
        file = form.get("file")
        if file is None or file.filename is None:
            return web.json_response({"error": "Validation failed: File can't be blank"}, status=422)
        data = file.data
        if len(data) > MAX_IMAGE_BYTES:
            return web.json_response({"error": "Validation failed: File size must be less than 16 MB"}, status=422)
        try:
            with PILImage.open(io.BytesIO(data)) as img:
                width, height = img.size
        except OSError:
            return web.json_response(
                {"error": "Validation failed: File has contents that are not what they are reported to be"}, status=422
            )
        media_id = str(next(self._media_ids))
        self.files[media_id] = data
        self.media[media_id] = {
            "id": media_id,
            "type": "image",
            "url": None,
            "preview_url": f"{self.url}/small/{media_id}.png",
            "remote_url": None,
            "description": form["description"].text if "description" in form else None,
            "meta": {"original": {"width": width, "height": height}},
            "blurhash": "UeKUpFxuo~R%0nW;WCnhF6RjaJt7",
            "filename": file.filename,
            "content_type": file.content_type,
        }
        self._polls[media_id] = 0
        if self.polls_to_process == 0:
            self._processed(media_id)
            return web.json_response(self.media[media_id])
        return web.json_response(self.media[media_id], status=202)

    def _processed(self, media_id: str) -> None:
        self.media[media_id]["url"] = f"{self.url}/original/{media_id}.png"

    async def media_status(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        media_id = request.match_info["id"]
        if media_id not in self.media:
            return web.json_response({"error": "Record not found"}, status=404)
        self._polls[media_id] += 1
        if self.media[media_id]["url"] is None and self._polls[media_id] >= self.polls_to_process:
            self._processed(media_id)
        return web.json_response(self.media[media_id], status=200 if self.media[media_id]["url"] else 206)

    async def create_status(self, request: web.Request) -> web.Response:
        body = await request.json() if request.content_type == "application/json" else {}
        ids = [str(i) for i in body.get("media_ids") or []]
        if len(ids) > 4:
            return web.json_response({"error": "Validation failed: Media attachments too many"}, status=422)
        for media_id in ids:
            if media_id not in self.media:
                return web.json_response({"error": "Record not found"}, status=404)
            if self.media[media_id]["url"] is None:
                return web.json_response(
                    {"error": "Cannot attach files that have not finished processing. Try again in a moment!"},
                    status=422,
                )
        response = await super().create_status(request)
        if response.status == 200 and self.posts and "media_attachments" not in self.posts[-1]:
            self.posts[-1]["media_attachments"] = [self.media[i] for i in ids]
        return response
