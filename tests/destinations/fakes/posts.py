"""Approved posts for tests."""

from __future__ import annotations

from destinations.base import Post, sha256_hex
from destinations.media.image import Image


def make_post(
    text: str,
    *,
    draft_id: int = 1,
    revision: int = 1,
    title: str | None = None,
    tags: tuple[str, ...] = (),
    images: tuple[Image, ...] = (),
) -> Post:
    return Post(
        draft_id=draft_id,
        revision=revision,
        text=text,
        sha256=sha256_hex(text),
        approved_by="U123",
        title=title,
        tags=tags,
        images=images,
    )
