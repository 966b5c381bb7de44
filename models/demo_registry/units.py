"""Demo responsible units (责任单位): 116 = 20 city bureaus + 11 district governments + 19 district
departments + 60 street offices / towns + 6 enterprises. Town and street names are Zhangzhou's; codes,
contacts and phone numbers are invented (演示数据)."""
from __future__ import annotations

import random

# (code suffix, name)
CITY_BUREAUS = [
    ("CGJ", "市城市管理局"), ("ZJJ", "市住房和城乡建设局"), ("SJJ", "市市场监督管理局"), ("JTJ", "市交通运输局"),
    ("HBJ", "市生态环境局"), ("JJZD", "市公安局交警支队"), ("JYJ", "市教育局"), ("WJW", "市卫生健康委员会"),
    ("WLJ", "市文化和旅游局"), ("SWJ", "市商务局"), ("ZRJ", "市自然资源局"), ("SLJ", "市水利局"),
    ("MZJ", "市民政局"), ("GAJ", "市公安局"), ("XFZD", "市消防救援支队"), ("YJJ", "市应急管理局"),
    ("NYJ", "市农业农村局"), ("TYJ", "市体育局"), ("SJGLJ", "市数据管理局"), ("XCB", "市委宣传部"),
]

# adcode, name, kind, seat (GCJ-02 lon, lat), street offices / towns
DISTRICTS = [
    ("350602", "芗城区", "urban_district", (117.653, 24.513),
     ["东铺头街道", "西桥街道", "新桥街道", "巷口街道", "南坑街道", "通北街道", "芝山镇", "石亭镇", "浦南镇", "天宝镇"]),
    ("350603", "龙文区", "urban_district", (117.710, 24.503),
     ["步文街道", "碧湖街道", "蓝田街道", "景山街道", "朝阳镇", "郭坑镇"]),
    ("350604", "龙海区", "urban_district", (117.818, 24.447),
     ["石码街道", "海澄镇", "角美镇", "榜山镇", "紫泥镇", "颜厝镇", "东园镇", "港尾镇", "白水镇"]),
    ("350605", "长泰区", "urban_district", (117.759, 24.626), ["武安镇", "岩溪镇", "陈巷镇", "枋洋镇", "坂里乡"]),
    ("350623", "漳浦县", "county", (117.614, 24.117), ["绥安镇", "旧镇镇", "佛昙镇", "赤湖镇", "杜浔镇", "六鳌镇"]),
    ("350622", "云霄县", "county", (117.340, 23.958), ["云陵镇", "莆美镇", "陈岱镇", "东厦镇"]),
    ("350624", "诏安县", "county", (117.175, 23.711), ["南诏镇", "四都镇", "梅岭镇", "深桥镇", "桥东镇"]),
    ("350626", "东山县", "county", (117.430, 23.700), ["西埔镇", "铜陵镇", "康美镇", "陈城镇"]),
    ("350627", "南靖县", "county", (117.357, 24.514), ["山城镇", "靖城镇", "丰田镇", "龙山镇"]),
    ("350628", "平和县", "county", (117.314, 24.363), ["小溪镇", "坂仔镇", "山格镇", "文峰镇"]),
    ("350629", "华安县", "county", (117.534, 25.004), ["华丰镇", "丰山镇", "沙建镇"]),
]
URBAN = ("350602", "350603", "350604", "350605")

# district departments: every district has a 城市管理局; the four urban districts also 住建局 and 市场监管局
DISTRICT_DEPTS = [("CG", "城市管理局"), ("ZJ", "住房和城乡建设局"), ("SJ", "市场监督管理局")]

ENTERPRISES = [
    ("ZLS", "漳州市自来水公司", "CGJ"), ("GJ", "漳州市城市公交公司", "JTJ"), ("GD", "国网漳州供电公司", None),
    ("RQ", "漳州华润燃气有限公司", "CGJ"), ("HW", "漳州市城投环卫有限公司", "CGJ"), ("DX", "中国电信漳州分公司", None),
]

SURNAMES = "陈林黄张李王吴刘蔡杨郑许苏曾庄洪谢叶郭沈方卢戴施"
GIVEN = "志明建国丽华文斌雅琴晓东海燕国平淑芬俊杰秀英宏伟玉兰家豪美玲振华丽娟"


def city_bureau_code(suffix: str) -> str:
    return f"C-{suffix}"


def district_gov_code(adcode: str) -> str:
    return f"D-{adcode}"


def district_dept_code(adcode: str, suffix: str) -> str:
    return f"D-{adcode}-{suffix}"


def street_code(adcode: str, index: int) -> str:
    return f"S-{adcode}-{index:02d}"


def _contact(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    return name, f"0596-{rng.randint(2000000, 6999999)}"


def build_units(rng: random.Random) -> list[dict[str, object]]:
    """The 116 demo units in hierarchy order (parents before children)."""
    units: list[dict[str, object]] = []

    def add(code, name, kind, parent=None, adcode=None):
        contact_name, phone = _contact(rng)
        units.append(dict(code=code, name=name, kind=kind, parent_code=parent, district_adcode=adcode,
                          contact_name=contact_name, contact_phone=phone))

    for suffix, name in CITY_BUREAUS:
        add(city_bureau_code(suffix), name, "city_bureau")
    for adcode, dname, _kind, _seat, towns in DISTRICTS:
        gov = district_gov_code(adcode)
        add(gov, f"{dname}人民政府", "district", adcode=adcode)
        for suffix, dept in DISTRICT_DEPTS:
            if suffix == "CG" or adcode in URBAN:
                add(district_dept_code(adcode, suffix), f"{dname}{dept}", "district", parent=gov, adcode=adcode)
        for i, town in enumerate(towns, start=1):
            suffix = "办事处" if town.endswith("街道") else "人民政府"
            add(street_code(adcode, i), f"{dname}{town}{suffix}", "street_office", parent=gov, adcode=adcode)
    for suffix, name, parent in ENTERPRISES:
        add(f"E-{suffix}", name, "enterprise", parent=city_bureau_code(parent) if parent else None)
    return units


def towns_of(adcode: str) -> list[str]:
    return next(d[4] for d in DISTRICTS if d[0] == adcode)
