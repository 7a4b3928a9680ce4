"""Images in the webhook's JSON: inline, base64, beside their digest, so the body is self-contained.

Signoff hosts no public URLs for images, so a URL would point at nothing the receiver can fetch;
inline bytes keep the signed body the whole truth (the signature covers every image). Each entry:

    {"sha256": hex of the bytes, "bytes": their count, "mime": "image/png" | "image/jpeg",
     "width": px, "height": px, "alt": text, "data_base64": standard base64 of the bytes}

A receiver checks the signature, decodes `data_base64`, and may compare its SHA-256 with `sha256`.
Images are fitted to the webhook's limits (destinations/media/limits.py) first.
"""

from __future__ import annotations

import base64
from typing import Any

from destinations.media.fit import fit_image
from destinations.media.image import Image
from destinations.media.limits import WEBHOOK_MEDIA


def images_json(images: tuple[Image, ...]) -> list[dict[str, Any]]:
    entries = []
    for image in images:
        fitted = fit_image(image, max_bytes=WEBHOOK_MEDIA.max_bytes, max_pixels=WEBHOOK_MEDIA.max_pixels)
        entries.append(
            {
                "sha256": fitted.sha256,
                "bytes": fitted.size,
                "mime": fitted.mime,
                "width": fitted.width,
                "height": fitted.height,
                "alt": fitted.alt,
                "data_base64": base64.b64encode(fitted.data).decode("ascii"),
            }
        )
    return entries
