"""Slack images through the external upload flow: files.getUploadURLExternal (filename, length,
alt_txt) → the bytes POSTed to the returned upload_url → files.completeUploadExternal, which shares
them in the channel as one message whose text is the post.

Slack fills in a file's `shares` (and so the message ts) asynchronously; when the completion does
not carry it yet, the channel's latest messages are read for the one holding our first file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from destinations.http_errors import map_http_errors, raise_for_status
from destinations.media.fit import fit_image
from destinations.media.image import Image
from destinations.media.limits import SLACK_MEDIA
from destinations.upload_errors import filename, uploading

Call = Callable[..., Awaitable[dict[str, Any]]]


async def upload_files(call: Call, http: httpx.AsyncClient, images: tuple[Image, ...]) -> list[dict[str, str]]:
    """`call(method, payload, sending=, form=)` is the destination's Web API call; returns `files`."""
    files = []
    for number, image in enumerate(images, start=1):
        fitted = fit_image(image, max_bytes=SLACK_MEDIA.max_bytes, max_pixels=SLACK_MEDIA.max_pixels)
        name = filename(number, fitted.mime)
        args = {"filename": name, "length": str(fitted.size)}
        if image.alt.strip():
            args["alt_txt"] = image.alt
        async with uploading("Slack", number):
            ticket = await call("files.getUploadURLExternal", args, sending=False, form=True)
            async with map_http_errors("Slack"):
                response = await http.post(
                    str(ticket["upload_url"]), content=fitted.data, headers={"Content-Type": fitted.mime}
                )
            raise_for_status(response, "Slack")
        files.append({"id": str(ticket["file_id"]), "title": name})
    return files


def shared_ts(completed: dict[str, Any], channel: str) -> str | None:
    for file in completed.get("files", [])[:1]:
        for scope in ("public", "private"):
            shares = (file.get("shares") or {}).get(scope, {}).get(channel) or []
            if shares and shares[0].get("ts"):
                return str(shares[0]["ts"])
    return None


async def find_share_ts(call: Call, channel: str, file_id: str) -> str | None:
    data = await call("conversations.history", {"channel": channel, "limit": 15}, sending=False)
    for message in data.get("messages", []):
        if any(f.get("id") == file_id for f in message.get("files", [])):
            return str(message["ts"])
    return None
