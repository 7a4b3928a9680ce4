"""Mastodon: POST /api/v1/statuses with an Idempotency-Key, threads via in_reply_to_id.

Mastodon remembers an Idempotency-Key for about an hour and answers a repeat with the status it
already created, so resending after an unknown outcome is safe within that window.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from destinations.base import EMPTY_TEXT, Capabilities, LengthUnit, Part, Post, PublishResult
from destinations.http_errors import json_body, map_http_errors, raise_for_status
from destinations.lengths import measure_for
from destinations.mastodon_media import upload_images
from destinations.media.checks import images_for, media_problems
from destinations.media.limits import MASTODON_MEDIA
from destinations.retry_after import DEFAULT_RETRY_AFTER_S, seconds_until_iso
from destinations.splitting import thread_parts

VISIBILITIES = ("public", "unlisted", "private", "direct")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


class Mastodon:
    name = "mastodon"
    handoff = False
    media_poll_s = 1.0  # how often to ask whether an uploaded image is processed

    def __init__(
        self, base_url: str, token: str, http: httpx.AsyncClient, *, visibility: str = "public", max_chars: int = 500
    ) -> None:
        if visibility not in VISIBILITIES:
            raise ValueError(f"MASTODON_VISIBILITY must be one of {', '.join(VISIBILITIES)}")
        self._base = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"}
        self._http = http
        self._visibility = visibility
        self.capabilities = Capabilities(
            max_length=max_chars,
            length_unit=LengthUnit.mastodon,
            threads=True,
            idempotency_keys=True,
            # 300 API calls per 5 minutes per account.
            rate_limit_per_min=60,
            safe_to_retry_unknown=True,
            media=True,
            media_limits=MASTODON_MEDIA,
        )

    def format(self, post: Post) -> list[Part]:
        return thread_parts(post.text, self.capabilities.max_length or 500, measure_for(self.capabilities.length_unit))

    def preflight(self, post: Post) -> list[str]:
        problems = [] if post.text.strip() else [EMPTY_TEXT]
        return problems + media_problems("Mastodon", self.capabilities.media_limits, post.images)

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        payload: dict[str, Any] = {"status": part.text, "visibility": self._visibility}
        if reply_to:
            payload["in_reply_to_id"] = reply_to
        if images := images_for(post.images, part.index):
            # Uploaded anew on every attempt: unused media is discarded by Mastodon, and the
            # Idempotency-Key still returns the status an earlier attempt created.
            payload["media_ids"] = await upload_images(
                self._http,
                self._base,
                self._auth,
                images,
                limits=MASTODON_MEDIA,
                check=_raise_for_status,
                poll_s=self.media_poll_s,
            )
        async with map_http_errors("Mastodon"):
            response = await self._http.post(
                f"{self._base}/api/v1/statuses",
                json=payload,
                headers={**self._auth, "Idempotency-Key": idempotency_key},
            )
        _raise_for_status(response)
        status = json_body(response, "Mastodon")
        return PublishResult(
            external_id=str(status["id"]),
            url=status.get("url") or status.get("uri"),
            detail={
                "visibility": status.get("visibility"),
                **({"media_ids": payload["media_ids"]} if "media_ids" in payload else {}),
            },
        )

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        """The account's recent status with this part's text, if any."""
        async with map_http_errors("Mastodon"):
            me = await self._http.get(f"{self._base}/api/v1/accounts/verify_credentials", headers=self._auth)
            _raise_for_status(me)
            recent = await self._http.get(
                f"{self._base}/api/v1/accounts/{me.json()['id']}/statuses",
                params={"limit": 40, "exclude_reblogs": "true"},
                headers=self._auth,
            )
            _raise_for_status(recent)
        wanted = " ".join(part.text.split())
        for status in recent.json():
            if plain_text(status.get("content", "")) == wanted:
                return PublishResult(external_id=str(status["id"]), url=status.get("url"), detail={"reconciled": True})
        return None


def plain_text(content: str) -> str:
    """Mastodon's status HTML back to whitespace-normalised text (link spans keep the full URL)."""
    text = _TAG.sub("", _BREAK.sub(" ", content))
    return " ".join(html.unescape(text).split())


def _raise_for_status(response: httpx.Response) -> None:
    wait_s = None
    if response.status_code == 429 and "retry-after" not in response.headers:
        # Mastodon's own hint is X-RateLimit-Reset, an ISO 8601 time.
        wait_s = seconds_until_iso(response.headers.get("x-ratelimit-reset"))
    raise_for_status(response, "Mastodon", retry_after_s=wait_s, default_wait_s=DEFAULT_RETRY_AFTER_S)
