"""Validating and storing uploaded images (整改照片, 随手拍): sniff, bound, re-encode, store by SHA-256.

An upload is accepted only when Pillow recognises it as JPEG, PNG or WebP by its content (never by name
or declared type), it is at most ``MAX_BYTES`` bytes and ``MAX_PIXELS`` pixels. It is then re-encoded as a
JPEG with the EXIF orientation applied and every metadata block (EXIF, GPS, ICC, comments) dropped, so
what we keep is only pixels. Stored files are named by the SHA-256 of the re-encoded bytes.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "MPO")
JPEG_QUALITY = 88


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
    """Validate ``raw`` upload bytes and return the re-encoded JPEG. Raises :class:`ImageRejected`."""
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
                probe.verify()
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
                width, height = img.size
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageRejected("not_image", "无法识别为图片，请上传 JPG、PNG 或 WebP 照片。") from None
        raise ImageRejected("too_many_pixels", "照片像素过多，请缩小后再上传。") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("corrupt", f"图片已损坏或不完整，请重新拍摄后上传（{type(exc).__name__}）。") from None
    data = out.getvalue()
    return CleanImage(data=data, sha256=hashlib.sha256(data).hexdigest(), width=width, height=height)


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
