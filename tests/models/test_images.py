"""Upload validation: content sniffing, size and pixel bounds, EXIF orientation applied, metadata dropped."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from models.images import ImageRejected, clean_image, store_image


def _jpeg(w=64, h=32, exif_orientation=None, gps=False) -> bytes:
    img = Image.new("RGB", (w, h), (200, 30, 30))
    img.paste((10, 10, 240), (0, 0, w // 2, h))  # left half blue, to see the rotation
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = {1: "N", 2: (24.0, 30.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_reencodes_jpeg_applies_orientation_and_strips_metadata():
    raw = _jpeg(64, 32, exif_orientation=6, gps=True)  # 6 = rotate 90° clockwise to display
    clean = clean_image(raw)
    assert (clean.width, clean.height) == (32, 64)
    with Image.open(io.BytesIO(clean.data)) as img:
        assert img.format == "JPEG"
        assert img.size == (32, 64)
        assert not img.getexif()
        assert "icc_profile" not in img.info and "exif" not in img.info
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()


def test_png_with_alpha_becomes_jpeg():
    img = Image.new("RGBA", (20, 10), (0, 255, 0, 0))
    out = io.BytesIO()
    img.save(out, format="PNG")
    clean = clean_image(out.getvalue())
    with Image.open(io.BytesIO(clean.data)) as back:
        assert back.format == "JPEG" and back.mode == "RGB"
        assert back.getpixel((5, 5))[0] > 240  # transparent → white background


@pytest.mark.parametrize("raw, code", [
    (b"", "empty"),
    (b"<html><script>alert(1)</script></html>", "not_image"),
    (b"%PDF-1.4 not an image", "not_image"),
])
def test_rejects_non_images(raw, code):
    with pytest.raises(ImageRejected) as info:
        clean_image(raw)
    assert info.value.code == code
    assert info.value.message  # says what to do, in Chinese


def test_rejects_gif_by_content_even_if_named_jpg():
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, format="GIF")
    with pytest.raises(ImageRejected) as info:
        clean_image(out.getvalue())
    assert info.value.code == "format"


def test_rejects_too_large_and_too_many_pixels():
    raw = _jpeg(100, 100)
    with pytest.raises(ImageRejected) as info:
        clean_image(raw, max_bytes=len(raw) - 1)
    assert info.value.code == "too_large"
    with pytest.raises(ImageRejected) as info:
        clean_image(raw, max_pixels=99 * 100)
    assert info.value.code == "too_many_pixels"


def test_rejects_truncated_jpeg():
    raw = _jpeg(200, 200)
    with pytest.raises(ImageRejected) as info:
        clean_image(raw[: len(raw) // 2])
    assert info.value.code == "corrupt"


def test_store_is_content_addressed_and_idempotent(tmp_path):
    clean = clean_image(_jpeg())
    p1 = store_image(clean, tmp_path)
    p2 = store_image(clean, tmp_path)
    assert p1 == p2 and p1.name == f"{clean.sha256}.jpg"
    assert p1.read_bytes() == clean.data
    assert not list(tmp_path.rglob("*.part"))
