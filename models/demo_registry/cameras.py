"""Demo cameras (前端监控): one per point, two at one busy street (210), simulated, sampled every 2 s.

Zones follow CONTRIBUTING.md: named relative polygons of a known kind. Each camera's layout comes from a
scene template matching its point's category (street, lane, market, school gate, plaza/park, construction
site), as non-overlapping horizontal bands and rectangles with a little per-camera jitter, so the
simulator can paint the scene from them.
"""
from __future__ import annotations

import random
from collections.abc import Callable

TEMPLATE_BY_CATEGORY = {
    "主次干道": "street", "背街小巷": "lane", "农贸市场": "market", "公园广场": "park", "车站": "street",
    "医院": "street", "中小学校及周边": "school", "老旧小区": "lane", "建筑工地": "construction",
    "政务服务中心": "street", "文化场馆": "plaza", "爱国主义教育基地": "plaza", "宾馆饭店": "street", "网吧": "street",
}


def _rect(name: str, kind: str, x0: float, y0: float, x1: float, y1: float) -> dict[str, object]:
    x0, y0, x1, y1 = (round(v, 3) for v in (x0, y0, x1, y1))
    return {"name": name, "kind": kind, "polygon": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}


def _cuts(rng: random.Random, *values: float, j: float = 0.02) -> list[float]:
    return [v + rng.uniform(-j, j) for v in values]


def street(rng: random.Random) -> list[dict]:
    a, b, c, d = _cuts(rng, 0.40, 0.52, 0.70, 0.05, j=0.02)
    split = 0.62 + rng.uniform(-0.05, 0.05)
    return [
        _rect("沿街立面", "wall", 0.0, d, 1.0, a),
        _rect("店前区域", "shop_front", 0.0, a, 1.0, b),
        _rect("人行道", "sidewalk", 0.0, b, split, c),
        _rect("禁停区", "no_parking", split, b, 1.0, c),
        _rect("机动车道", "roadway", 0.0, c, 1.0, 1.0),
    ]


def lane(rng: random.Random) -> list[dict]:
    a, b = _cuts(rng, 0.45, 0.60)
    return [
        _rect("巷道墙面", "wall", 0.0, 0.05, 1.0, a),
        _rect("门店前", "shop_front", 0.0, a, 1.0, b),
        _rect("巷道路面", "sidewalk", 0.0, b, 1.0, 1.0),
    ]


def market(rng: random.Random) -> list[dict]:
    a, b, c = _cuts(rng, 0.35, 0.55, 0.75)
    split = 0.70 + rng.uniform(-0.04, 0.04)
    return [
        _rect("市场外墙", "wall", 0.0, 0.05, 1.0, a),
        _rect("摊位门店前", "shop_front", 0.0, a, 1.0, b),
        _rect("人行道", "sidewalk", 0.0, b, split, c),
        _rect("消防通道", "fire_lane", split, b, 1.0, c),
        _rect("市场路", "roadway", 0.0, c, 1.0, 1.0),
    ]


def school(rng: random.Random) -> list[dict]:
    a, b = _cuts(rng, 0.40, 0.65)
    g0, g1 = _cuts(rng, 0.35, 0.65, j=0.03)
    return [
        _rect("校园围墙", "wall", 0.0, 0.05, 1.0, a),
        _rect("人行道（左）", "sidewalk", 0.0, a, g0, b),
        _rect("校门口禁停区", "no_parking", g0, a, g1, b),
        _rect("人行道（右）", "sidewalk", g1, a, 1.0, b),
        _rect("校门前道路", "roadway", 0.0, b, 1.0, 1.0),
    ]


def park(rng: random.Random) -> list[dict]:
    a, b = _cuts(rng, 0.20, 0.50)
    split = 0.72 + rng.uniform(-0.05, 0.05)
    zones = [_rect("天空树冠", "mask", 0.0, 0.0, 1.0, a)]
    if rng.random() < 0.5:  # parks with a lake or river bank
        w = 0.45 + rng.uniform(-0.05, 0.05)
        zones += [_rect("水面", "water", 0.0, a, w, b), _rect("绿地", "green_space", w, a, 1.0, b)]
    else:
        zones.append(_rect("绿地", "green_space", 0.0, a, 1.0, b))
    return zones + [_rect("广场", "plaza", 0.0, b, split, 1.0), _rect("园路", "sidewalk", split, b, 1.0, 1.0)]


def plaza(rng: random.Random) -> list[dict]:
    a, b, c = _cuts(rng, 0.40, 0.55, 0.85)
    return [
        _rect("场馆外墙", "wall", 0.0, 0.05, 1.0, a),
        _rect("绿化带", "green_space", 0.0, a, 1.0, b),
        _rect("门前广场", "plaza", 0.0, b, 1.0, c),
        _rect("道路", "roadway", 0.0, c, 1.0, 1.0),
    ]


def construction(rng: random.Random) -> list[dict]:
    a, b, c = _cuts(rng, 0.30, 0.50, 0.68)
    return [
        _rect("工地作业区", "construction", 0.0, 0.05, 1.0, a),
        _rect("工地围挡", "wall", 0.0, a, 1.0, b),
        _rect("人行道", "sidewalk", 0.0, b, 1.0, c),
        _rect("机动车道", "roadway", 0.0, c, 1.0, 1.0),
    ]


TEMPLATES: dict[str, Callable[[random.Random], list[dict]]] = {
    "street": street, "lane": lane, "market": market, "school": school, "park": park, "plaza": plaza,
    "construction": construction,
}


def build_cameras(rng: random.Random, points: list[dict[str, object]], double_point: str) -> list[dict]:
    """One camera per point and a second at ``double_point``: CAM-0001 … in point order."""
    cameras: list[dict[str, object]] = []
    for point in points:
        n = 2 if point["code"] == double_point else 1
        for i in range(1, n + 1):
            template = TEMPLATES[TEMPLATE_BY_CATEGORY[str(point["category"])]]
            cameras.append(dict(
                code=f"CAM-{len(cameras) + 1:04d}", name=f"{point['name']}{i}号监控", point_code=point["code"],
                source_kind="simulated", source_url=None, sample_every_s=2, enabled=True, zones=template(rng),
            ))
    return cameras
