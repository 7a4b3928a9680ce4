"""An upload is not a post: when its outcome is unknown, trying again can only leave an unused file.

Each destination uploads inside the part's `publish`, before the post that uses the media. A crash or
timeout there means nothing was posted yet, so it is retryable (the platform discards media no post
uses); the post itself keeps its own rules about unknown outcomes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from destinations.errors import RetryableError, UnknownOutcomeError


@asynccontextmanager
async def uploading(platform: str, number: int) -> AsyncIterator[None]:
    try:
        yield
    except UnknownOutcomeError as exc:
        raise RetryableError(
            f"{platform} did not confirm the upload of image {number} ({exc.message}); nothing was posted"
        ) from exc


def filename(number: int, mime: str) -> str:
    return f"image-{number}.{'jpg' if mime == 'image/jpeg' else mime.split('/')[-1]}"
