"""A destination that publishes nothing: it records what would have been sent."""

from __future__ import annotations

from typing import Any

from destinations.base import EMPTY_TEXT, Capabilities, Part, Post, PublishResult
from destinations.media.checks import images_for
from destinations.media.fit import describe
from destinations.media.limits import DRYRUN_MEDIA


class DryRun:
    name = "dryrun"
    capabilities = Capabilities(max_length=None, safe_to_retry_unknown=True, media=True, media_limits=DRYRUN_MEDIA)

    def __init__(self) -> None:
        self.sent: list[tuple[Post, Part]] = []

    def format(self, post: Post) -> list[Part]:
        return [Part(index=0, text=post.text)]

    def preflight(self, post: Post) -> list[str]:
        return [] if post.text.strip() else [EMPTY_TEXT]

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        self.sent.append((post, part))
        detail: dict[str, Any] = {"chars": len(part.text)}
        if images := images_for(post.images, part.index):
            detail["images"] = [{"sha256": i.sha256, "alt": i.alt, "as": describe(i)} for i in images]
        return PublishResult(external_id=f"dryrun-{idempotency_key[:12]}", detail=detail)
