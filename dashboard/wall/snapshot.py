"""The wall's shared snapshot: ONE computation per tick, served to every wall browser.

:class:`WallSnapshotService` computes :func:`compute_snapshot` at most once per ``config.wall.tick_s``
(guarded by a lock; while one request computes, others get the previous snapshot at once), so 50 wall
screens cost one query set per tick, not fifty.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, case, event, func, or_, select, text
from sqlalchemy.orm import Session

from models.cases import Case, CaseState, Evidence
from models.clock import LOCAL_TZ, as_utc, fmt_local, utcnow
from models.context import AppContext
from models.registry import Camera, District, MonitoringPoint, ProblemType, ResponsibleUnit
from models.types import UTCDateTime

log = logging.getLogger(__name__)

# the same meaning as models.kpi: open = not closed and not invalid; overdue = at the unit, deadline passed
OPEN_STATES = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
               CaseState.RECTIFIED.value, CaseState.VERIFIED.value)
DUE_STATES = (CaseState.DISPATCHED.value,)
HANDLED_STATES = (CaseState.VERIFIED.value, CaseState.CLOSED.value)
FLOW_STATES = ("found", "accepted", "dispatched", "rectified", "verified", "closed")
FAULTY_HEALTH = ("frozen", "black", "faulty", "error", "blurred", "tampered", "moved", "degraded")
STUCK_AFTER = timedelta(hours=24)
EVENT_ROWS = 7
RANK_ROWS = 5
MIN_RANK_VOLUME = 3  # a district/unit needs this many dispatched cases to be ranked


@dataclass(frozen=True)
class Registry:
    """The static part of the wall (points and districts in a fixed order); reloaded rarely."""

    key: str
    point_ids: list[int]
    point_names: list[str]
    point_district: list[str]
    lon: list[float]
    lat: list[float]
    district_ids: list[int]
    district_adcodes: list[str]
    district_names: list[str]


def load_registry(session: Session) -> Registry:
    pts = session.execute(
        select(MonitoringPoint.id, MonitoringPoint.name, District.name, MonitoringPoint.lon, MonitoringPoint.lat)
        .join(District, District.id == MonitoringPoint.district_id)
        .order_by(MonitoringPoint.id)
    ).all()
    dists = session.execute(select(District.id, District.adcode, District.name).order_by(District.id)).all()
    key = hashlib.sha1(json.dumps([[p[0], p[3], p[4]] for p in pts] + [list(d) for d in dists],
                                  ensure_ascii=False).encode()).hexdigest()[:12]
    return Registry(
        key=key,
        point_ids=[p[0] for p in pts], point_names=[p[1] for p in pts], point_district=[p[2] for p in pts],
        lon=[float(p[3]) for p in pts], lat=[float(p[4]) for p in pts],
        district_ids=[d[0] for d in dists], district_adcodes=[d[1] for d in dists],
        district_names=[d[2] for d in dists],
    )


def local_day_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def local_year_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def _kpi(session: Session, now: datetime) -> dict[str, Any]:
    from models.kpi import summary  # the one definition of the headline figures (GET /api/v1/summary)

    return summary(session, now)


@dataclass
class OpenCases:
    """The open cases (few: most cases are closed), read once per tick and counted in Python."""

    rows: list[tuple]  # (point_id, district_id, state, overdue, stuck, how many)


def _open_cases_sql(dialect: str):
    # SQLite's statistics only know that the average state is common, so it scans the whole table for
    # ``state IN (…)``; open cases are rare: tell it to use the state index. (PostgreSQL knows the skew.)
    # Times are compared in SQL: parsing two timestamps per row in Python cost more than the query.
    c = Case.__table__.c
    hint = " INDEXED BY ix_cases_state" if dialect == "sqlite" else ""
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)  # constants from CaseState, not user input
    due = ", ".join(f"'{s}'" for s in DUE_STATES)
    return text(
        f"SELECT point_id, district_id, state, overdue, stuck, count(*) AS n FROM ("
        f"SELECT point_id, district_id, state, "
        f"CASE WHEN state IN ({due}) AND deadline_at < :now THEN 1 ELSE 0 END AS overdue, "
        f"CASE WHEN updated_at < :stuck THEN 1 ELSE 0 END AS stuck "
        f"FROM cases{hint} WHERE state IN ({states})) AS o "
        f"GROUP BY point_id, district_id, state, overdue, stuck"
    ).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("stuck", type_=UTCDateTime())).columns(
        c.point_id, c.district_id, c.state)


def _open_cases(session: Session, now: datetime) -> OpenCases:
    rows = session.execute(_open_cases_sql(session.get_bind().dialect.name),
                           {"now": now, "stuck": now - STUCK_AFTER}).all()
    return OpenCases([(pid, did, state, bool(od), bool(st), int(n)) for pid, did, state, od, st, n in rows])


def _point_states(session: Session, reg: Registry, open_cases: OpenCases) -> tuple[list[str], dict[str, int]]:
    open_by_point: dict[int, list[int]] = {}
    for pid, _did, _state, overdue, _stuck, n in open_cases.rows:
        if pid is not None:
            acc = open_by_point.setdefault(pid, [0, 0])
            acc[0] += n
            acc[1] += n if overdue else 0
    faulty: set[int] = set()
    for pid, health, enabled in session.execute(select(Camera.point_id, Camera.health, Camera.enabled)):
        if health in ("offline",) + FAULTY_HEALTH or not enabled:
            faulty.add(pid)
    states = []
    for pid in reg.point_ids:
        n, od = open_by_point.get(pid, (0, 0))
        states.append("overdue" if od else "open" if n else "offline" if pid in faulty else "normal")
    counts = {k: states.count(k) for k in ("normal", "open", "overdue", "offline")}
    return states, counts


def _district_open(reg: Registry, open_cases: OpenCases) -> list[int]:
    by: dict[int, int] = defaultdict(int)
    for _pid, did, _state, _overdue, _stuck, n in open_cases.rows:
        by[did] += n
    return [by.get(did, 0) for did in reg.district_ids]


def _reached(session: Session, since: datetime) -> list[int]:
    """How many cases found since ``since`` reached each stage 发现 → … → 销号."""
    row = session.execute(
        select(func.count(), func.count(Case.accepted_at), func.count(Case.dispatched_at),
               func.count(Case.handled_at), func.count(Case.verified_at), func.count(Case.closed_at))
        .where(Case.found_at >= since)
    ).one()
    return [int(v or 0) for v in row]


def _flow_now(open_cases: OpenCases) -> dict[str, list[int]]:
    """Per stage: cases sitting there now, of them stuck (> 24 h without a step) and overdue."""
    by = {s: [0, 0, 0] for s in FLOW_STATES}
    for _pid, _did, state, overdue, stuck, n in open_cases.rows:
        if state in by:
            by[state][0] += n
            by[state][1] += n if stuck else 0
            by[state][2] += n if overdue else 0
    return {
        "now": [by[s][0] for s in FLOW_STATES[:-1]] + [0],
        "stuck": [by[s][1] for s in FLOW_STATES[:-1]] + [0],
        "overdue": [by[s][2] for s in FLOW_STATES[:-1]] + [0],
    }


def _events(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Case.id, Case.code, Case.state, Case.found_at, Case.deadline_at, ProblemType.name,
               MonitoringPoint.name, District.name)
        .join(ProblemType, ProblemType.id == Case.problem_type_id)
        .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id)
        .outerjoin(District, District.id == Case.district_id)
        .order_by(Case.id.desc())
        .limit(EVENT_ROWS)
    ).all()
    ids = [r[0] for r in rows]
    thumbs: dict[int, int] = {}
    if ids:
        thumbs = dict(session.execute(
            select(Evidence.case_id, func.min(Evidence.id)).where(Evidence.case_id.in_(ids), Evidence.kind != "citizen")
            .group_by(Evidence.case_id)
        ).all())
    out = []
    for cid, code, state, found_at, deadline, type_name, point, district in rows:
        overdue = state in DUE_STATES and deadline is not None and as_utc(deadline) < now
        out.append({
            "id": cid, "code": code, "state": "overdue" if overdue else state, "type": type_name,
            "point": point or district or "", "district": district or "",
            "time": fmt_local(found_at, "%H:%M:%S") if found_at and as_utc(found_at) >= local_day_start(now)
            else fmt_local(found_at, "%m-%d %H:%M"),
            "evidence": thumbs.get(cid),
        })
    return out


def _day_expr(col, dialect: str):
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", col), "YYYY-MM-DD")
    return func.date(col, "+8 hours")  # SQLite: stored UTC text → Asia/Shanghai date (no DST in China)


def _trend(session: Session, now: datetime, dialect: str) -> dict[str, list]:
    start = local_day_start(now) - timedelta(days=29)
    days = [(start + timedelta(days=i)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d") for i in range(30)]
    found_day = _day_expr(Case.found_at, dialect)
    handled_day = _day_expr(Case.handled_at, dialect)
    found = dict(session.execute(
        select(found_day, func.count()).where(Case.found_at >= start).group_by(found_day)).all())
    handled = dict(session.execute(
        select(handled_day, func.count()).where(Case.handled_at >= start).group_by(handled_day)).all())
    return {"days": [d[5:] for d in days], "found": [int(found.get(d, 0)) for d in days],
            "rectified": [int(handled.get(d, 0)) for d in days]}


def _types(session: Session, now: datetime) -> dict[str, list]:
    rows = session.execute(
        select(ProblemType.name, func.count().label("n"))
        .join(Case, Case.problem_type_id == ProblemType.id)
        .where(Case.found_at >= now - timedelta(days=30))
        .group_by(ProblemType.name)
        .order_by(func.count().desc(), ProblemType.name)
        .limit(10)
    ).all()
    return {"names": [r[0] for r in rows], "counts": [int(r[1]) for r in rows]}


def _rate(handled: int, dispatched: int) -> float | None:
    return None if dispatched == 0 else round(100.0 * handled / dispatched, 2)


def _rankings(session: Session, now: datetime, reg: Registry) -> dict[str, list[dict[str, Any]]]:
    """Positive framing only: the best results and the most improved (no "worst" list)."""
    # the same definitions as models.kpi: dispatched = first dispatched in the period and not invalid;
    # handled = rectification accepted (复核通过 / 销号); on time = handled by the deadline;
    # due = handled or its deadline passed (a unit whose cases are all still within their deadline has
    # nothing to be judged on yet and is not ranked: it would stand there with "0.00% · 0件")
    year_start = local_year_start(now)
    recent = now - timedelta(days=30)
    before = now - timedelta(days=60)
    handled = Case.state.in_(HANDLED_STATES)
    ontime = case((and_(handled, Case.deadline_at.is_not(None), Case.handled_at <= Case.deadline_at), 1), else_=0)
    due = case((or_(handled, Case.deadline_at < now), 1), else_=0)
    period = case((Case.dispatched_at >= recent, 1), (Case.dispatched_at >= before, 2), else_=0)
    in_year = case((Case.dispatched_at >= year_start, 1), else_=0)
    rows = session.execute(  # ONE pass over the period's dispatched cases
        select(Case.district_id, Case.unit_id, in_year, period, func.count(), func.sum(case((handled, 1), else_=0)),
               func.sum(ontime), func.sum(due))
        .where(Case.dispatched_at >= min(year_start, before), Case.dispatched_at <= now,
               Case.state != CaseState.INVALID.value)
        .group_by(Case.district_id, Case.unit_id, in_year, period)
    ).all()
    dist_year: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    unit_year: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    dist_period: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for did, uid, year, per, d, h, o, u in rows:
        if year:
            for acc, key in ((dist_year, did), (unit_year, uid)):
                if key is not None:
                    acc[key][0] += int(d)
                    acc[key][1] += int(h or 0)
                    acc[key][2] += int(o or 0)
                    acc[key][3] += int(u or 0)
        if did is not None and per:
            dist_period[(did, per)][0] += int(d)
            dist_period[(did, per)][1] += int(h or 0)
    names = dict(zip(reg.district_ids, reg.district_names))

    def ranked(acc: dict[int, list[int]], label) -> list[dict[str, Any]]:
        items = []
        for key, (d, h, o, u) in acc.items():
            if d >= MIN_RANK_VOLUME and u > 0:
                items.append({"name": label(key), "rate": _rate(h, d), "ontime": _rate(o, d), "handled": h,
                              "dispatched": d})
        items.sort(key=lambda x: (-(x["rate"] or 0), -(x["ontime"] or 0), -x["handled"], x["name"]))
        return items[:RANK_ROWS]

    unit_names = dict(session.execute(
        select(ResponsibleUnit.id, ResponsibleUnit.name).where(ResponsibleUnit.id.in_(list(unit_year)))
    ).all()) if unit_year else {}
    improved = []
    for did in reg.district_ids:
        d1, h1 = dist_period.get((did, 1), [0, 0])
        d2, h2 = dist_period.get((did, 2), [0, 0])
        if d1 >= MIN_RANK_VOLUME and d2 >= MIN_RANK_VOLUME:
            gain = round(_rate(h1, d1) - _rate(h2, d2), 2)
            if gain > 0:
                improved.append({"name": names.get(did, "?"), "gain": gain, "rate": _rate(h1, d1)})
    improved.sort(key=lambda x: (-x["gain"], x["name"]))
    return {
        "districts": ranked(dist_year, lambda k: names.get(k, "?")),
        "units": ranked(unit_year, lambda k: unit_names.get(k, "?")),
        "improved": improved[:RANK_ROWS],
    }


def _cameras(session: Session) -> dict[str, int]:
    out = {"online": 0, "offline": 0, "faulty": 0, "unknown": 0, "total": 0}
    last = None
    for health, enabled, n in session.execute(
        select(Camera.health, Camera.enabled, func.count()).group_by(Camera.health, Camera.enabled)
    ):
        out["total"] += n
        if not enabled or health == "offline":
            out["offline"] += n
        elif health == "online":
            out["online"] += n
        elif health in FAULTY_HEALTH:
            out["faulty"] += n
        else:
            out["unknown"] += n
    return out


def _last_frame_db(session: Session) -> datetime | None:
    value = session.scalar(select(func.max(Camera.last_frame_at)))
    return None if value is None else as_utc(value)


SLOW_SECTIONS = ("flow_year", "trend", "types", "rank")


def compute_slow(session: Session, now: datetime, reg: Registry, dialect: str) -> dict[str, Any]:
    """The year/30-day aggregates: they move slowly, so they are recomputed every ``slow_every_s``."""
    return {
        "flow_year": _reached(session, local_year_start(now)),
        "trend": _trend(session, now, dialect),
        "types": _types(session, now),
        "rank": _rankings(session, now, reg),
    }


def compute_snapshot(session: Session, now: datetime, reg: Registry, dialect: str,
                     slow: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything one wall tick shows, as JSON-able data (no figures). ``slow``: the last
    :func:`compute_slow` result (computed now when not given)."""
    slow = slow or compute_slow(session, now, reg, dialect)
    kpi = _kpi(session, now)
    open_cases = _open_cases(session, now)
    states, state_counts = _point_states(session, reg, open_cases)
    return {
        "registry": reg.key,
        "kpi": kpi,
        "points": states,
        "point_counts": state_counts,
        "district_open": _district_open(reg, open_cases),
        "flow": {"year": slow["flow_year"], "today": _reached(session, local_day_start(now)),
                 **_flow_now(open_cases)},
        "events": _events(session, now),
        "trend": slow["trend"],
        "types": slow["types"],
        "rank": slow["rank"],
        "cameras": _cameras(session),
        "last_frame_db": _last_frame_db(session),
    }


class WallSnapshotService:
    """Computes the snapshot at most once per tick and shares it between all wall clients."""

    def __init__(self, ctx: AppContext, *, registry_ttl_s: float = 60.0, slow_every_s: float = 15.0):
        self.ctx = ctx
        self.slow_every_s = slow_every_s
        self._slow: dict[str, Any] | None = None
        self._slow_at = 0.0
        self._slow_running = False
        self.last_slow_ms = 0.0
        self.tick_s = float(ctx.config.wall.tick_s)
        self.registry_ttl_s = registry_ttl_s
        self._lock = threading.Lock()
        self._snapshot: dict[str, Any] | None = None
        self._at = 0.0
        self._registry: Registry | None = None
        self._registry_at = 0.0
        self._content_hash = ""
        self.version = 0
        self.computations = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_ms = 0.0
        self._frames_seen = (-1, 0.0)  # (put_count, monotonic time it last changed)
        # a case written in this process makes the next tick recompute at once (no waiting out the tick)
        event.listen(ctx.sessions, "after_flush", self._after_flush)
        event.listen(ctx.sessions, "after_commit", self._after_commit)

    @staticmethod
    def _after_flush(session: Session, _flush_context) -> None:
        if any(isinstance(o, Case) for o in list(session.new) + list(session.dirty)):
            session.info["wall_dirty"] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("wall_dirty", False):
            self._at = 0.0

    # -- registry -------------------------------------------------------------------------------------
    def registry(self) -> Registry:
        now = time.monotonic()
        if self._registry is None or now - self._registry_at > self.registry_ttl_s:
            with self.ctx.sessions() as s:
                self._registry = load_registry(s)
            self._registry_at = now
        return self._registry

    # -- pipeline liveness ----------------------------------------------------------------------------
    def _last_frame(self, db_value: datetime | None) -> tuple[datetime | None, bool]:
        """Newest frame time known, and whether any frame source is known to run at all."""
        candidates: list[datetime] = []
        running = False
        count = getattr(self.ctx.frames, "put_count", 0)
        prev_count, changed_at = self._frames_seen
        mono = time.monotonic()
        if count != prev_count:
            self._frames_seen = (count, mono)
            changed_at = mono
        if count > 0:
            running = True
            candidates.append(utcnow() - timedelta(seconds=mono - changed_at))
        for name, status in list(self.ctx.status.items()):
            if name == "wall":
                continue
            try:
                info = status()
            except Exception:  # noqa: BLE001 - a failing service must not blank the wall
                continue
            value = info.get("last_frame_at") if isinstance(info, dict) else None
            if value:
                running = True
                try:
                    candidates.append(as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value)))
                except (TypeError, ValueError):
                    pass
        if db_value is not None:
            candidates.append(db_value)
        return (max(candidates) if candidates else None), running

    def _pipeline(self, db_value: datetime | None, now: datetime) -> dict[str, Any]:
        last, _running = self._last_frame(db_value)
        if last is None:
            return {"state": "not_running", "last_frame_at": "", "age_s": None}
        age = max(0.0, (now - last).total_seconds())
        stale = age > float(self.ctx.config.wall.stale_after_s)
        return {"state": "stale" if stale else "ok", "last_frame_at": fmt_local(last), "age_s": round(age)}

    # -- the tick -------------------------------------------------------------------------------------
    def _compute(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        now = utcnow()
        reg = self.registry()
        dialect = self.ctx.engine.dialect.name
        with self.ctx.sessions() as s:
            if self._slow is None:
                self.refresh_slow()
            elif time.monotonic() - self._slow_at >= self.slow_every_s:
                self._start_slow_refresh()
            data = compute_snapshot(s, now, reg, dialect, self._slow)
        pipeline = self._pipeline(data.pop("last_frame_db"), now)
        from .update import digests

        data["digests"] = digests(data)
        digest = "".join(data["digests"][k] for k in sorted(data["digests"])) + data["registry"]
        if digest != self._content_hash:
            self._content_hash = digest
            self.version += 1
        self.last_ms = (time.perf_counter() - t0) * 1000
        self.computations += 1
        data.update({
            "version": self.version,
            "computed_at": fmt_local(now, "%H:%M:%S"),
            "computed_at_iso": now.isoformat(),
            "pipeline": pipeline,
            "db_ok": True,
            "_reg": reg,  # the registry these arrays are aligned with (never sent to browsers)
        })
        return data

    def refresh_slow(self) -> None:
        """Recompute the slow sections (year funnel, 30-day trend, top types, rankings)."""
        t0 = time.perf_counter()
        try:
            with self.ctx.sessions() as s:
                self._slow = compute_slow(s, utcnow(), self.registry(), self.ctx.engine.dialect.name)
            self._slow_at = time.monotonic()
            self.last_slow_ms = (time.perf_counter() - t0) * 1000
        finally:
            self._slow_running = False

    def _start_slow_refresh(self) -> None:
        """Refresh the slow sections in a background thread: ticks never wait for them."""
        if self._slow_running:
            return
        self._slow_running = True
        self._slow_at = time.monotonic()  # not again before this one is done and slow_every_s has passed

        def run():
            try:
                self.refresh_slow()
                self._at = 0.0  # show the fresh aggregates at the next tick
            except Exception as exc:  # noqa: BLE001 - keep the previous aggregates, try again later
                log.warning("wall slow sections failed: %s", exc)

        threading.Thread(target=run, name="wall-slow-sections", daemon=True).start()

    def get(self) -> dict[str, Any]:
        """The current snapshot (recomputed if older than one tick)."""
        if self._snapshot is not None and time.monotonic() - self._at < self.tick_s:
            return self._snapshot
        if not self._lock.acquire(blocking=self._snapshot is None):
            return self._snapshot  # another request is computing: serve the previous tick now
        try:
            if self._snapshot is not None and time.monotonic() - self._at < self.tick_s:
                return self._snapshot
            try:
                snap = self._compute()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the wall keeps the last data and says so
                self.failures += 1
                self.last_error = type(exc).__name__
                log.warning("wall snapshot failed: %s", exc)
                if self._snapshot is None:
                    raise
                snap = dict(self._snapshot, db_ok=False)
            self._snapshot = snap
            self._at = time.monotonic()
            return snap
        finally:
            self._lock.release()

    def status(self) -> dict[str, Any]:
        """Live status for /healthz (``ctx.status["wall"]``)."""
        snap = self._snapshot or {}
        return {
            "ok": self.last_error is None,
            "version": self.version,
            "computations": self.computations,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_compute_ms": round(self.last_ms, 1),
            "last_slow_sections_ms": round(self.last_slow_ms, 1),
            "snapshot_age_s": None if not self._at else round(time.monotonic() - self._at, 1),
            "pipeline": snap.get("pipeline", {}).get("state"),
        }


_services_lock = threading.Lock()


def service_for(ctx: AppContext) -> WallSnapshotService:
    """The one snapshot service of ``ctx`` (created on first use and published in ``ctx.status``)."""
    with _services_lock:
        svc = getattr(ctx, "_wall_snapshot_service", None)
        if svc is None:
            svc = WallSnapshotService(ctx)
            object.__setattr__(ctx, "_wall_snapshot_service", svc)
            ctx.status["wall"] = svc.status
        return svc
