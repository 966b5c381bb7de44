"""Uploaded photos (随手拍 and edge devices): validated, re-encoded, stored by content hash.

Two phases so that nothing is half-stored: :func:`prepare` validates and re-encodes in memory (content
sniffed by Pillow, not trusted from the name or header; ≤ 10 MB, ≤ 40 megapixels, decompression bombs
and truncated files refused; EXIF orientation applied, every metadata block dropped); only after every
photo of a submission passed does :meth:`PhotoStore.write` put files on disk, and
:meth:`PhotoStore.discard` removes the files a failed transaction created (files that already existed,
shared by hash with earlier evidence, are kept).
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .exif_gps import gps_from_exif

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
THUMB_SIZE = 320
JPEG_QUALITY = 85

try:  # HEIC from iPhones, where the optional plugin is installed
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found]

    register_heif_opener()
    FORMATS = FORMATS + ("HEIF",)
except ImportError:  # pragma: no cover - depends on the machine
    pass


class PhotoError(ValueError):
    """A photo is refused; ``message`` is the Chinese text shown to the citizen, ``code`` a stable key."""

    def __init__(self, code: str, message: str, index: int | None = None):
        where = f"第 {index + 1} 张照片：" if index is not None else ""
        super().__init__(where + message)
        self.code = code
        self.message = where + message
        self.index = index


@dataclass
class PreparedPhoto:
    """A validated photo re-encoded as JPEG in memory (not yet on disk)."""

    sha256: str
    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    source_format: str
    gps_wgs84: tuple[float, float] | None  # (lon, lat) read from EXIF before stripping


@dataclass
class StoredPhoto:
    sha256: str
    path: Path
    thumb_path: Path
    width: int
    height: int
    created: list[Path] = field(default_factory=list)  # files this write created (removed on rollback)


def prepare(data: bytes, index: int | None = None, *, max_bytes: int = MAX_BYTES,
            max_pixels: int = MAX_PIXELS) -> PreparedPhoto:
    """Validate and re-encode one upload; raise :class:`PhotoError` naming what is wrong."""
    if not data:
        raise PhotoError("empty", "文件为空", index)
    if len(data) > max_bytes:
        raise PhotoError("too_large", f"文件过大（{len(data) / 1048576:.1f} MB），每张照片不超过 "
                                      f"{max_bytes // 1048576} MB", index)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
            raise PhotoError("too_many_pixels", "图片像素过多，已拒收", index) from None
        raise PhotoError("not_image", "不是可识别的图片（支持 JPEG、PNG、WebP）", index) from None
    except Exception:  # noqa: BLE001 - any parser failure is a bad file
        raise PhotoError("not_image", "不是可识别的图片（支持 JPEG、PNG、WebP）", index) from None
    with im:
        w, h = im.size
        if w <= 0 or h <= 0 or w * h > max_pixels:
            raise PhotoError("too_many_pixels", f"图片像素过多（{w}×{h}），不超过 {max_pixels // 1_000_000} 百万像素",
                             index)
        if getattr(im, "n_frames", 1) > 1 and im.format != "JPEG":
            im.seek(0)
        fmt = im.format or "?"
        gps = gps_from_exif(im.getexif())
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im.load()
                upright = ImageOps.exif_transpose(im)
                rgb = upright.convert("RGB") if upright.mode != "RGB" else upright
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise PhotoError("truncated", "图片文件不完整或已损坏", index) from None
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= → all metadata dropped
    jpeg = out.getvalue()
    thumb_im = rgb.copy()
    thumb_im.thumbnail((THUMB_SIZE, THUMB_SIZE))
    tout = io.BytesIO()
    thumb_im.save(tout, "JPEG", quality=80)
    return PreparedPhoto(hashlib.sha256(jpeg).hexdigest(), jpeg, tout.getvalue(), rgb.width, rgb.height, fmt, gps)


def _write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it exists; True when this call created the file."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if path.exists():
            os.unlink(tmp)
            return False
        os.replace(tmp, path)
        return True
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class PhotoStore:
    """Files by content hash under ``root`` (``ab/abcdef….jpg``), thumbnails under ``root/thumbs``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.jpg"

    def thumb_for(self, sha256: str) -> Path:
        return self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg"

    def write(self, photo: PreparedPhoto) -> StoredPhoto:
        path, thumb = self.path_for(photo.sha256), self.thumb_for(photo.sha256)
        created = [p for p, data in ((path, photo.jpeg), (thumb, photo.thumb)) if _write_atomic(p, data)]
        return StoredPhoto(photo.sha256, path, thumb, photo.width, photo.height, created)

    @staticmethod
    def discard(stored: list[StoredPhoto]) -> None:
        """Remove files created by :meth:`write` (after a failed transaction)."""
        for s in stored:
            for p in s.created:
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
