"""Lossless metadata stripping: same pixels, no EXIF/GPS/ICC/comments/trailers; odd files fall back to re-encoding."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from models.images import ImageRejected, clean_image
from models.jpeg_strip import strip_jpeg


def _noise(w=96, h=64, seed=0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))


def _encode(img: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, **kw)
    return out.getvalue()


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def _with_metadata(**kw) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (24.0, 30.0, 0.0), 3: "E", 4: (117.0, 39.0, 0.0)}
    return _encode(_noise(), exif=exif.tobytes(), icc_profile=b"\0" * 200, comment=b"secret note", **kw)


@pytest.mark.parametrize("kw", [{}, {"progressive": True}, {"restart_marker_blocks": 1}, {"subsampling": 0}],
                         ids=["baseline", "progressive", "restart-markers", "4:4:4"])
def test_strip_keeps_pixels_and_drops_every_metadata_block(kw):
    raw = _with_metadata(**kw) + b"<html><script>alert(1)</script></html>"  # a polyglot trailer
    stripped = strip_jpeg(raw)
    assert stripped is not None
    assert np.array_equal(_pixels(stripped), _pixels(raw))  # lossless: the very same decoded pixels
    with Image.open(io.BytesIO(stripped)) as img:
        assert not img.getexif()
        assert not {"icc_profile", "exif", "comment"} & set(img.info)
    for leak in (b"PhoneMaker", b"secret note", b"<html>", b"Exif"):
        assert leak not in stripped
    assert stripped.endswith(b"\xff\xd9") and len(stripped) < len(raw)


def test_clean_image_takes_the_lossless_path_for_a_plain_jpeg():
    raw = _with_metadata()
    clean = clean_image(raw)
    assert clean.data == strip_jpeg(raw, jfif=True)
    assert np.array_equal(_pixels(clean.data), _pixels(raw))
    assert (clean.width, clean.height) == (96, 64)


@pytest.mark.parametrize("broken", [
    lambda raw: raw[:len(raw) // 2],                      # cut inside the scan: no end marker
    lambda raw: raw[:2] + b"\xff\xf7\x00\x04ab" + raw[2:],  # an extension marker we do not know
    lambda raw: raw[:-2],                                 # no end-of-image marker
    lambda raw: raw[:2] + b"\xff\xe1\xff\xff" + raw[4:],  # an APP1 length running past the end
], ids=["truncated", "unknown-marker", "no-eoi", "bad-length"])
def test_unusual_structure_is_left_to_re_encoding(broken):
    assert strip_jpeg(broken(_with_metadata())) is None


def test_truncated_jpeg_is_still_refused():
    with pytest.raises(ImageRejected) as err:
        clean_image(_with_metadata()[:900])
    assert err.value.code == "corrupt"


def test_rotated_and_cmyk_jpegs_are_re_encoded():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to display: pixels must change, so no lossless copy
    clean = clean_image(_encode(_noise(96, 64), exif=exif.tobytes()))
    assert (clean.width, clean.height) == (64, 96)
    cmyk = io.BytesIO()
    _noise().convert("CMYK").save(cmyk, format="JPEG")  # Adobe marker: dropping it would change the colours
    with Image.open(io.BytesIO(clean_image(cmyk.getvalue()).data)) as img:
        assert img.mode == "RGB" and "adobe" not in img.info


def test_grey_jpeg_stays_lossless():
    grey = _encode(_noise().convert("L"))
    clean = clean_image(grey)
    assert np.array_equal(_pixels(clean.data), _pixels(grey))
    with Image.open(io.BytesIO(clean.data)) as img:
        assert img.mode == "L"
