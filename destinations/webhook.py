"""POST the approved text as signed JSON to a URL of the user's choosing."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from destinations.base import EMPTY_TEXT, Capabilities, Part, Post, PublishResult
from destinations.http_errors import map_http_errors, raise_for_status
from destinations.media.checks import images_for, media_problems
from destinations.media.limits import WEBHOOK_MEDIA
from destinations.webhook_media import images_json


class Webhook:
    name = "webhook"
    capabilities = Capabilities(max_length=None, idempotency_keys=True, media=True, media_limits=WEBHOOK_MEDIA)

    def __init__(self, url: str, secret: str, http: httpx.AsyncClient) -> None:
        self._url = url
        self._secret = secret.encode()
        self._http = http

    def format(self, post: Post) -> list[Part]:
        return [Part(index=0, text=post.text)]

    def preflight(self, post: Post) -> list[str]:
        problems = []
        if not post.text.strip():
            problems.append(EMPTY_TEXT)
        if not self._url.startswith(("http://", "https://")):
            problems.append("WEBHOOK_URL is not an http(s) URL")
        return problems + media_problems("the webhook", self.capabilities.media_limits, post.images)

    def body(self, post: Post, part: Part) -> bytes:
        payload = {
            "text": part.text,
            "sha256": hashlib.sha256(part.text.encode("utf-8")).hexdigest(),
            "draft_id": post.draft_id,
            "revision": post.revision,
            "destination": self.name,
            "approved_by": post.approved_by,
        }
        if images := images_for(post.images, part.index):  # absent for text: old bodies stay byte-identical
            payload["images"] = images_json(images)
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def signature(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        body = self.body(post, part)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            "X-Signoff-Signature": self.signature(body),
        }
        async with map_http_errors("webhook"):
            response = await self._http.post(self._url, content=body, headers=headers)
        raise_for_status(response, "webhook")
        url = None
        try:
            data = response.json()
            url = data.get("url") if isinstance(data, dict) else None
        except ValueError:
            pass
        return PublishResult(
            external_id=response.headers.get("x-request-id"), url=url, detail={"status": response.status_code}
        )
