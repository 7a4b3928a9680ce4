"""Fetch a file someone shared in Slack: `files.info`, then its private download URL with the bot
token — only from Slack's file host (or the Web API's own host, where a local Slack serves both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from destinations.media.image import MAX_SOURCE_BYTES

SLACK_FILE_HOST = "files.slack.com"


class FileRefused(Exception):
    """The file cannot be fetched; the message says why, for a person to read."""


@dataclass(frozen=True)
class SlackFile:
    id: str
    name: str
    mimetype: str
    data: bytes = field(repr=False)


def allowed_url(url: str, api_url: str) -> bool:
    """Our token goes only to Slack: https://files.slack.com/…, or the configured Web API's host
    (scheme, host and port) where a self-hosted or local Slack serves files too."""
    parts, api = urlsplit(url), urlsplit(api_url)
    if parts.username or parts.password:
        return False
    if parts.scheme == "https" and parts.hostname == SLACK_FILE_HOST and parts.port in (None, 443):
        return True
    return (parts.scheme, parts.netloc.lower()) == (api.scheme, api.netloc.lower()) and bool(api.netloc)


async def fetch(slack: AsyncWebClient, http: httpx.AsyncClient, file_id: str) -> SlackFile:
    info = (await slack.files_info(file=file_id))["file"]
    name = str(info.get("name") or info.get("title") or file_id)
    if int(info.get("size") or 0) > MAX_SOURCE_BYTES:
        raise FileRefused(
            f"{name} is {int(info['size']) / 1e6:.1f} MB; images up to "
            f"{MAX_SOURCE_BYTES // (1024 * 1024)} MB are accepted"
        )
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not allowed_url(url, slack.base_url):
        raise FileRefused(f"{name} is not served by Slack's file host, so it was not fetched")
    async with http.stream(
        "GET", url, headers={"Authorization": f"Bearer {slack.token}"}, follow_redirects=False
    ) as answer:
        if answer.status_code != 200:
            raise FileRefused(f"Slack answered {answer.status_code} for {name}")
        if answer.headers.get("content-type", "").startswith("text/html"):
            # Slack's answer to a download without access is its sign-in page, with 200.
            raise FileRefused(f"Slack did not hand over {name} (the app needs the files:read scope)")
        data = bytearray()
        async for chunk in answer.aiter_bytes():
            data += chunk
            if len(data) > MAX_SOURCE_BYTES:
                raise FileRefused(f"{name} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    return SlackFile(file_id, name, str(info.get("mimetype") or ""), bytes(data))
