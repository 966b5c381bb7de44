"""``folder`` adapter: the images of a folder in name order (natural order: ``img2`` before ``img10``).

Each read returns the next image. Options: ``loop`` (bool, default true; false: offline after the last
image), ``step_s`` (float, optional: media seconds per image, reported as ``media_time_s``), ``start_s`` (float,
default 0: media time of the first image; an epoch time makes the folder a replayable recording whose
frames carry their own capture times),
``extensions`` (list, default jpg/jpeg/png/bmp/webp/tif/tiff). The folder is listed again at every wrap,
so images added or removed meanwhile are picked up. An unreadable image is a bad frame (skipped) whose
reason names the file and what is wrong (not an image, truncated, too many pixels: ``max_pixels``, default
40 million).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .base import CameraAdapter
from .frame_bytes import DEFAULT_MAX_PIXELS, UndecodableImage, decode_frame
from .registry import register_adapter

_DEFAULT_EXT = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def natural_key(name: str) -> list:
    """Sort key placing ``img2`` before ``img10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def read_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray | None:
    """Decode an image file to BGR (works with non-ASCII paths); ``None`` when it is not an image."""
    try:
        return load_image(path, max_pixels)
    except UndecodableImage:
        return None


def load_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode an image file to BGR; raise :class:`UndecodableImage` saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UndecodableImage(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    return decode_frame(data, max_pixels)


@register_adapter("folder")
class FolderAdapter(CameraAdapter):
    """Images of a folder, one per read, in natural name order."""

    def open(self) -> None:
        if not self.source.url:
            raise self.unavailable("no image folder configured (url is empty)")
        self._dir = Path(self.source.url)
        exts = self.source.option("extensions") or _DEFAULT_EXT
        self._ext = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in exts)
        self._loop = bool(self.source.option("loop", True))
        self._step_s = self.source.option("step_s")
        if getattr(self, "_ended", False) and not self._loop:
            raise self.unavailable(f"folder {self._dir}: all images read (loop: false)")
        self._files = self._list()
        self._next = 0
        self._count = 0
        self._opened = True

    def _list(self) -> list[Path]:
        if not self._dir.is_dir():
            raise self.unavailable(f"image folder {self._dir} not found")
        files = [p for p in self._dir.iterdir() if p.suffix.lower() in self._ext and p.is_file()]
        if not files:
            raise self.unavailable(f"image folder {self._dir} has no images ({', '.join(self._ext)})")
        return sorted(files, key=lambda p: natural_key(p.name))

    def read(self) -> tuple[np.ndarray, float | None]:
        if not getattr(self, "_opened", False):
            raise self.unavailable("not open")
        if self._next >= len(self._files):
            if not self._loop:
                self._ended = True
                raise self.unavailable(f"folder {self._dir}: all images read (loop: false)")
            self._files = self._list()
            self._next = 0
        path = self._files[self._next]
        self._next += 1
        media = float(self.source.option("start_s", 0.0)) + self._count * float(self._step_s) \
            if self._step_s is not None else None
        self._count += 1
        try:
            image = load_image(path, int(self.source.option("max_pixels", DEFAULT_MAX_PIXELS)))
        except UndecodableImage as exc:
            if not self._dir.is_dir():
                raise self.unavailable(f"image folder {self._dir} not found") from None
            raise self.bad_frame(f"{path} is not a readable image: {exc}") from None
        return image, media

    def close(self) -> None:
        self._opened = False
