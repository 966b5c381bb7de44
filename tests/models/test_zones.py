"""Zone validation (models.zones): the one rule set for config zones, ZONES.yaml and the zone editor."""
from __future__ import annotations

import pytest

from models.zones import ZONE_KINDS, ZoneError, polygon_area, self_intersection, validate_zones
from tests.factories import STREET_ZONES

SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]


def test_factory_zones_are_valid_and_normalised():
    out = validate_zones(STREET_ZONES)
    assert [z["name"] for z in out] == [z["name"] for z in STREET_ZONES]
    assert out[0]["polygon"] == STREET_ZONES[0]["polygon"]


def test_overrides_kept_and_names_stripped():
    out = validate_zones([{"name": " 店前 ", "kind": "shop_front", "polygon": SQUARE, "types": ["PT02", "占道经营"],
                           "dwell_s": 300, "sensitivity": 0.5, "active_hours": "07:00-22:00"}],
                         known_types=[("PT02", "占道经营")])
    assert out == [{"name": "店前", "kind": "shop_front", "polygon": SQUARE, "types": ["PT02", "占道经营"],
                    "dwell_s": 300.0, "sensitivity": 0.5, "active_hours": "07:00-22:00"}]


def test_closed_ring_accepted_once():
    out = validate_zones([{"name": "a", "kind": "wall", "polygon": SQUARE + [SQUARE[0]]}])
    assert out[0]["polygon"] == SQUARE


@pytest.mark.parametrize("zone, words", [
    ({"name": "a", "kind": "wall", "polygon": [[0.1, 0.1], [0.2, 0.2]]}, ["zones[0] (a).polygon", "at least 3"]),
    ({"name": "a", "kind": "wall", "polygon": [[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]}, ["polygon[1]", "outside"]),
    ({"name": "a", "kind": "wall", "polygon": [[0, 0], [1, 1], [1, 0], [0, 0.6]]}, ["edges 1–2 and 3–4 cross"]),
    ({"name": "a", "kind": "wall", "polygon": [[0, 0], [0.5, 0.5], [1, 1]]}, ["area"]),
    ({"name": "a", "kind": "wall", "polygon": [[0, 0], [0.4, 0.4], [0.8, 0.8], [0.2, 0.2]]}, ["area"]),
    # a symmetric bow-tie: signed area 0, but the fault is the crossing (issue 18 #10)
    ({"name": "a", "kind": "wall", "polygon": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]},
     ["edges 1–2 and 3–4 cross"]),
    ({"name": "a", "kind": "wall", "polygon": [[0, 0], ["x", 0.5], [1, 1]]}, ["polygon[1]", "numbers"]),
    ({"name": "a", "kind": "wall", "polygon": [[0, 0], [0.5, 0], [0.5, 0], [0, 0.5]]}, ["repeated"]),
    ({"name": "a", "kind": "river", "polygon": SQUARE}, ["kind", "river", "sidewalk"]),
    ({"name": "", "kind": "wall", "polygon": SQUARE}, ["zones[0].name"]),
    ({"name": "a", "kind": "wall", "polygon": SQUARE, "colour": "red"}, ["unknown key", "colour"]),
    ({"name": "a", "kind": "wall", "polygon": SQUARE, "dwell_s": -5}, ["dwell_s"]),
    ({"name": "a", "kind": "wall", "polygon": SQUARE, "sensitivity": 2}, ["sensitivity"]),
    ({"name": "a", "kind": "wall", "polygon": SQUARE, "active_hours": "7-22"}, ["active_hours", "HH:MM"]),
    ({"name": "a", "kind": "wall", "polygon": SQUARE, "types": "PT01"}, ["types"]),
])
def test_invalid_zone_named_in_error(zone, words):
    with pytest.raises(ZoneError) as err:
        validate_zones([zone])
    for w in words:
        assert w in str(err.value)


def test_unknown_type_and_duplicate_names():
    with pytest.raises(ZoneError, match="unknown problem type.*乱扔"):
        validate_zones([{"name": "a", "kind": "wall", "polygon": SQUARE, "types": ["乱扔"]}],
                       known_types=[("PT01", "暴露垃圾")])
    with pytest.raises(ZoneError, match=r"zones\[1\] \(a\).name.*zones\[0\]"):
        validate_zones([{"name": "a", "kind": "wall", "polygon": SQUARE},
                        {"name": "a", "kind": "mask", "polygon": SQUARE}])


def test_not_a_list():
    with pytest.raises(ZoneError, match="expected a list"):
        validate_zones({"name": "a"})
    assert validate_zones(None) == []


def test_geometry_helpers():
    assert polygon_area(SQUARE) == pytest.approx(0.16)
    assert self_intersection(SQUARE) is None
    assert self_intersection([[0, 0], [1, 1], [1, 0], [0, 1]]) == (0, 2)
    assert "mask" in ZONE_KINDS
