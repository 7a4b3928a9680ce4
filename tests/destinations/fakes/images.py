"""Image files for tests, made with Pillow in memory (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import ExifTags
from PIL import Image as PILImage


def png(
    width: int = 64,
    height: int = 48,
    color: str = "red",
    *,
    noise: bool = False,
    mode: str = "RGB",
    text: dict[str, str] | None = None,
) -> bytes:
    img = (
        PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        if noise
        else PILImage.new(mode, (width, height), color)
    )
    out = io.BytesIO()
    info = None
    if text:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
    img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def encoded(fmt: str, width: int = 64, height: int = 48, color: str = "blue", **save: object) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps(width: int = 200, height: int = 100, *, orientation: int | None = None) -> bytes:
    """A photo whose EXIF says where it was taken (and who made the camera)."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "LeakyCam"
    exif[ExifTags.Base.BodySerialNumber] = "SN-12345"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 26.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (21.0, 0.0, 42.0)
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), "green").save(out, "JPEG", exif=exif)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [PILImage.new("RGB", (32, 32), color) for color in ("red", "blue", "yellow")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A PNG header claiming width×height RGB pixels, with one tiny IDAT: a few dozen bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )
