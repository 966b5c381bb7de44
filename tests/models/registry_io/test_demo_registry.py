"""The demo registry generator: exact counts, points inside their district outlines, usable camera zones."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from models.demo_registry import build_demo_registry, write_demo_registry
from models.registry_io import zone_problems
from models.registry_io.schema import CREATION_CLASSES, SIGNALS, ZONE_KINDS

from .helpers import DEMO_DIR

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_TYPES = {
    "暴露垃圾", "积存垃圾渣土", "垃圾满溢", "道路不洁", "水域不洁", "绿地脏乱", "废弃车辆", "废弃家具", "私搭乱建",
    "非装饰性树挂", "非法小广告", "违规悬挂横幅", "占道广告牌", "街头散发广告", "公益广告缺失/破损", "占道经营", "店外经营",
    "流动摊贩", "机动车乱停放", "非机动车乱停放", "乱堆物料", "沿街晾晒", "露天烧烤", "占道撑伞", "占用消防通道", "飞线充电",
    "流浪乞讨", "人群聚集", "施工占道", "工地扬尘", "渣土车未覆盖", "施工废弃料", "道路积水", "井盖缺失/破损", "路面破损",
    "设施损坏",
}


@pytest.fixture(scope="module")
def demo():
    return build_demo_registry()


def test_counts_are_the_seed_figures(demo):
    assert len(demo["points"]) == 209
    assert len(demo["cameras"]) == 210
    assert len(demo["units"]) == 116
    assert len(demo["indicators"]) == 130
    assert len(demo["problem_types"]) == 36
    assert len(demo["districts"]) == 11


def test_every_point_is_strictly_inside_its_district_outline(demo):
    geo = json.loads((ROOT / "assets" / "map" / "zhangzhou_admin.geojson").read_text(encoding="utf-8"))
    outlines = {f["properties"]["adcode"]: shape(f["geometry"]) for f in geo["features"]
                if f["properties"]["level"] == "county"}
    assert {d["adcode"] for d in demo["districts"]} == set(outlines)
    for p in demo["points"]:
        outline = outlines[p["district_adcode"]]
        here = Point(p["lon"], p["lat"])
        assert outline.contains(here), f"{p['code']} {p['name']} lies outside {p['district_adcode']}"
        assert outline.boundary.distance(here) > 0.001, f"{p['code']} sits on the district boundary"
        others = [code for code, o in outlines.items() if code != p["district_adcode"] and o.contains(here)]
        assert not others
    for d in demo["districts"]:
        assert outlines[d["adcode"]].contains(Point(d["lon"], d["lat"]))


def test_points_concentrate_in_the_urban_districts(demo):
    per_district = Counter(p["district_adcode"] for p in demo["points"])
    xc, lw, lh, ct = per_district["350602"], per_district["350603"], per_district["350604"], per_district["350605"]
    assert xc + lw > 209 / 2
    assert min(xc, lw) > lh > max(v for k, v in per_district.items() if k not in ("350602", "350603", "350604"))
    assert ct > max(v for k, v in per_district.items() if k.startswith("35062"))
    assert len(per_district) == 11
    categories = Counter(p["category"] for p in demo["points"])
    assert set(categories) == {"主次干道", "背街小巷", "农贸市场", "公园广场", "车站", "医院", "中小学校及周边", "老旧小区",
                               "建筑工地", "政务服务中心", "文化场馆", "爱国主义教育基地", "宾馆饭店", "网吧"}
    assert len({p["name"] for p in demo["points"]}) == 209


def test_cameras_one_point_has_two(demo):
    per_point = Counter(c["point_code"] for c in demo["cameras"])
    assert set(per_point) == {p["code"] for p in demo["points"]}
    assert sorted(per_point.values()) == [1] * 208 + [2]
    assert [c["code"] for c in demo["cameras"]] == [f"CAM-{i:04d}" for i in range(1, 211)]
    assert {c["source_kind"] for c in demo["cameras"]} == {"simulated"}
    assert {c["sample_every_s"] for c in demo["cameras"]} == {2}


def test_zones_are_valid_simple_and_do_not_overlap(demo):
    type_names = {t["name"] for t in demo["problem_types"]}
    kinds_seen = set()
    for cam in demo["cameras"]:
        assert zone_problems(cam["zones"], type_names) == [], cam["code"]
        polygons = [shape({"type": "Polygon", "coordinates": [z["polygon"]]}) for z in cam["zones"]]
        for i, a in enumerate(polygons):
            assert a.is_valid and a.area > 0.01
            for b in polygons[i + 1:]:
                assert a.intersection(b).area < 1e-9, cam["code"]
        kinds_seen.update(z["kind"] for z in cam["zones"])
    assert {"roadway", "sidewalk", "no_parking", "fire_lane", "shop_front", "wall", "green_space", "plaza",
            "construction"} <= kinds_seen
    assert kinds_seen <= set(ZONE_KINDS)
    # jitter: two cameras with the same template do not share the exact same layout
    layouts = {json.dumps(c["zones"]) for c in demo["cameras"]}
    assert len(layouts) == 210


def test_problem_types_follow_the_domain_lists(demo):
    types = demo["problem_types"]
    assert [t["code"] for t in types] == [f"PT{i:02d}" for i in range(1, 37)]
    assert {t["name"] for t in types} == DOMAIN_TYPES
    by_name = {t["name"]: t for t in types}
    assert by_name["暴露垃圾"]["signals"] == ["stationary_object"]
    assert (by_name["暴露垃圾"]["deadline_value"], by_name["暴露垃圾"]["deadline_unit"]) == (4, "working_hours")
    assert (by_name["占道经营"]["deadline_value"], by_name["占道经营"]["deadline_unit"]) == (2, "hours")
    assert by_name["占道经营"]["active_hours"] == "07:00-22:00"
    assert by_name["私搭乱建"]["deadline_unit"] == "working_days"
    assert by_name["违规悬挂横幅"]["signals"] == ["wall_change"]
    assert by_name["人群聚集"]["signals"] == ["crowd"]
    assert by_name["占用消防通道"]["zone_kinds"] == ["fire_lane"]
    for name in ("流浪乞讨", "飞线充电", "井盖缺失/破损"):
        assert by_name[name]["signals"] == [] and by_name[name]["camera_visible"] is False
    for t in types:
        assert set(t["signals"]) <= set(SIGNALS)
        assert bool(t["signals"]) == bool(t["zone_kinds"]) == t["camera_visible"]
        assert t["default_unit_code"] and t["indicator_codes"]


def test_units_indicators_and_assignments(demo):
    units = {u["code"]: u for u in demo["units"]}
    kinds = Counter(u["kind"] for u in demo["units"])
    assert kinds["city_bureau"] >= 15 and kinds["enterprise"] >= 3 and kinds["street_office"] >= 50
    assert sum(1 for u in demo["units"] if re.fullmatch(r".+[区县]人民政府", str(u["name"]))) == 11
    names = {u["name"] for u in demo["units"]}
    assert {"市城市管理局", "漳州市自来水公司", "芗城区南坑街道办事处", "龙文区步文街道办事处"} <= names
    for u in demo["units"]:
        assert u["parent_code"] is None or u["parent_code"] in units
    for p in demo["points"]:
        assert 1 <= len(p["unit_codes"]) <= 2 and all(c in units for c in p["unit_codes"])
    assert {i["creation_class"] for i in demo["indicators"]} == set(CREATION_CLASSES)
    assigned = Counter(a["indicator_code"] for a in demo["indicator_assignments"])
    assert set(assigned) == {i["code"] for i in demo["indicators"]}
    for a in demo["indicator_assignments"]:
        assert 0 <= a["progress"] <= max(a["target"], 1)
    routes = {(r["problem_type_code"], r["district_adcode"], r["point_code"]): r["unit_code"]
              for r in demo["routing_rules"]}
    stall = next(t["code"] for t in demo["problem_types"] if t["name"] == "占道经营")
    assert units[routes[(stall, "350602", None)]]["name"] == "芗城区城市管理局"


def test_generator_is_deterministic_and_matches_the_shipped_files(tmp_path, demo):
    assert build_demo_registry() == demo
    assert build_demo_registry(seed=7)["points"] != demo["points"]
    write_demo_registry(tmp_path)
    for path in sorted(DEMO_DIR.iterdir()):
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"assets/registry/{path.name} differs from the generator: run scripts/make_demo_registry.py")
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert "演示数据" in readme and "demo data" in readme


def test_indicators_linked_to_problem_types_are_measured_from_the_cases_of_their_owners(demo):
    """The measured indicators (auto_rule) are linked to problem types and owned by exactly the units the
    cases of those types are routed to; an indicator without a linked type keeps a hand-entered value."""
    from models.indicator_measures import AUTO_RULES

    linked: dict[str, set[str]] = {}
    for t in demo["problem_types"]:
        for code in t["indicator_codes"]:
            linked.setdefault(code, set()).add(t["code"])
    routed: dict[str, set[str]] = {}
    for r in demo["routing_rules"]:
        routed.setdefault(r["problem_type_code"], set()).add(r["unit_code"])
    default = {t["code"]: t["default_unit_code"] for t in demo["problem_types"]}
    owners: dict[str, set[str]] = {}
    for a in demo["indicator_assignments"]:
        owners.setdefault(a["indicator_code"], set()).add(a["unit_code"])
    measured = {i["code"]: i for i in demo["indicators"] if i["auto_rule"]}
    assert {i["auto_rule"] for i in measured.values()} == set(AUTO_RULES)  # every rule is used
    assert len(measured) >= 15
    for code, ind in measured.items():
        assert code in linked, f"{code} {ind['name']} is measured but linked to no problem type"
        handlers = {u for t in linked[code] for u in routed.get(t, set()) | {default[t]}}
        assert owners[code] == handlers, code
        assert (ind["auto_days"] is not None) == (ind["auto_rule"] == "no_recurrence")
    for i in demo["indicators"]:
        if i["code"] not in linked:
            assert i["auto_rule"] is None and i["auto_days"] is None
