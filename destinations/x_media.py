"""X images: POST /2/media/upload (JSON: base64 `media`, `media_category` tweet_image, `media_type`),
then POST /2/media/metadata for the alt text, then the post names them in `media.media_ids`.

Both go through tweepy's own signed request (OAuth 1.0a user context, JSON bodies are not part of
the signature), so the session, its URL rewrite and its log redaction are the ones posts use.
An uploaded id expires after a day unused; a resend uploads again.
"""

from __future__ import annotations

import base64

from tweepy.asynchronous import AsyncClient

from destinations.errors import UnknownOutcomeError
from destinations.media.fit import fit_image
from destinations.media.image import Image
from destinations.media.limits import X_MEDIA
from destinations.upload_errors import uploading
from destinations.x_errors import map_tweepy_errors


async def upload_images(client: AsyncClient, images: tuple[Image, ...]) -> list[str]:
    ids = []
    for number, image in enumerate(images, start=1):
        fitted = fit_image(image, max_bytes=X_MEDIA.max_bytes, max_pixels=X_MEDIA.max_pixels)
        async with uploading("X", number), map_tweepy_errors(sending=True):
            response = await client.request(
                "POST",
                "/2/media/upload",
                params={},
                user_auth=True,
                json={
                    "media": base64.b64encode(fitted.data).decode("ascii"),
                    "media_category": "tweet_image",
                    "media_type": fitted.mime,
                },
            )
            body = await response.json()
            media_id = (body.get("data") or {}).get("id") if isinstance(body, dict) else None
            if not media_id:
                raise UnknownOutcomeError(f"X accepted image {number} but named no media id")
            if image.alt.strip():
                await client.request(
                    "POST",
                    "/2/media/metadata",
                    params={},
                    user_auth=True,
                    json={"id": str(media_id), "metadata": {"alt_text": {"text": image.alt}}},
                )
        ids.append(str(media_id))
    return ids
