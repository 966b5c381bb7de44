"""The GPS position in a photo's EXIF (read BEFORE the image is re-encoded and its metadata stripped).

Returns WGS-84 lon/lat as recorded by the phone; callers convert to GCJ-02 with
:func:`models.coords.wgs84_to_gcj02`. Anything malformed yields ``None`` (a photo without a usable
position), never an error: the position is a convenience, the browser or the map can supply it.
"""
from __future__ import annotations

import io
import math

from PIL import ExifTags, Image

_GPS_IFD = ExifTags.IFD.GPSInfo
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4


def _degrees(value) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60.0 + s / 3600.0


def gps_from_exif(exif: Image.Exif) -> tuple[float, float] | None:
    """(lon, lat) in WGS-84 from an EXIF block, or ``None`` when absent or implausible."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
        if not gps or _LAT not in gps or _LON not in gps:
            return None
        lat = _degrees(gps[_LAT])
        lon = _degrees(gps[_LON])
        if str(gps.get(_LAT_REF, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(_LON_REF, "E")).upper().startswith("W"):
            lon = -lon
    except (TypeError, ValueError, ZeroDivisionError, KeyError, AttributeError, SyntaxError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return lon, lat


def read_gps(data: bytes) -> tuple[float, float] | None:
    """(lon, lat) in WGS-84 from the EXIF of encoded image bytes, or ``None``. Only the header is parsed."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return gps_from_exif(im.getexif())
    except Exception:  # noqa: BLE001 - unreadable images are refused later by the image validation
        return None


def exif_with_gps(lon: float, lat: float) -> Image.Exif:
    """An EXIF block carrying a WGS-84 position (used by tests and the demo to build geotagged photos)."""
    exif = Image.Exif()

    def dms(v: float):
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = round(((v - d) * 60 - m) * 60, 4)
        return (float(d), float(m), float(s))

    exif[_GPS_IFD] = {
        _LAT_REF: "N" if lat >= 0 else "S", _LAT: dms(lat),
        _LON_REF: "E" if lon >= 0 else "W", _LON: dms(lon),
    }
    return exif
