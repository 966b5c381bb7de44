"""Decoding camera image bytes (snapshots, MJPEG parts, folder images) safely, with a reason when refused.

A camera that sends garbage must cost little and say what was wrong. Before OpenCV decodes anything the
header is read (Pillow, lazily: no pixels): not an image, a size of 0 or more than ``max_pixels``
(a 3 KB JPEG can declare 30000×30000 and make OpenCV allocate 2.7 GB), and a JPEG without its end marker
or a PNG without its IEND chunk (cut off in transit, or a file still being written) are refused with a
message naming the problem.
"""
from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 40_000_000
_JPEG, _PNG = b"\xff\xd8", b"\x89PNG\r\n\x1a\n"


class UndecodableImage(ValueError):
    """The bytes are not a usable image; the message says why (safe to show: no secrets, no bytes)."""


def _head(data: bytes) -> str:
    shown = data[:8]
    return shown.hex(" ") if any(b < 32 or b > 126 for b in shown) else repr(shown.decode("ascii"))


def check_image_bytes(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, int, int]:
    """``(format, width, height)`` of an image's header; raise :class:`UndecodableImage` saying what is wrong."""
    if not data:
        raise UndecodableImage("empty body (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt, (width, height) = probe.format or "?", probe.size
    except Image.DecompressionBombError:
        size = _declared_size(data)
        shown = f"{size[0]}×{size[1]} pixels" if size else "a huge size"
        raise UndecodableImage(f"image declares {shown} (more than {max_pixels})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct_error()):
        for magic, kind in ((_JPEG, "JPEG"), (_PNG, "PNG")):
            if data.startswith(magic):
                raise UndecodableImage(f"{kind} could not be decoded: damaged header ({len(data)} bytes)") from None
        raise UndecodableImage(f"not an image ({len(data)} bytes starting {_head(data)})") from None
    if width <= 0 or height <= 0:
        raise UndecodableImage(f"{fmt} declares an empty size {width}×{height}")
    if width * height > max_pixels:
        raise UndecodableImage(f"{fmt} declares {width}×{height} pixels (more than {max_pixels})")
    if data.startswith(_JPEG) and b"\xff\xd9" not in data[-1024:]:
        raise UndecodableImage(f"truncated JPEG: no end-of-image marker ({len(data)} bytes)")
    if data.startswith(_PNG) and b"IEND" not in data[-64:]:
        raise UndecodableImage(f"truncated PNG: no IEND chunk ({len(data)} bytes)")
    return fmt, width, height


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG IHDR or a JPEG SOF header, without Pillow's size limit."""
    import struct

    if data.startswith(_PNG) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    i = 2
    while data.startswith(_JPEG) and i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def struct_error() -> type[Exception]:
    import struct

    return struct.error


def decode_frame(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode image bytes to a BGR ``uint8`` array; raise :class:`UndecodableImage` naming the problem."""
    fmt, width, height = check_image_bytes(data, max_pixels)
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise UndecodableImage(f"{fmt} {width}×{height} could not be decoded ({str(exc).strip()[:80]})") from None
    if image is None:
        raise UndecodableImage(f"{fmt} {width}×{height} could not be decoded ({len(data)} bytes; damaged data)")
    return image
