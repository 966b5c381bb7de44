"""Demo monitoring points (点位): 209 places of the civilized-city assessment, concentrated in 芗城区/龙文区,
each strictly inside its district's outline. Street and place names are Zhangzhou-like; the list is invented
(演示数据)."""
from __future__ import annotations

import random

from .geo import DistrictShapes
from .units import DISTRICTS, URBAN, city_bureau_code, district_dept_code, street_code, towns_of

POINTS_PER_DISTRICT = {
    "350602": 70, "350603": 50, "350604": 25, "350605": 16, "350623": 9, "350622": 7, "350624": 7,
    "350626": 7, "350627": 7, "350628": 6, "350629": 5,
}
CATEGORY_COUNTS = {
    "主次干道": 37, "背街小巷": 28, "农贸市场": 24, "公园广场": 18, "车站": 10, "医院": 12, "中小学校及周边": 24,
    "老旧小区": 18, "建筑工地": 10, "政务服务中心": 11, "文化场馆": 6, "爱国主义教育基地": 4, "宾馆饭店": 4, "网吧": 3,
}
# counties take the essentials first, in this order; the urban districts share what is left
COUNTY_PRIORITY = ["主次干道", "农贸市场", "中小学校及周边", "政务服务中心", "车站", "公园广场", "医院", "背街小巷", "老旧小区"]

ROADS = {
    "350602": ["胜利西路", "胜利东路", "延安北路", "延安南路", "新华西路", "新华东路", "大同路", "瑞京路", "南昌路",
               "北京路", "元光南路", "芝山路", "博爱道", "腾飞路", "丹霞路", "钱塘路", "修文西路", "台湾路", "厦门路",
               "洋老洲路", "金峰路", "浦头路", "南山路", "西洋坪路", "水仙大街", "北环城路"],
    "350603": ["建元东路", "九龙大道", "漳华中路", "湖滨路", "龙文北路", "迎宾大道", "江滨路", "蓝田路", "朝阳北路",
               "步文路", "龙江路", "碧湖路", "水仙大街东段", "大梦山路", "景山路", "郭坑路"],
}
LANES = {
    "350602": ["香港路古街", "岳口街", "太古桥街", "马坪街", "芳华横路", "振成巷", "下沙巷", "顶新巷", "文昌巷",
               "渡头巷", "府埕巷", "澳头巷", "修文东巷", "新行街", "北桥巷", "龙眼营巷", "仁和里"],
    "350603": ["蓝田老街", "步文后巷", "湖滨一巷", "碧湖西巷", "景山后街", "朝阳老街", "郭坑古巷"],
}
PLACES = {  # category → district → well-known names; anything else is made from templates below
    "农贸市场": {"350602": ["南昌路农贸市场", "丹霞农贸市场", "浦头农贸市场", "北桥农贸市场", "新桥农贸市场"],
             "350603": ["碧湖农贸市场", "蓝田农贸市场", "步文农贸市场"]},
    "公园广场": {"350602": ["中山公园", "芝山公园", "西湖生态园", "江滨公园", "人民广场", "古城广场"],
               "350603": ["碧湖生态公园", "九龙公园", "朝阳湿地公园", "龙文广场", "蓝田公园"]},
    "车站": {"350602": ["漳州汽车站", "漳州火车站", "北站公交枢纽"], "350603": ["漳州汽车南站", "碧湖公交首末站"],
           "350604": ["漳州站"]},
    "医院": {"350602": ["漳州市医院", "漳州市中医院", "漳州市第三医院", "漳州市妇幼保健院"],
           "350603": ["漳州市第五医院", "龙文区医院"]},
    "中小学校及周边": {"350602": ["漳州一中", "漳州三中", "漳州实验小学", "芗城中学", "漳州五中", "芝山中心小学",
                            "南坑中心小学", "东铺头中学"],
                   "350603": ["漳州二中", "龙文实验小学", "碧湖中学", "蓝田中心小学", "步文中学"]},
    "文化场馆": {"350602": ["漳州市图书馆", "漳州市博物馆", "漳州市文化艺术中心"], "350603": ["龙文区图书馆"]},
    "爱国主义教育基地": {"350602": ["漳州革命烈士陵园", "毛主席率领红军攻克漳州纪念馆"], "350626": ["谷文昌纪念馆"]},
    "宾馆饭店": {"350602": ["漳州宾馆", "漳州大酒店"], "350603": ["碧湖大酒店"]},
    "政务服务中心": {"350602": ["漳州市行政服务中心"]},
}
ESTATE = ["新村", "花园", "小区", "公寓", "宿舍区", "苑"]
SITE = ["安置房", "商住楼", "学校扩建", "医院新院区", "道路提升", "综合体"]

# category → the kind of body that shares responsibility with the street office / town
CATEGORY_UNIT = {
    "主次干道": "district:CG", "农贸市场": "district:SJ", "公园广场": "district:CG", "车站": "city:JTJ",
    "医院": "city:WJW", "中小学校及周边": "city:JYJ", "老旧小区": "district:ZJ", "建筑工地": "district:ZJ",
    "政务服务中心": "city:SJGLJ", "文化场馆": "city:WLJ", "爱国主义教育基地": "city:XCB", "宾馆饭店": "city:WLJ",
    "网吧": "city:WLJ", "背街小巷": None,
}


def _short(dname: str) -> str:
    return dname[:-1]


def allocate_categories(rng: random.Random) -> dict[str, list[str]]:
    """Category of every point, per district (counts per category and per district are exact)."""
    remaining = dict(CATEGORY_COUNTS)
    out: dict[str, list[str]] = {}
    for adcode, n in POINTS_PER_DISTRICT.items():
        if adcode in URBAN:
            continue
        out[adcode] = COUNTY_PRIORITY[:n]
        for cat in out[adcode]:
            remaining[cat] -= 1
    # deal each category out in turn to the urban district with the most room left (relative to its size),
    # so every category is spread over the urban districts in proportion to their number of points
    size = {a: POINTS_PER_DISTRICT[a] for a in URBAN}
    room = dict(size)
    for adcode in URBAN:
        out[adcode] = []
    for cat, n in remaining.items():
        for _ in range(n):
            adcode = max(URBAN, key=lambda a: (room[a] / size[a], size[a], rng.random()))
            out[adcode].append(cat)
            room[adcode] -= 1
    assert not any(room.values()) and all(v >= 0 for v in remaining.values())
    return out


def _candidates(cat: str, adcode: str, dname: str, rng: random.Random) -> list[str]:
    towns = [t[:-1] if t.endswith(("镇", "乡")) else t[:-2] for t in towns_of(adcode)]
    roads = ROADS.get(adcode) or [f"{t}{s}" for t in towns for s in ("中路", "大道")]
    known = list(PLACES.get(cat, {}).get(adcode, []))
    made: list[str]
    if cat == "主次干道":
        made = list(roads)
    elif cat == "背街小巷":
        made = list(LANES.get(adcode, [])) + [f"{r}{n}巷" for r in roads for n in (1, 2, 3)]
    elif cat == "农贸市场":
        made = [f"{t}农贸市场" for t in towns] + [f"{r[:2]}农贸市场" for r in roads]
    elif cat == "公园广场":
        made = [f"{t}公园" for t in towns] + [f"{t}文化广场" for t in towns]
    elif cat == "车站":
        made = [f"{_short(dname)}汽车站", f"{_short(dname)}公交总站"] + [f"{t}客运站" for t in towns]
    elif cat == "医院":
        made = [f"{dname}医院", f"{_short(dname)}中医院"] + [f"{t}卫生院" for t in towns]
    elif cat == "中小学校及周边":
        made = [f"{_short(dname)}第一中学", f"{_short(dname)}实验小学"] + [f"{t}中心小学" for t in towns]
    elif cat == "老旧小区":
        made = [f"{r[:2]}{e}" for r in roads for e in ESTATE]
    elif cat == "建筑工地":
        made = [f"{t}{s}项目工地" for t in towns for s in SITE] + [f"{r[:2]}{s}项目工地" for r in roads for s in SITE]
    elif cat == "政务服务中心":
        made = [f"{dname}政务服务中心", f"{dname}市民服务中心"]
    elif cat == "文化场馆":
        made = [f"{dname}图书馆", f"{dname}文化馆"]
    elif cat == "爱国主义教育基地":
        made = [f"{_short(dname)}革命历史纪念馆", f"{_short(dname)}烈士陵园"]
    elif cat == "宾馆饭店":
        made = [f"{t}大酒店" for t in towns]
    else:  # 网吧
        made = [f"{r[:2]}{b}网咖" for r in roads for b in ("星际", "极速", "网鱼")]
    rng.shuffle(made)
    return known + made


def _unit_for(spec: str | None, adcode: str) -> str | None:
    if spec is None:
        return None
    scope, suffix = spec.split(":")
    if scope == "city":
        return city_bureau_code(suffix)
    if suffix == "CG" or adcode in URBAN:
        return district_dept_code(adcode, suffix)
    return city_bureau_code({"SJ": "SJJ", "ZJ": "ZJJ"}[suffix])


def build_points(rng: random.Random, shapes: DistrictShapes) -> list[dict[str, object]]:
    """The 209 demo points, ordered by district then category; codes P-001 …"""
    categories = allocate_categories(rng)
    used: set[str] = set()
    points: list[dict[str, object]] = []
    for adcode, _dname_unused, _kind, seat, _towns in DISTRICTS:
        dname = shapes.name(adcode)
        spread = 0.012 if adcode in ("350602", "350603") else 0.02 if adcode in URBAN else 0.03
        towns = towns_of(adcode)
        for cat in sorted(categories[adcode], key=list(CATEGORY_COUNTS).index):
            name = next(n for n in _candidates(cat, adcode, dname, rng) if n not in used)
            used.add(name)
            lon, lat = shapes.sample_inside(adcode, seat, spread, rng)
            town_index = rng.randrange(len(towns))
            units = [street_code(adcode, town_index + 1)]
            extra = _unit_for(CATEGORY_UNIT[cat], adcode)
            if extra and rng.random() < 0.85:
                units.insert(0, extra)
            points.append(dict(
                code=f"P-{len(points) + 1:03d}", name=name, category=cat, district_adcode=adcode,
                address=f"漳州市{dname}{towns[town_index]}{name if cat in ('主次干道', '背街小巷') else ''}"
                        f"{rng.randint(1, 300)}号",
                lon=lon, lat=lat, unit_codes=units,
            ))
    return points
