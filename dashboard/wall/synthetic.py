"""A synthetic city for the wall's benchmark and browser tests: the seed's counts (209 points, 210 cameras,
116 units, 130 indicators, 36 problem types) on Zhangzhou's 11 districts, plus N cases (with their
transition logs) and M observations spread over the last ``years`` years, written with bulk inserts
(SQLAlchemy ``executemany`` on SQLite, ``COPY`` on PostgreSQL).

Deterministic for a given seed. Not the shipped demo registry (``assets/registry``): made in code so
the benchmark and tests do not depend on it.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import JSON, Boolean, Engine, insert

from models.cases import Case, CaseTransition, Observation
from models.clock import utcnow
from models.registry import (
    Camera, District, Indicator, MonitoringPoint, ProblemType, ResponsibleUnit, point_units,
)

from .figures import admin_geojson

POINTS_PER_DISTRICT = {"芗城区": 48, "龙文区": 34, "龙海区": 24, "长泰区": 16, "漳浦县": 13, "云霄县": 12,
                       "诏安县": 12, "东山县": 12, "南靖县": 13, "平和县": 13, "华安县": 12}  # = 209
CATEGORIES = ["主次干道", "背街小巷", "农贸市场", "公园广场", "车站", "医院", "中小学校及周边", "老旧小区",
              "建筑工地", "政务服务中心", "文化场馆", "宾馆饭店"]
TYPE_NAMES = ["暴露垃圾", "积存垃圾渣土", "垃圾满溢", "道路不洁", "水域不洁", "绿地脏乱", "废弃车辆", "废弃家具",
              "私搭乱建", "非装饰性树挂", "非法小广告", "违规悬挂横幅", "占道广告牌", "街头散发广告", "公益广告破损",
              "占道经营", "店外经营", "流动摊贩", "机动车乱停放", "非机动车乱停放", "乱堆物料", "沿街晾晒",
              "露天烧烤", "占道撑伞", "占用消防通道", "飞线充电", "人群聚集", "施工占道", "工地扬尘",
              "渣土车未覆盖", "施工废弃料", "道路积水", "井盖缺失", "路面破损", "设施损坏", "不文明养宠"]  # 36
BUREAUS = ["市城市管理局", "市市场监管局", "市住建局", "市交通运输局", "市公安局交警支队", "市生态环境局",
           "市园林局", "市水利局", "市卫健委", "市教育局", "市商务局", "市文旅局", "市消防救援支队", "市自然资源局",
           "市民政局", "市供电公司", "市自来水公司", "市燃气公司", "市通信管理办", "市邮政分公司"]  # 20
CAMERA_HEALTH = ["online"] * 200 + ["offline"] * 4 + ["frozen"] * 3 + ["black"] * 1 + ["unknown"] * 2


def _ring_contains(ring: list[list[float]], x: float, y: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _polygons(feature: dict[str, Any]) -> list[list[list[float]]]:
    g = feature["geometry"]
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [p[0] for p in polys]  # outer rings


def _random_point(rng: random.Random, feature: dict[str, Any], tight: float = 1.0) -> tuple[float, float]:
    rings = _polygons(feature)
    ring = max(rings, key=len)
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    w, h = (max(xs) - min(xs)) * tight, (max(ys) - min(ys)) * tight
    for _ in range(2000):
        x, y = cx + (rng.random() - 0.5) * w, cy + (rng.random() - 0.5) * h
        if _ring_contains(ring, x, y):
            return round(x, 6), round(y, 6)
    return round(cx, 6), round(cy, 6)


def make_city(engine: Engine, seed: int = 7) -> dict[str, list[int]]:
    """Write the registry; return the ids needed to make cases (points, cameras, types, units, districts)."""
    rng = random.Random(seed)
    counties, _city = admin_geojson()
    now = utcnow()
    with engine.begin() as conn:
        feats = {f["properties"]["name"]: f for f in counties["features"]}
        dist_ids: dict[str, int] = {}
        for name, f in feats.items():
            kind = "urban_district" if name.endswith("区") else "county"
            rings = _polygons(f)
            ring = max(rings, key=len)
            lon = sum(p[0] for p in ring) / len(ring)
            lat = sum(p[1] for p in ring) / len(ring)
            dist_ids[name] = conn.execute(insert(District).values(
                adcode=f["properties"]["adcode"], name=name, kind=kind, lon=lon, lat=lat)).inserted_primary_key[0]
        units: list[dict[str, Any]] = [{"code": f"U-B{i + 1:02d}", "name": n, "kind": "city_bureau"}
                                       for i, n in enumerate(BUREAUS)]
        for i, name in enumerate(dist_ids):
            units.append({"code": f"U-D{i + 1:02d}", "name": f"{name}人民政府", "kind": "district",
                          "district_id": dist_ids[name]})
        street_names = list(dist_ids)
        k = 0
        while len(units) < 116:
            d = street_names[k % len(street_names)]
            units.append({"code": f"U-S{k + 1:03d}", "name": f"{d[:2]}第{k // len(street_names) + 1}街道办事处",
                          "kind": "street_office", "district_id": dist_ids[d]})
            k += 1
        unit_ids = []
        for u in units:
            unit_ids.append(conn.execute(insert(ResponsibleUnit).values(**u)).inserted_primary_key[0])
        street_by_district: dict[int, list[int]] = {}
        for u, uid in zip(units, unit_ids):
            if u["kind"] == "street_office":
                street_by_district.setdefault(u["district_id"], []).append(uid)
        point_rows, point_meta = [], []
        n = 0
        for dname, count in POINTS_PER_DISTRICT.items():
            tight = 0.35 if dname in ("芗城区", "龙文区") else 0.8
            for _ in range(count):
                n += 1
                lon, lat = _random_point(rng, feats[dname], tight)
                cat = CATEGORIES[n % len(CATEGORIES)]
                point_rows.append({"code": f"P-{n:03d}", "name": f"{dname[:2]}{cat}{n:03d}", "category": cat,
                                   "district_id": dist_ids[dname], "lon": lon, "lat": lat})
                point_meta.append(dist_ids[dname])
        point_ids = [conn.execute(insert(MonitoringPoint).values(**r)).inserted_primary_key[0] for r in point_rows]
        conn.execute(insert(point_units), [
            {"point_id": pid, "unit_id": rng.choice(street_by_district[did])} for pid, did in zip(point_ids, point_meta)])
        health = list(CAMERA_HEALTH)
        rng.shuffle(health)
        cams = [(point_ids[0], 2)] + [(pid, 1) for pid in point_ids]
        cam_rows = [{"code": f"CAM-{i + 1:04d}", "name": f"监控{i + 1:04d}", "point_id": pid, "source_kind": "simulated",
                     "sample_every_s": 2.0, "zones": [], "enabled": True, "health": health[i],
                     "health_since": now, "last_frame_at": None} for i, (pid, _n) in enumerate(cams)]
        conn.execute(insert(Camera), cam_rows)
        conn.execute(insert(Indicator), [
            {"code": f"IND-{i + 1:03d}", "name": f"创建指标{i + 1:03d}", "creation_class": ["文明城市", "文明单位", "文明村镇",
                                                                                      "文明校园"][i % 4],
             "category": "城市管理", "target": 100.0, "measure": "%"} for i in range(130)])
        type_ids = []
        for i, name in enumerate(TYPE_NAMES):
            type_ids.append(conn.execute(insert(ProblemType).values(
                code=f"PT{i + 1:02d}", name=name, major_class="市容环境", camera_visible=i != 35,
                signals=["stationary_object"] if i != 35 else [], zone_kinds=["sidewalk"], deadline_value=24.0,
                deadline_unit="hours", default_unit_id=unit_ids[i % 20], params={})).inserted_primary_key[0])
    cam_ids = [r[0] for r in engine.connect().execute(Camera.__table__.select().with_only_columns(
        Camera.id, Camera.point_id).order_by(Camera.id)).all()]
    return {"points": point_ids, "point_district": point_meta, "cameras": cam_ids, "types": type_ids,
            "units": unit_ids, "street_by_district": street_by_district}


CASE_COLS = ["id", "code", "source", "state", "problem_type_id", "point_id", "camera_id", "district_id", "unit_id",
             "found_at", "accepted_at", "dispatched_at", "deadline_at", "handled_at", "verified_at", "closed_at",
             "rework_count", "extension_count", "return_count", "escalated", "last_seq", "updated_at"]
TRANSITION_COLS = ["case_id", "seq", "action", "from_state", "to_state", "actor", "actor_role", "at", "data"]
OBS_COLS = ["camera_id", "problem_type_id", "case_id", "observed_at", "score", "x1", "y1", "x2", "y2"]
_STEPS = [("accept", "found", "accepted"), ("dispatch", "accepted", "dispatched"),
          ("report", "dispatched", "rectified"), ("verify", "rectified", "verified"), ("close", "verified", "closed")]


def generate_cases(city: dict[str, Any], n: int, *, years: float = 3.0, now: datetime | None = None,
                   seed: int = 11, start_id: int = 1) -> tuple[list[tuple], list[tuple]]:
    """``n`` cases found over the last ``years`` years (older ones closed, recent ones in every state)."""
    rng = random.Random(seed)
    now = now or utcnow()
    span = years * 365 * 86400
    cases, transitions = [], []
    points, pdist = city["points"], city["point_district"]
    for k in range(n):
        cid = start_id + k
        # more cases recently (the platform grew), and a share of them in the last days
        age = span * (rng.random() ** 1.6) if rng.random() > 0.03 else rng.random() * 3 * 86400
        found = now - timedelta(seconds=age)
        i = rng.randrange(len(points))
        did = pdist[i]
        unit = rng.choice(city["street_by_district"][did]) if rng.random() < 0.8 else rng.choice(city["units"][:20])
        ptype = city["types"][min(int(rng.expovariate(0.12)), len(city["types"]) - 1)]
        times = [found]
        t = found
        for gap in (rng.uniform(60, 900), rng.uniform(60, 1800), rng.uniform(1800, 30 * 3600),
                    rng.uniform(600, 6 * 3600), rng.uniform(600, 12 * 3600)):
            t = t + timedelta(seconds=gap)
            times.append(t)
        reached = sum(1 for x in times[1:] if x <= now)
        if rng.random() < 0.008:
            reached = min(reached, 2)  # a few never get handled
        invalid = rng.random() < 0.01 and reached >= 1
        state = "invalid" if invalid else ["found", "accepted", "dispatched", "rectified", "verified", "closed"][reached]
        stamp = [times[j + 1] if j < reached else None for j in range(5)]
        deadline = stamp[1] + timedelta(hours=24) if stamp[1] else None
        last = times[reached]
        seq = reached + 1 + (1 if invalid else 0)
        cases.append((cid, f"C{cid:08d}", "camera", state, ptype, points[i], None, did, unit if stamp[1] else None,
                      found, stamp[0], stamp[1], deadline, stamp[2], stamp[3], stamp[4], 0, 0, 0, False, seq,
                      last))
        transitions.append((cid, 1, "open", None, "found", "detector", "system", found, "{}"))
        for j in range(reached):
            action, a, b = _STEPS[j]
            transitions.append((cid, j + 2, action, a, b, "bench", "supervisor", times[j + 1], "{}"))
        if invalid:
            before = ["found", "accepted", "dispatched", "rectified", "verified", "closed"][reached]
            transitions.append((cid, reached + 2, "invalidate", before, "invalid", "bench", "supervisor", last, "{}"))
    # ids in the order cases were found, as a live system makes them
    order = sorted(range(len(cases)), key=lambda j: cases[j][9])
    new_id = {cases[j][0]: start_id + r for r, j in enumerate(order)}
    cases = sorted(((new_id[c[0]], f"C{new_id[c[0]]:08d}") + c[2:] for c in cases), key=lambda c: c[0])
    transitions = [(new_id[t[0]],) + t[1:] for t in transitions]
    return cases, transitions


def generate_observations(city: dict[str, Any], cases: list[tuple], m: int, *, seed: int = 13) -> Iterable[tuple]:
    """``m`` detector hits: three per case at its finding, the rest spread as unconfirmed hits."""
    rng = random.Random(seed)
    cams = city["cameras"]
    made = 0
    for c in cases:
        for j in range(3):
            if made >= m:
                return
            made += 1
            yield (rng.choice(cams), c[4], c[0], c[9] - timedelta(seconds=10 * (3 - j)), 0.8, 0.1, 0.5, 0.3, 0.8)
    first = min(c[9] for c in cases) if cases else utcnow() - timedelta(days=1)
    span = (utcnow() - first).total_seconds()
    while made < m:
        made += 1
        yield (rng.choice(cams), rng.choice(city["types"]), None, first + timedelta(seconds=rng.random() * span),
               round(rng.random(), 3), 0.2, 0.4, 0.35, 0.7)


def bulk_insert(engine: Engine, table, cols: list[str], rows: Iterable[tuple], *, chunk: int = 20_000,
                progress: Callable[[int], None] | None = None) -> int:
    """Insert ``rows`` fast: PostgreSQL ``COPY``; SQLite executemany in chunks. Returns rows written."""
    total = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
                    total += 1
                    if progress and total % chunk == 0:
                        progress(chunk)
            if table.name == "cases":
                cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            raw.commit()
        finally:
            raw.close()
        if progress:
            progress(total % chunk)
        return total
    # SQLite: the DB-API's executemany with values converted as the column types would store them
    # (UTC timestamps as naive text, JSON as text), far faster than row-by-row type processing
    from models.types import UTCDateTime

    conv: list[Callable[[Any], Any] | None] = []
    for name in cols:
        col_type = table.c[name].type
        if isinstance(col_type, UTCDateTime):
            conv.append(lambda v: None if v is None else
                        v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"))
        elif isinstance(col_type, JSON):
            conv.append(lambda v: v if v is None or isinstance(v, str) else json.dumps(v))
        elif isinstance(col_type, Boolean):
            conv.append(lambda v: None if v is None else int(v))
        else:
            conv.append(None)
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        batch: list[tuple] = []
        for row in rows:
            batch.append(tuple(v if f is None else f(v) for f, v in zip(conv, row)))
            if len(batch) >= chunk:
                cur.executemany(sql, batch)
                total += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            cur.executemany(sql, batch)
            total += len(batch)
            if progress:
                progress(len(batch))
        raw.commit()
    finally:
        raw.close()
    return total


def fill(engine: Engine, *, cases: int, observations: int, years: float = 3.0, seed: int = 7,
         progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Registry + ``cases`` cases with transitions + ``observations`` observations. Returns the city ids."""
    city = make_city(engine, seed=seed)
    case_rows, trans_rows = generate_cases(city, cases, years=years, seed=seed + 1)
    bulk_insert(engine, Case.__table__, CASE_COLS, case_rows, progress=progress)
    bulk_insert(engine, CaseTransition.__table__, TRANSITION_COLS, trans_rows, progress=progress)
    bulk_insert(engine, Observation.__table__, OBS_COLS,
                generate_observations(city, case_rows, observations, seed=seed + 2), progress=progress)
    city["rows"] = {"cases": len(case_rows), "transitions": len(trans_rows), "observations": observations}
    return city
