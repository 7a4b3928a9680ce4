"""FakeBluesky with blobs: com.atproto.repo.uploadBlob and app.bsky.embed.images validation.

uploadBlob takes the raw body, answers {"blob": {"$type": "blob", "ref": {"$link": <CIDv1 raw
sha-256, base32>}, "mimeType", "size"}}; createRecord checks an images embed as the lexicon says:
at most 4 images, each with `alt` (required, may be empty) and a blob this repo holds, of an image
type and at most 1,000,000 bytes (BlobTooLarge otherwise).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from aiohttp import web

from tests.destinations.fakes.bluesky import FakeBluesky

MAX_BLOB = 1_000_000


def raw_cid(data: bytes) -> str:
    digest = b"\x01\x55\x12\x20" + hashlib.sha256(data).digest()  # CIDv1, raw codec, sha2-256
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")


class FakeBlueskyMedia(FakeBluesky):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.blobs: dict[str, tuple[str, bytes]] = {}

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/xrpc/com.atproto.repo.uploadBlob", self.upload_blob)

    async def upload_blob(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        data = await request.read()
        mime = request.headers.get("Content-Type", "application/octet-stream")
        cid = raw_cid(data)
        self.blobs[cid] = (mime, data)
        return web.json_response(
            {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}}
        )

    def _invalid(self, record: dict[str, Any]) -> str | None:
        if problem := super()._invalid(record):
            return problem
        embed = record.get("embed")
        if embed is None:
            return None
        if embed.get("$type") != "app.bsky.embed.images":
            return "unsupported embed"
        images = embed.get("images", [])
        if len(images) > 4:
            return "Record/embed/images must not have more than 4 elements"
        for image in images:
            if not isinstance(image.get("alt"), str):
                return 'Record/embed/images/0 must have the property "alt"'
            blob = image.get("image", {})
            held = self.blobs.get(blob.get("ref", {}).get("$link", ""))
            if held is None or blob.get("$type") != "blob":
                return "Could not find blob"
            if len(held[1]) > MAX_BLOB or blob.get("size") != len(held[1]):
                return "BlobTooLarge: This file is too large. It is 1.2MB but the maximum size is 976.56KB."
            if not held[0].startswith("image/"):
                return "Wrong type of file. It is application/octet-stream but it must match image/*."
            ratio = image.get("aspectRatio")
            if ratio is not None and not (ratio.get("width", 0) >= 1 and ratio.get("height", 0) >= 1):
                return "aspectRatio must have positive width and height"
        return None

    def blob_of(self, image_entry: dict[str, Any]) -> bytes:
        return self.blobs[image_entry["image"]["ref"]["$link"]][1]
