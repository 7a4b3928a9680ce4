"""What each platform takes in images: the media half of the capability matrix.

Values are the platforms' documented ones (checked 2026-11); a self-hosted Mastodon may allow more,
never less than these defaults unless its admin lowered them.
"""

from __future__ import annotations

from dataclasses import dataclass

PNG_JPEG_GIF_WEBP = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class MediaLimits:
    """`None` means the platform names no limit. Alt length is in characters (code points)."""

    max_count: int | None
    max_bytes: int | None
    max_pixels: int | None = None
    types: frozenset[str] = PNG_JPEG_GIF_WEBP
    max_alt: int | None = None
    # Our rule, not the platform's: where alt text can be sent, an image goes out only with it.
    alt_required: bool = False


# X: up to 4 photos per post; images up to 5 MB through the API; alt text up to 1000 characters.
X_MEDIA = MediaLimits(max_count=4, max_bytes=5 * 1024 * 1024, max_alt=1000, alt_required=True)
# Mastodon 4 defaults (GET /api/v2/instance → configuration): statuses.max_media_attachments 4,
# media_attachments.image_size_limit 16 MiB and image_matrix_limit 33,177,600 pixels;
# a MediaAttachment description is limited to 1500 characters.
MASTODON_MEDIA = MediaLimits(
    max_count=4, max_bytes=16 * 1024 * 1024, max_pixels=33_177_600, max_alt=1500, alt_required=True
)
# Bluesky: app.bsky.embed.images has maxLength 4 images, each a blob of maxSize 1,000,000 bytes
# accepting image/*; the lexicon bounds no alt length, the app stops at 2000.
BLUESKY_MEDIA = MediaLimits(max_count=4, max_bytes=1_000_000, max_alt=2000, alt_required=True)
# Slack: files up to 1 GB; files.getUploadURLExternal refuses alt_txt over 1000 characters
# (alt_txt_too_large). The API names no file count; Slack's own client shares at most 10 at once.
SLACK_MEDIA = MediaLimits(max_count=10, max_bytes=1024 * 1024 * 1024, max_alt=1000, alt_required=True)
# Our own JSON: inline base64 (see destinations/webhook_media.py); bounded so a body stays sane.
WEBHOOK_MEDIA = MediaLimits(max_count=10, max_bytes=16 * 1024 * 1024)
DRYRUN_MEDIA = MediaLimits(max_count=None, max_bytes=None)
# Dev.to's API takes an article's images only as public URLs (main_image, Markdown links), which
# Signoff does not host: it cannot carry the approved images.
DEVTO_NO_MEDIA = "Dev.to takes images only as public URLs, which Signoff does not host"
