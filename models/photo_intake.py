"""Photos of a public submission (随手拍, edge alarms): validated with :mod:`models.images`, stored all-or-nothing.

Two phases so that nothing is half-stored: :func:`prepare` validates and re-encodes in memory (through
:func:`models.images.clean_image`: content sniffed, ≤ 10 MB, ≤ 40 megapixels, bombs and truncated files
refused, orientation applied, metadata dropped) and reads the EXIF GPS position first (it is gone after
re-encoding). Only after every photo of a submission passed does :meth:`PhotoStore.write` put files on
disk, and :meth:`PhotoStore.discard` removes the files a failed transaction created (files that already
existed, shared by hash with earlier evidence, are kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .exif_gps import read_gps
from .images import MAX_BYTES, MAX_PIXELS, CleanImage, ImageRejected, clean_image, store_image


class PhotoError(ValueError):
    """A photo is refused; ``message`` is the Chinese text shown to the sender, ``code`` a stable key."""

    def __init__(self, code: str, message: str, index: int | None = None):
        where = f"第 {index + 1} 张照片：" if index is not None else ""
        super().__init__(where + message)
        self.code = code
        self.message = where + message
        self.index = index


@dataclass
class PreparedPhoto:
    """A validated photo re-encoded as JPEG in memory (not yet on disk)."""

    image: CleanImage
    gps_wgs84: tuple[float, float] | None  # (lon, lat) read from EXIF before stripping

    @property
    def sha256(self) -> str:
        return self.image.sha256

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


@dataclass
class StoredPhoto:
    sha256: str
    path: Path
    width: int
    height: int
    created: list[Path] = field(default_factory=list)  # files this write created (removed on rollback)


def prepare(data: bytes, index: int | None = None, *, gps: bool = True) -> PreparedPhoto:
    """Validate and re-encode one upload; raise :class:`PhotoError` naming what is wrong.

    ``gps=False`` skips reading the EXIF position (edge alarms are placed by their camera, not the photo)."""
    try:
        clean = clean_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    except ImageRejected as exc:
        raise PhotoError(exc.code, exc.message, index) from None
    return PreparedPhoto(clean, read_gps(data) if gps else None)


class PhotoStore:
    """Evidence files by content hash under ``root`` (the layout of :func:`models.images.store_image`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def write(self, photo: PreparedPhoto) -> StoredPhoto:
        h = photo.sha256
        expected = self.root / h[:2] / h[2:4] / f"{h}.jpg"  # models.images' layout
        existed = expected.exists()
        path = store_image(photo.image, self.root)
        created = [path] if path == expected and not existed else []
        return StoredPhoto(h, path, photo.width, photo.height, created)

    @staticmethod
    def discard(stored: list[StoredPhoto]) -> None:
        """Remove files created by :meth:`write` (after a failed transaction)."""
        for s in stored:
            for p in s.created:
                p.unlink(missing_ok=True)
