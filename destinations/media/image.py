"""The one way an image enters Signoff: decoded by Pillow from a short list of formats and re-encoded.

Nothing of the original file survives but its pixels: re-encoding drops EXIF (GPS coordinates, camera
serials), XMP, ICC profiles and PNG text chunks. The declared type of a file is never trusted; the
bytes decide, and only PNG, JPEG, GIF (first frame) and WebP decoders are ever run. The size in the
header is checked before any pixel is decoded, so a small file that claims to be huge is refused
without allocating it.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

# The decoders we run on untrusted bytes; everything else Pillow knows stays switched off.
DECODERS = ("PNG", "JPEG", "GIF", "WEBP")
MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# 8K (7680×4320) is ~33 MP; anything much larger than a big screenshot is refused unread.
MAX_SOURCE_PIXELS = 50_000_000
MAX_SOURCE_BYTES = 50 * 1024 * 1024
JPEG_QUALITY = 88
ORIENTATION = 0x0112


class ImageRefused(ValueError):
    """The bytes are not an image we accept; the message says why, for a person to read."""


@dataclass(frozen=True, eq=False)
class Image:
    """A cleaned image: `data` is our own re-encoding, `sha256` its digest (checked on creation)."""

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    sha256: str
    alt: str = ""

    def __post_init__(self) -> None:
        if hashlib.sha256(self.data).hexdigest() != self.sha256:
            raise ValueError("an Image's sha256 must be the digest of its data")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Image) and (self.sha256, self.alt) == (other.sha256, other.alt)

    def __hash__(self) -> int:
        return hash((self.sha256, self.alt))

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def with_alt(self, alt: str) -> Image:
        return Image(self.data, self.mime, self.width, self.height, self.sha256, alt)


def open_untrusted(raw: bytes, *, max_pixels: int = MAX_SOURCE_PIXELS) -> PILImage.Image:
    """Read the header only and refuse what we would not decode; the caller decodes (and may draft)."""
    if len(raw) > MAX_SOURCE_BYTES:
        raise ImageRefused(
            f"the file is {len(raw) / 1e6:.1f} MB; images up to {MAX_SOURCE_BYTES // (1024 * 1024)} MB are accepted"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            img = PILImage.open(io.BytesIO(raw), formats=DECODERS)
    except (UnidentifiedImageError, PILImage.DecompressionBombWarning, PILImage.DecompressionBombError) as exc:
        raise ImageRefused(_why(raw, exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused(f"the image could not be read ({exc.__class__.__name__})") from exc
    width, height = img.size
    if width < 1 or height < 1 or width * height > max_pixels:
        img.close()
        raise ImageRefused(
            f"the image claims {width}×{height} pixels; at most {max_pixels / 1e6:.0f} megapixels are accepted"
        )
    return img


def decode(img: PILImage.Image) -> PILImage.Image:
    """Decode the first frame into RGB or RGBA, upright (EXIF orientation applied, then dropped).

    Copies are made only when needed: each one is a full frame (an 8 MB photo is ~80 MB of pixels).
    """
    try:
        img.seek(0)
        img.load()
        upright = img
        if img.getexif().get(ORIENTATION, 1) != 1:
            upright = ImageOps.exif_transpose(img)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        mode = "RGBA" if has_alpha else "RGB"
        return upright if upright.mode == mode else upright.convert(mode)
    except (OSError, SyntaxError, ValueError, EOFError, PILImage.DecompressionBombError) as exc:
        # A truncated file ends here: Pillow refuses to fill the missing rows (LOAD_TRUNCATED_IMAGES off).
        raise ImageRefused(f"the image is damaged or cut short ({exc})") from exc


def encode(pixels: PILImage.Image, fmt: str, *, alt: str, quality: int = JPEG_QUALITY) -> Image:
    """Write fresh bytes with no metadata at all: no exif=, icc_profile= or pnginfo= is passed."""
    out = io.BytesIO()
    if fmt == "JPEG":
        flat = pixels
        if pixels.mode == "RGBA":  # JPEG has no alpha: flatten onto white, as viewers show it
            flat = PILImage.new("RGB", pixels.size, "white")
            flat.paste(pixels, mask=pixels.getchannel("A"))
        # No optimize=True: its second Huffman pass tripled the encode time of an 8 MB photo for 3 % less.
        flat.save(out, "JPEG", quality=quality)
    else:
        pixels.save(out, "PNG", optimize=False)
    data = out.getvalue()
    return Image(
        data=data,
        mime=MIME[fmt],
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(data).hexdigest(),
        alt=alt,
    )


def load_image(raw: bytes, *, alt: str = "", declared_mime: str | None = None) -> Image:
    """Clean untrusted bytes into an `Image`: photos stay JPEG, everything else becomes PNG.

    `declared_mime` (what Slack or a server said the file is) is only used to word a refusal.
    """
    img = open_untrusted(raw)
    source = img.format or ""
    try:
        try:
            pixels = decode(img)
        except ImageRefused as exc:
            raise ImageRefused(_declared(declared_mime, source) + str(exc)) from exc
        # Encoded before closing: `pixels` may be `img` itself, and closing frees its pixels.
        return encode(pixels, "JPEG" if source == "JPEG" else "PNG", alt=alt)
    finally:
        img.close()


def _why(raw: bytes, exc: Exception) -> str:
    if isinstance(exc, (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError)):
        return "the image claims more pixels than any screenshot has; refused without reading it"
    if raw[:5] in (b"<?xml", b"<svg ") or b"<svg" in raw[:256]:
        return "SVG images are not accepted; export it as PNG"
    return "the file is not a PNG, JPEG, GIF or WebP image"


def _declared(declared: str | None, source: str) -> str:
    actual = MIME.get(source)
    if declared and actual and declared.lower() != actual:
        return f"the file says {declared} but is {actual}; "
    return ""
