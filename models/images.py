"""Validating and storing uploaded images (整改照片, 随手拍): sniff, bound, re-encode, store by SHA-256.

An upload is accepted only when Pillow recognises it as JPEG, PNG or WebP by its content (never by name
or declared type), it is at most ``MAX_BYTES`` bytes and ``MAX_PIXELS`` pixels. It is then re-encoded as a
JPEG with the EXIF orientation applied and every metadata block (EXIF, GPS, ICC, comments) dropped, so
what we keep is only pixels — or, for a JPEG that needs no rotation or colour change, the same metadata
blocks are dropped losslessly (:mod:`models.jpeg_strip`) and the result is decoded to prove it whole.
Stored files are named by the SHA-256 of the bytes kept.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .jpeg_strip import strip_jpeg

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "MPO")
JPEG_QUALITY = 88
ORIENTATION_TAG = 0x0112


class ImageRejected(ValueError):
    """An upload is not an acceptable image; ``message`` says why in Chinese for the user, ``code`` for code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    """A validated, re-encoded JPEG (no metadata) and its SHA-256."""

    data: bytes
    sha256: str
    width: int
    height: int


def clean_image(raw: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Validate ``raw`` upload bytes and return a metadata-free JPEG. Raises :class:`ImageRejected`.

    A JPEG that needs no pixel change (no EXIF rotation, no Adobe colour transform, RGB or grey) is
    stripped losslessly (:func:`models.jpeg_strip.strip_jpeg`) and the result decoded to prove it whole;
    anything else is decoded and re-encoded."""
    if not raw:
        raise ImageRejected("empty", "文件是空的，请重新选择照片。")
    if len(raw) > max_bytes:
        raise ImageRejected("too_large", f"照片太大（{len(raw) / 1048576:.1f} MB），请上传不超过 "
                                         f"{max_bytes // 1048576} MB 的照片。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise ImageRejected("format", f"不支持的图片格式（{fmt}），请上传 JPG、PNG 或 WebP 照片。")
                if width * height > max_pixels:
                    raise ImageRejected("too_many_pixels", f"照片像素过多（{width}×{height}），请上传不超过 "
                                                           f"{max_pixels // 1_000_000} 百万像素的照片。")
                stripped = _lossless_candidate(probe, raw)
                if stripped is None:
                    probe.verify()
            data = _checked_strip(stripped, width, height) if stripped is not None else None
            if data is None:
                data, width, height = _reencode(raw)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageRejected("not_image", "无法识别为图片，请上传 JPG、PNG 或 WebP 照片。") from None
        raise ImageRejected("too_many_pixels", "照片像素过多，请缩小后再上传。") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("corrupt", f"图片已损坏或不完整，请重新拍摄后上传（{type(exc).__name__}）。") from None
    return CleanImage(data=data, sha256=hashlib.sha256(data).hexdigest(), width=width, height=height)


def _lossless_candidate(probe: Image.Image, raw: bytes) -> bytes | None:
    """The stripped bytes of a JPEG whose pixels can be kept as they are, else ``None``."""
    if probe.format != "JPEG" or probe.mode not in ("RGB", "L") or "adobe" in probe.info:
        return None
    if probe.getexif().get(ORIENTATION_TAG, 1) != 1:
        return None
    return strip_jpeg(raw, jfif="jfif" in probe.info)


def _checked_strip(data: bytes, width: int, height: int) -> bytes | None:
    """``data`` if it decodes (entropy-coded data included) at the expected size; else ``None`` (re-encode).

    Decoded by libjpeg through OpenCV at 1/8 scale in grey: every coefficient is still read, only the
    inverse transform and colour conversion are skipped (37 µs for a 320×180 crop, against 86 µs through
    Pillow, which parses the headers again in Python)."""
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if img is None or img.shape[:2] != ((height + 7) // 8, (width + 7) // 8):
        return None
    return data


def _reencode(raw: bytes) -> tuple[bytes, int, int]:
    """Decode, apply the EXIF orientation, flatten transparency, encode as JPEG without metadata."""
    with Image.open(io.BytesIO(raw)) as img:
        img.load()
        img = ImageOps.exif_transpose(img)
        if img.mode not in ("RGB", "L"):
            background = Image.new("RGB", img.size, (255, 255, 255))
            rgba = img.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            img = background
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif=, no icc_profile=
        return out.getvalue(), img.size[0], img.size[1]


def store_image(image: CleanImage, root: str | os.PathLike) -> Path:
    """Write ``image`` under ``root/ab/cd/<sha256>.jpg`` (atomic; an existing identical file is kept)."""
    root = Path(root)
    path = root / image.sha256[:2] / image.sha256[2:4] / f"{image.sha256}.jpg"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(image.data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def evidence_root(config) -> Path:
    """Where evidence images live (``detection.evidence_dir``, default ``{data_dir}/evidence``)."""
    return config.path(config.detection.evidence_dir)
