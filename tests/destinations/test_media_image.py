from __future__ import annotations

import hashlib
import io
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags
from PIL import Image as PILImage

from destinations.media.fit import fit_image
from destinations.media.image import Image, ImageRefused, load_image
from tests.destinations.fakes.images import animated_gif, encoded, jpeg_with_gps, png, png_bomb


def reopen(image: Image) -> PILImage.Image:
    return PILImage.open(io.BytesIO(image.data))


def test_gps_and_camera_exif_do_not_survive_re_encoding() -> None:
    raw = jpeg_with_gps()
    assert PILImage.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input leaks
    image = load_image(raw, alt="A green field")
    out = reopen(image)
    assert not out.getexif()
    assert b"Exif" not in image.data and b"LeakyCam" not in image.data and b"SN-12345" not in image.data
    assert (image.mime, image.width, image.height, image.alt) == ("image/jpeg", 200, 100, "A green field")
    assert image.sha256 == hashlib.sha256(image.data).hexdigest()


def test_exif_orientation_is_applied_to_the_pixels_before_it_is_dropped() -> None:
    image = load_image(jpeg_with_gps(200, 100, orientation=6))
    assert (image.width, image.height) == (100, 200)
    assert not reopen(image).getexif()


def test_png_text_chunks_are_dropped() -> None:
    image = load_image(png(text={"Comment": "taken at 52.22N 21.01E"}))
    assert b"52.22N" not in image.data
    assert image.mime == "image/png"


def test_an_animated_gif_becomes_its_first_frame_as_png() -> None:
    image = load_image(animated_gif())
    assert image.mime == "image/png"
    assert reopen(image).convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert getattr(reopen(image), "n_frames", 1) == 1


def test_webp_is_accepted_and_re_encoded() -> None:
    image = load_image(encoded("WEBP"))
    assert image.mime == "image/png" and (image.width, image.height) == (64, 48)


def test_transparency_is_kept_in_png() -> None:
    image = load_image(png(mode="RGBA", color="#ff000080"))
    assert reopen(image).mode == "RGBA"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_formats_pillow_knows_but_we_do_not_run_are_refused(fmt: str) -> None:
    with pytest.raises(ImageRefused, match="not a PNG, JPEG, GIF or WebP"):
        load_image(encoded(fmt, 32, 32))


def test_svg_is_refused_with_a_way_out() -> None:
    with pytest.raises(ImageRefused, match="SVG"):
        load_image(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', declared_mime="image/svg+xml"
        )


def test_the_declared_type_is_not_trusted_the_bytes_decide() -> None:
    image = load_image(encoded("JPEG"), declared_mime="image/png")
    assert image.mime == "image/jpeg"
    with pytest.raises(ImageRefused, match="not a PNG"):
        load_image(b"<html><body>not an image</body></html>", declared_mime="image/png")


def test_a_damaged_file_names_its_declared_and_real_type() -> None:
    raw = encoded("JPEG", 400, 300)
    with pytest.raises(ImageRefused, match="says image/png but is image/jpeg; the image is damaged"):
        load_image(raw[: len(raw) // 2], declared_mime="image/png")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_file_cut_in_half_is_refused(fmt: str) -> None:
    raw = png(300, 200, noise=True) if fmt == "PNG" else encoded(fmt, 300, 200)
    with pytest.raises(ImageRefused):
        load_image(raw[: len(raw) // 2])


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), fmt=st.sampled_from(["PNG", "JPEG", "GIF", "WEBP"]))
def test_a_truncated_file_is_an_image_or_a_refusal_never_a_crash(cut: int, fmt: str) -> None:
    raw = encoded(fmt, 120, 80)
    try:
        image = load_image(raw[: cut % (len(raw) + 1)])
    except ImageRefused:
        return
    assert (image.width, image.height) == (120, 80)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_are_refused_cleanly(raw: bytes) -> None:
    try:
        load_image(raw)
    except ImageRefused as exc:
        assert str(exc)


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (20_000, 20_000), (8_000, 7_000)])
def test_a_png_bomb_is_refused_from_its_header_without_decoding(width: int, height: int) -> None:
    raw = png_bomb(width, height)
    assert len(raw) < 100
    tracemalloc.start()
    try:
        with pytest.raises(ImageRefused, match="pixels"):
            load_image(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # 8000×7000 RGB alone would be 168 MB


def test_an_image_whose_digest_does_not_match_its_bytes_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="sha256"):
        Image(data=b"abc", mime="image/png", width=1, height=1, sha256="0" * 64)


def test_fit_leaves_an_image_that_fits_alone() -> None:
    image = load_image(png(), alt="red")
    assert fit_image(image, max_bytes=1_000_000, max_pixels=1_000_000) is image


def test_fit_brings_a_noisy_screenshot_under_blueskys_blob_limit_keeping_shape_and_alt() -> None:
    image = load_image(png(1600, 1000, noise=True), alt="noise")
    assert image.size > 1_000_000
    fitted = fit_image(image, max_bytes=1_000_000)
    assert fitted.size <= 1_000_000 and fitted.alt == "noise"
    assert abs(fitted.width / fitted.height - 1.6) < 0.01
    assert fitted.sha256 == hashlib.sha256(fitted.data).hexdigest()


def test_fit_respects_a_pixel_limit_and_decodes_big_jpegs_in_draft_mode() -> None:
    image = load_image(encoded("JPEG", 4000, 3000))
    fitted = fit_image(image, max_pixels=1_000_000)
    assert fitted.pixels <= 1_000_000 and fitted.width >= 1100
