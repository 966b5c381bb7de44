"""The 36 demo problem types (重点难点问题数据模型) from DOMAIN.md, with detection, deadline and routing models,
and the routing rules (problem type × district → unit)."""
from __future__ import annotations

from .units import DISTRICTS, URBAN, city_bureau_code, district_dept_code

S, W, C = "stationary_object", "wall_change", "crowd"
WALK = ["sidewalk", "no_parking", "fire_lane"]

# name, class, signals, zone kinds, dwell s, active hours, severity, deadline (value, unit), default bureau,
# object hint for the detector/simulator, linked indicator subcategories
TYPES = [
    ("暴露垃圾", "市容环境", [S], ["sidewalk", "shop_front", "green_space", "plaza"], 120, None, 2, (4, "working_hours"), "CGJ", "garbage", ["垃圾收运"]),
    ("积存垃圾渣土", "市容环境", [S], ["sidewalk", "green_space", "no_parking"], 600, None, 2, (8, "working_hours"), "CGJ", "debris", ["道路保洁"]),
    ("垃圾满溢", "市容环境", [S], ["sidewalk", "plaza"], 300, None, 2, (2, "hours"), "CGJ", "overflowing_bin", ["垃圾收运"]),
    ("道路不洁", "市容环境", [S], ["roadway", "sidewalk"], 600, None, 1, (4, "working_hours"), "CGJ", "litter", ["道路保洁"]),
    ("水域不洁", "市容环境", [S], ["water"], 900, None, 2, (2, "working_days"), "SLJ", "floating_waste", ["水域环境"]),
    ("绿地脏乱", "市容环境", [S], ["green_space"], 600, None, 1, (1, "working_days"), "CGJ", "litter", ["园林绿化"]),
    ("废弃车辆", "市容环境", [S], ["sidewalk", "no_parking", "roadway"], 86400, None, 1, (5, "working_days"), "GAJ", "wreck", ["机动车停放"]),
    ("废弃家具", "市容环境", [S], ["sidewalk", "green_space", "shop_front"], 1800, None, 1, (1, "working_days"), "CGJ", "furniture", ["重点区域卫生"]),
    ("私搭乱建", "市容环境", [S], ["sidewalk", "green_space", "plaza"], 7200, None, 3, (5, "working_days"), "CGJ", "shed", ["违法建设"]),
    ("非装饰性树挂", "市容环境", [], [], 0, None, 1, (3, "working_days"), "CGJ", None, ["园林绿化"]),
    ("非法小广告", "宣传广告", [W], ["wall"], 120, None, 1, (1, "working_days"), "CGJ", "flyer", ["立面秩序"]),
    ("违规悬挂横幅", "宣传广告", [W], ["wall"], 300, None, 2, (24, "hours"), "CGJ", "banner", ["立面秩序"]),
    ("占道广告牌", "宣传广告", [S], ["sidewalk", "shop_front", "no_parking"], 900, "07:00-23:00", 1, (1, "working_days"), "CGJ", "sign_board", ["立面秩序"]),
    ("街头散发广告", "宣传广告", [], [], 0, None, 1, (2, "hours"), "CGJ", None, ["公共场所秩序"]),
    ("公益广告缺失/破损", "宣传广告", [W], ["wall"], 3600, None, 2, (5, "working_days"), "XCB", "poster", ["公益广告刊播"]),
    ("占道经营", "街面秩序", [S], ["sidewalk", "no_parking", "fire_lane"], 300, "07:00-22:00", 2, (2, "hours"), "CGJ", "stall", ["街面秩序"]),
    ("店外经营", "街面秩序", [S], ["shop_front"], 600, "08:00-22:00", 1, (2, "hours"), "CGJ", "goods", ["街面秩序"]),
    ("流动摊贩", "街面秩序", [S], ["sidewalk", "plaza", "no_parking"], 180, "06:00-23:00", 1, (1, "hours"), "CGJ", "cart", ["街面秩序"]),
    ("机动车乱停放", "街面秩序", [S], ["no_parking", "sidewalk", "fire_lane"], 600, None, 2, (1, "hours"), "JJZD", "car", ["机动车停放"]),
    ("非机动车乱停放", "街面秩序", [S], ["sidewalk", "no_parking"], 900, "07:00-22:00", 1, (2, "hours"), "JJZD", "bicycle", ["非机动车"]),
    ("乱堆物料", "街面秩序", [S], ["sidewalk", "shop_front", "fire_lane"], 1800, None, 1, (8, "working_hours"), "CGJ", "pile", ["街面秩序"]),
    ("沿街晾晒", "街面秩序", [W], ["wall"], 900, "07:00-19:00", 1, (4, "hours"), "CGJ", "laundry", ["立面秩序"]),
    ("露天烧烤", "街面秩序", [S], ["sidewalk", "plaza", "shop_front"], 600, "17:00-02:00", 2, (1, "hours"), "CGJ", "grill", ["大气与扬尘"]),
    ("占道撑伞", "街面秩序", [S], ["sidewalk", "shop_front"], 900, "07:00-20:00", 1, (2, "hours"), "CGJ", "umbrella", ["街面秩序"]),
    ("占用消防通道", "街面秩序", [S], ["fire_lane"], 300, None, 3, (1, "hours"), "XFZD", "car", ["消防安全"]),
    ("飞线充电", "街面秩序", [], [], 0, None, 3, (1, "working_days"), "XFZD", None, ["消防安全"]),
    ("流浪乞讨", "街面秩序", [], [], 0, None, 1, (4, "hours"), "MZJ", None, ["便民服务"]),
    ("人群聚集", "街面秩序", [C], ["plaza", "sidewalk", "roadway"], 120, None, 3, (1, "hours"), "GAJ", "people", ["公共场所秩序"]),
    ("施工占道", "施工管理", [S], ["sidewalk", "roadway"], 1800, None, 2, (1, "working_days"), "ZJJ", "barrier", ["市政设施"]),
    ("工地扬尘", "施工管理", [], [], 0, None, 2, (4, "hours"), "HBJ", None, ["大气与扬尘"]),
    ("渣土车未覆盖", "施工管理", [], [], 0, None, 2, (2, "hours"), "CGJ", None, ["渣土运输"]),
    ("施工废弃料", "施工管理", [S], ["sidewalk", "roadway", "construction"], 3600, None, 1, (1, "working_days"), "ZJJ", "rubble", ["道路保洁"]),
    ("道路积水", "突发事件", [S], ["roadway"], 600, None, 2, (4, "hours"), "CGJ", "puddle", ["市政设施"]),
    ("井盖缺失/破损", "突发事件", [], [], 0, None, 3, (2, "hours"), "CGJ", None, ["市政设施"]),
    ("路面破损", "突发事件", [], [], 0, None, 2, (3, "working_days"), "ZJJ", None, ["市政设施"]),
    ("设施损坏", "突发事件", [], [], 0, None, 2, (3, "working_days"), "CGJ", None, ["市政设施"]),
]

# who is routed the problem in each district: the district's 城管局 for city-management types, the
# district's 住建局 for construction types (urban districts); 市场监管 for stalls inside markets
DISTRICT_ROUTED = {"CGJ": "CG", "ZJJ": "ZJ"}


def build_problem_types(indicators: list[dict[str, object]]) -> list[dict[str, object]]:
    """The 36 types, PT01 … PT36; each linked to the 文明城市 indicators of its subcategories (≤ 3)."""
    by_sub: dict[str, list[str]] = {}
    for ind in indicators:
        if ind["creation_class"] == "文明城市":
            by_sub.setdefault(str(ind["subcategory"]), []).append(str(ind["code"]))
    out = []
    for i, (name, cls, signals, kinds, dwell, hours, sev, (dl, dl_unit), bureau, hint, subs) in enumerate(TYPES, 1):
        linked = sorted([code for sub in subs for code in by_sub.get(sub, [])[:2]][:3])
        camera = bool(signals)
        out.append(dict(
            code=f"PT{i:02d}", name=name, major_class=cls, camera_visible=camera, signals=signals,
            zone_kinds=kinds, dwell_s=dwell, active_hours=hours, confirm_frames=3 if camera else 1,
            dedup_window_s=3600 if dwell < 3600 else 86400, dedup_radius_m=50, severity=sev,
            deadline_value=dl, deadline_unit=dl_unit, auto_accept=camera and sev < 3,
            default_unit_code=city_bureau_code(bureau), indicator_codes=linked,
            params={"object": hint} if hint else None,
            description=("摄像头自动发现" if camera else "仅人工上报/随手拍") + f"；{cls}类问题（演示数据）",
        ))
    return out


def build_routing_rules(problem_types: list[dict], points: list[dict]) -> list[dict[str, object]]:
    """Problem type × district → the district's department; stalls in markets → the district's 市场监管局."""
    rules: list[dict[str, object]] = []
    for pt in problem_types:
        bureau = str(pt["default_unit_code"]).removeprefix("C-")
        dept = DISTRICT_ROUTED.get(bureau)
        if dept is None:
            continue
        for adcode, *_ in DISTRICTS:
            if dept == "CG" or adcode in URBAN:
                rules.append(dict(problem_type_code=pt["code"], district_adcode=adcode, point_code=None,
                                  unit_code=district_dept_code(adcode, dept)))
    stall = next(pt["code"] for pt in problem_types if pt["name"] == "占道经营")
    for p in points:
        if p["category"] == "农贸市场" and p["district_adcode"] in URBAN:
            rules.append(dict(problem_type_code=stall, district_adcode=p["district_adcode"], point_code=p["code"],
                              unit_code=district_dept_code(str(p["district_adcode"]), "SJ")))
    return rules
