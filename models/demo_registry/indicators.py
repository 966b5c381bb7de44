"""Demo creation indicators (创建指标): 130, grouped by creation class (文明城市/文明单位/文明村镇/文明校园),
category and subcategory, each assigned to one or more units with plausible progress (演示数据).

The indicators linked to problem types whose wording is about how those problems are dealt with are measured
from the cases (``auto_rule``, :mod:`models.indicator_measures`) and assigned to the units the cases of their
types are routed to (a unit's measured progress comes from its own cases), so the demo shows their progress
as cases close."""
from __future__ import annotations

import random

# creation class → category → subcategory → items; an item is "name" or "name|measure|target"
TREE: dict[str, dict[str, dict[str, list[str]]]] = {
    "文明城市": {
        "公共秩序": {
            "街面秩序": ["主次干道无占道经营", "店外经营有效治理", "流动摊贩规范管理", "沿街无乱堆乱放"],
            "公共场所秩序": ["公共场所无拥挤踩踏隐患", "公共场所无乱扔乱吐", "车站秩序良好", "医院就诊秩序良好"],
            "消防安全": ["消防通道畅通", "电动自行车规范充电"],
        },
        "城市环境卫生": {
            "道路保洁": ["主次干道路面整洁", "背街小巷路面整洁", "道路无积存垃圾渣土"],
            "垃圾收运": ["生活垃圾日产日清", "垃圾桶无满溢", "生活垃圾分类覆盖率|%|90"],
            "重点区域卫生": ["农贸市场环境卫生", "老旧小区环境卫生", "城中村环境卫生", "公共厕所干净卫生"],
            "水域环境": ["河道水面清洁", "黑臭水体整治|个|0"],
        },
        "市容市貌": {
            "立面秩序": ["沿街立面无乱张贴", "无违规悬挂横幅", "户外广告设置规范", "无沿街晾晒"],
            "违法建设": ["无私搭乱建", "违法建设查处率|%|100"],
            "园林绿化": ["绿地无脏乱", "公园广场设施完好", "建成区绿化覆盖率|%|42"],
            "市政设施": ["井盖完好", "路面平整无破损", "道路积水点整治|个|12"],
        },
        "交通秩序": {
            "机动车停放": ["机动车有序停放", "校园周边无违停"],
            "非机动车": ["非机动车有序停放", "共享单车规范投放"],
            "文明出行": ["机动车礼让斑马线|%|95", "行人遵守交通信号|%|95", "非机动车不闯红灯|%|95"],
            "渣土运输": ["渣土车密闭运输", "公交站台秩序良好"],
        },
        "公益广告": {
            "公益广告刊播": ["主次干道公益广告刊播", "建筑工地围挡公益广告", "车站公益广告", "公园广场公益广告",
                       "农贸市场公益广告"],
            "核心价值观宣传": ["社会主义核心价值观宣传氛围|分|90", "“讲文明树新风”公益广告完好"],
        },
        "志愿服务": {
            "志愿服务组织": ["注册志愿者占常住人口比例|%|15", "志愿服务站点覆盖|%|100", "新时代文明实践站所建设|个|150"],
            "志愿服务活动": ["学雷锋志愿服务常态化|次|24", "文明交通志愿岗|个|60", "关爱特殊群体志愿服务|次|12",
                       "志愿者礼遇激励|分|90"],
        },
        "公共服务": {
            "政务服务": ["政务服务“一网通办”率|%|95", "群众诉求按时办结率|%|98", "12345热线满意度|%|95"],
            "便民服务": ["无障碍设施完好", "公共厕所对外开放", "流浪乞讨人员救助|%|100", "文化场馆免费开放"],
        },
        "生态环境": {
            "大气与扬尘": ["建筑工地扬尘治理达标", "空气质量优良天数比例|%|97", "露天烧烤治理"],
            "噪声与水": ["集中式饮用水水源达标|%|100", "噪声投诉按时办结", "城市污水处理率|%|97"],
        },
    },
    "文明单位": {
        "思想道德建设": {
            "理论学习": ["理论学习制度化|次|12", "社会主义核心价值观融入单位管理|分|90"],
            "道德实践": ["道德讲堂|次|4", "身边好人推荐|个|2"],
        },
        "文明创建活动": {
            "志愿服务": ["在职志愿者注册率|%|80", "结对共建文明村镇|个|1"],
            "主题活动": ["我们的节日主题活动|次|6", "文明餐桌光盘行动"],
        },
        "内部管理": {
            "制度建设": ["创建工作纳入年度考核", "创建台账规范完整|分|90"],
            "廉洁诚信": ["诚信建设制度化", "无违法违纪案件|个|0"],
        },
        "环境建设": {
            "办公环境": ["办公场所整洁有序", "公共区域禁烟", "垃圾分类投放"],
            "周边环境": ["门前三包落实", "单位周边无乱停放"],
        },
        "服务社会": {
            "窗口服务": ["窗口服务满意度|%|95", "便民服务措施", "投诉按时办结率|%|98"],
        },
    },
    "文明村镇": {
        "人居环境": {
            "环境整治": ["农村生活垃圾治理|%|100", "农村生活污水治理|%|80", "村容村貌整洁", "农村公厕改造|个|20"],
            "美丽乡村": ["房前屋后绿化", "无乱搭乱建", "河道沟渠清洁"],
        },
        "乡风文明": {
            "移风易俗": ["红白理事会覆盖|%|100", "婚丧从简", "村规民约修订"],
            "道德建设": ["好婆婆好媳妇评选|次|1", "文明家庭创建|个|10"],
        },
        "公共服务": {
            "文化阵地": ["新时代文明实践站|个|1", "农家书屋开放", "村级文化活动|次|12"],
            "便民服务": ["便民服务站运行", "村道路灯完好"],
        },
        "乡村治理": {
            "平安建设": ["矛盾纠纷就地化解率|%|95", "村务公开", "无重大安全事故|个|0"],
        },
    },
    "文明校园": {
        "思想道德建设": {
            "德育工作": ["思政课程建设|分|90", "少先队共青团活动|次|12", "心理健康教育"],
            "师德师风": ["师德考核|分|95", "无违反师德行为|个|0"],
        },
        "校园环境": {
            "校容校貌": ["校园整洁美观", "校园文化墙", "校园禁烟"],
            "安全管理": ["校园安全防范", "食堂食品安全", "消防设施完好"],
        },
        "校园周边": {
            "周边秩序": ["校园周边无占道经营", "校门口交通有序", "周边网吧无未成年人|个|0", "校园周边环境整治|%|100"],
        },
        "活动阵地": {
            "文明实践": ["学生志愿服务|次|8", "经典诵读活动|次|6", "劳动教育实践", "家校共育", "科普教育活动|次|4"],
        },
    },
}

# creation class / 文明城市 category → units that carry it (codes from units.py)
CITY_CATEGORY_UNITS = {
    "公共秩序": ["C-CGJ", "C-GAJ"], "城市环境卫生": ["C-CGJ", "E-HW"], "市容市貌": ["C-CGJ", "C-ZJJ"],
    "交通秩序": ["C-JJZD", "C-JTJ"], "公益广告": ["C-XCB"], "志愿服务": ["C-XCB", "C-MZJ"],
    "公共服务": ["C-SJGLJ", "C-MZJ", "C-WLJ"], "生态环境": ["C-HBJ", "C-SLJ"],
}


# indicator name → (auto_rule, auto_days): only indicators linked to problem types (problem_types.py) whose
# wording fits a rule — "…有序 / 整洁 / 日产日清 / 查处" = dealt with by the deadline (on_time), "有效治理 / 完好" =
# the fix holds at the camera re-check (recheck_passed), "无… / 无满溢" = the problem does not come back within
# auto_days (no_recurrence). Linked ones that do not fit (location-specific, or the linked types do not measure
# them: 空气质量优良天数比例, 公交站台秩序良好, 黑臭水体整治 counted in 个 …) keep a hand-entered value.
MEASURED: dict[str, tuple[str, int | None]] = {
    "主次干道无占道经营": ("no_recurrence", 30), "店外经营有效治理": ("recheck_passed", None),
    "消防通道畅通": ("on_time", None),
    "主次干道路面整洁": ("on_time", None), "背街小巷路面整洁": ("on_time", None),
    "生活垃圾日产日清": ("on_time", None), "垃圾桶无满溢": ("no_recurrence", 7),
    "河道水面清洁": ("on_time", None),
    "沿街立面无乱张贴": ("no_recurrence", 30), "无违规悬挂横幅": ("no_recurrence", 30),
    "无私搭乱建": ("no_recurrence", 90), "违法建设查处率": ("on_time", None),
    "绿地无脏乱": ("no_recurrence", 30),
    "井盖完好": ("recheck_passed", None), "路面平整无破损": ("recheck_passed", None),
    "机动车有序停放": ("on_time", None), "非机动车有序停放": ("on_time", None),
    "主次干道公益广告刊播": ("on_time", None),
}


def build_indicators() -> list[dict[str, object]]:
    """The 130 indicators in tree order; codes WM-C001 (城市), WM-D… (单位), WM-V… (村镇), WM-S… (校园)."""
    prefix = {"文明城市": "C", "文明单位": "D", "文明村镇": "V", "文明校园": "S"}
    out: list[dict[str, object]] = []
    for creation_class, categories in TREE.items():
        n = 0
        for category, subs in categories.items():
            for sub, items in subs.items():
                for item in items:
                    name, measure, target = (item.split("|") + ["", ""])[:3] if "|" in item else (item, "%", "95")
                    n += 1
                    rule, days = MEASURED.get(name, (None, None))
                    out.append(dict(
                        code=f"WM-{prefix[creation_class]}{n:03d}", name=name, creation_class=creation_class,
                        category=category, subcategory=sub, target=float(target), measure=measure,
                        description=f"{creation_class} · {category} · {sub}（演示数据）",
                        auto_rule=rule, auto_days=days,
                    ))
    return out


def build_assignments(rng: random.Random, indicators: list[dict], units: list[dict]) -> list[dict[str, object]]:
    """Each indicator to 1–4 units, with progress towards its target."""
    by_kind: dict[str, list[str]] = {}
    for u in units:
        by_kind.setdefault(str(u["kind"]), []).append(str(u["code"]))
    governments = [c for c in by_kind["district"] if c.count("-") == 1]
    towns = [str(u["code"]) for u in units if u["kind"] == "street_office" and not str(u["name"]).endswith("办事处")]
    bodies = by_kind["city_bureau"] + by_kind["enterprise"]
    order = {str(u["code"]): i for i, u in enumerate(units)}
    out: list[dict[str, object]] = []
    for ind in indicators:
        cls = ind["creation_class"]
        if cls == "文明城市":
            codes = CITY_CATEGORY_UNITS[str(ind["category"])][:] + rng.sample(governments, rng.choice((0, 1, 2)))
        elif cls == "文明单位":
            codes = rng.sample(bodies, rng.choice((1, 2, 3)))
        elif cls == "文明村镇":
            codes = ["C-NYJ"] + rng.sample(towns, rng.choice((1, 2)))
        else:
            codes = ["C-JYJ"] + rng.sample(governments, rng.choice((0, 1)))
        target = float(ind["target"])
        for code in sorted(dict.fromkeys(codes), key=order.__getitem__):  # export order
            if target == 0:  # "zero cases" style targets
                progress = float(rng.choice((0, 0, 0, 1)))
            else:
                progress = round(target * rng.uniform(0.55, 1.0), 1 if target < 1000 else 0)
            out.append(dict(indicator_code=ind["code"], unit_code=code, target=target, progress=progress,
                            evidence=None))
    return out


def assign_measured(assignments: list[dict[str, object]], indicators: list[dict[str, object]],
                    problem_types: list[dict[str, object]], routing: list[dict[str, object]],
                    units: list[dict[str, object]]) -> list[dict[str, object]]:
    """``assignments`` where each indicator measured from the cases is assigned to exactly the units its linked
    types are routed to (routing rules and the types' default units): a unit's measured progress comes from
    its own cases, so an owner that never receives them would only ever show 0 件."""
    routed: dict[str, set[str]] = {}
    for r in routing:
        routed.setdefault(str(r["problem_type_code"]), set()).add(str(r["unit_code"]))
    handlers: dict[str, set[str]] = {}
    for t in problem_types:
        for code in t["indicator_codes"]:
            handlers.setdefault(str(code), set()).update(routed.get(str(t["code"]), set()),
                                                         {str(t["default_unit_code"])})
    order = {str(u["code"]): i for i, u in enumerate(units)}
    measured = {str(i["code"]): i for i in indicators if i["auto_rule"]}
    kept = [a for a in assignments if a["indicator_code"] not in measured]
    extra = [dict(indicator_code=code, unit_code=unit, target=float(ind["target"]), progress=0.0, evidence=None)
             for code, ind in measured.items() for unit in handlers.get(code, set())]
    position = {str(i["code"]): n for n, i in enumerate(indicators)}
    return sorted(kept + extra, key=lambda a: (position[str(a["indicator_code"])], order[str(a["unit_code"])]))
