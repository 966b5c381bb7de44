"""Single values and zone lists: what is accepted and how a rejection is worded."""
from __future__ import annotations

import pytest

from models.registry_io import zone_problems
from models.registry_io.cells import CellError, parse_value
from models.registry_io.schema import TABLES_BY_NAME

TYPES = {"PT01", "暴露垃圾"}


def col(table, name):
    return TABLES_BY_NAME[table].column(name)


def test_numbers_ranges_and_booleans():
    assert parse_value(col("points", "lon"), "117.65") == 117.65
    with pytest.raises(CellError, match="must be a number between 115 and 119"):
        parse_value(col("points", "lon"), "120")
    with pytest.raises(CellError, match="must be a number between 115 and 119"):
        parse_value(col("points", "lon"), "nan")
    assert parse_value(col("problem_types", "severity"), "3") == 3
    with pytest.raises(CellError, match="whole number between 1 and 3"):
        parse_value(col("problem_types", "severity"), "2.5")
    with pytest.raises(CellError, match="must be a number > 0"):
        parse_value(col("problem_types", "deadline_value"), "0")
    assert parse_value(col("problem_types", "auto_accept"), "是") is True
    assert parse_value(col("problem_types", "auto_accept"), "FALSE") is False
    with pytest.raises(CellError, match="true or false"):
        parse_value(col("problem_types", "auto_accept"), "maybe")


def test_lists_hours_and_text():
    assert parse_value(col("points", "unit_codes"), " A ; B ;") == ["A", "B"]
    with pytest.raises(CellError, match="same item twice"):
        parse_value(col("points", "unit_codes"), "A;A")
    with pytest.raises(CellError, match="'moat' is not one of"):
        parse_value(col("problem_types", "zone_kinds"), "sidewalk;moat")
    assert parse_value(col("problem_types", "active_hours"), "17:00-02:00") == "17:00-02:00"
    with pytest.raises(CellError, match="HH:MM-HH:MM"):
        parse_value(col("problem_types", "active_hours"), "7-22")
    with pytest.raises(CellError, match="at most 32 characters"):
        parse_value(col("units", "code"), "X" * 33)
    with pytest.raises(CellError, match="6-digit administrative code"):
        parse_value(col("districts", "adcode"), "35060")


def test_valid_zones_pass():
    zones = [
        {"name": "人行道", "kind": "sidewalk", "polygon": [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]],
         "types": ["PT01", "暴露垃圾"], "dwell_s": 60, "sensitivity": 0.5, "active_hours": "07:00-22:00"},
        {"name": "忽略", "kind": "mask", "polygon": [[0, 0], [1, 0], [1, 0.1]]},
    ]
    assert zone_problems(zones, TYPES) == []
    assert zone_problems([], TYPES) == []


@pytest.mark.parametrize("zones, expected", [
    ({"name": "x"}, "must be a JSON list of zones"),
    (["road"], "zone 1: must be a JSON object"),
    ([{"kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]]}], "zone 1: name must be non-empty text"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]]},
      {"name": "a", "kind": "wall", "polygon": [[0, 0], [1, 0], [1, 1]]}], "zone 2 (a): name used twice"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0]]}], "at least 3 [x, y] number pairs"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [0.5, 0.5], [1, 1]]}], "polygon has no area"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]], "colour": "red"}],
     "unknown key(s) colour"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]], "types": ["违章养狗"]}],
     "types names unknown problem type '违章养狗'"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]], "dwell_s": -1}],
     "dwell_s must be a number >= 0"),
    ([{"name": "a", "kind": "roadway", "polygon": [[0, 0], [1, 0], [1, 1]], "active_hours": "always"}],
     "active_hours must be HH:MM-HH:MM"),
])
def test_bad_zones_are_explained(zones, expected):
    problems = zone_problems(zones, TYPES)
    assert problems and any(expected in p for p in problems), problems
