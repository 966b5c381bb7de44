"""Hot spots — 问题高发: where and when do problems recur?

All figures count the cases *found* (发现) in a period, not invalidated (作废), by local (Asia/Shanghai) time:

- :func:`point_hour_matrix`: point × hour-of-day counts for the points with most cases;
- :func:`weekday_hour_matrix`: weekday × hour-of-day counts (when in the week problems appear);
- :func:`recurring_pairs`: (point, problem type) pairs with their case count and *recurrences* — cases linked
  to an earlier case of the same problem through ``Case.previous_case_id`` (the problem came back after
  being closed) — most recurrent first;
- :func:`point_totals`: cases and recurrences per point.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import as_utc, to_local, utcnow
from .registry import MonitoringPoint, ProblemType
from .reports import Period

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _found(session: Session, period: Period, now: datetime | None, *cols):
    end = min(period.end, as_utc(now or utcnow()))
    return session.execute(select(*cols, Case.found_at).where(
        Case.found_at >= period.start, Case.found_at < end, Case.state != CaseState.INVALID.value))


def _point_names(session: Session) -> dict[int, tuple[str, str]]:
    return {pid: (code, name) for pid, code, name in
            session.execute(select(MonitoringPoint.id, MonitoringPoint.code, MonitoringPoint.name))}


def point_hour_matrix(session: Session, period: Period, now: datetime | None = None,
                      top: int = 15) -> dict[str, Any]:
    """Cases per point and local hour (0–23) for the ``top`` points with most cases.

    Returns ``{"points": [{"id", "code", "name", "total"}], "hours": [0..23], "z": [[count per hour] per
    point]}`` (points ordered by total, most first; cases without a point are left out).
    """
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 24)
    for point_id, found_at in _found(session, period, now, Case.point_id):
        if point_id is not None:
            counts[point_id][to_local(found_at).hour] += 1
    label = _point_names(session)
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), label.get(kv[0], ("", ""))[0]))[:top]
    return {
        "points": [{"id": pid, "code": label.get(pid, ("", ""))[0], "name": label.get(pid, ("", str(pid)))[1],
                    "total": sum(row)} for pid, row in ranked],
        "hours": list(range(24)),
        "z": [row for _, row in ranked],
    }


def weekday_hour_matrix(session: Session, period: Period, now: datetime | None = None) -> list[list[int]]:
    """7 × 24 counts: cases found per local weekday (Monday first) and hour."""
    z = [[0] * 24 for _ in range(7)]
    for (found_at,) in _found(session, period, now):
        local = to_local(found_at)
        z[local.weekday()][local.hour] += 1
    return z


def peak_hours(matrix: dict[str, Any], top: int = 3) -> list[int]:
    """The hours of day with most cases over the matrix's points (most first)."""
    totals = [sum(row[h] for row in matrix["z"]) for h in range(24)]
    return [h for h in sorted(range(24), key=lambda h: (-totals[h], h)) if totals[h] > 0][:top]


def recurring_pairs(session: Session, period: Period, now: datetime | None = None,
                    top: int = 10) -> list[dict[str, Any]]:
    """(point, type) pairs by recurrences (cases with ``previous_case_id``), then by case count.

    Rows: point_id, point_code, point, type_id, type, cases, recurrences, peak_hour (local hour with most
    cases of the pair). Only pairs with at least one recurrence are listed.
    """
    cases: Counter = Counter()
    recur: Counter = Counter()
    hours: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for point_id, type_id, prev, found_at in _found(session, period, now, Case.point_id, Case.problem_type_id,
                                                    Case.previous_case_id):
        if point_id is None:
            continue
        key = (point_id, type_id)
        cases[key] += 1
        if prev is not None:
            recur[key] += 1
        hours[key][to_local(found_at).hour] += 1
    label = _point_names(session)
    tnames = dict(session.execute(select(ProblemType.id, ProblemType.name)).all())
    rows = []
    for (pid, tid), n in cases.items():
        if not recur[(pid, tid)]:
            continue  # 反复发生: only pairs that did recur
        code, pname = label.get(pid, ("", str(pid)))
        peak = sorted(hours[(pid, tid)].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        rows.append({"point_id": pid, "point_code": code, "point": pname, "type_id": tid,
                     "type": tnames.get(tid, str(tid)), "cases": n, "recurrences": recur[(pid, tid)],
                     "peak_hour": peak})
    rows.sort(key=lambda r: (-r["recurrences"], -r["cases"], r["point_code"], r["type"]))
    return rows[:top]


def point_totals(session: Session, period: Period, now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per point id: ``{"cases": n, "recurrences": m}`` for the period."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"cases": 0, "recurrences": 0})
    for point_id, prev, _ in _found(session, period, now, Case.point_id, Case.previous_case_id):
        if point_id is None:
            continue
        out[point_id]["cases"] += 1
        out[point_id]["recurrences"] += prev is not None
    return dict(out)


def point_history(session: Session, point_id: int, now: datetime | None = None, months: int = 12,
                  days: int = 90) -> dict[str, Any]:
    """One point's history: cases found per local month (last ``months``), per hour of day and per problem
    type with recurrences (last ``days``)."""
    from datetime import timedelta

    now = as_utc(now or utcnow())
    local_now = to_local(now)
    keys = []
    y, m = local_now.year, local_now.month
    for _ in range(months):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    keys.reverse()
    by_month = dict.fromkeys(keys, 0)
    hours = [0] * 24
    types: Counter = Counter()
    recur: Counter = Counter()
    recent = now - timedelta(days=days)
    first_month = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=local_now.tzinfo)
    q = select(Case.found_at, Case.problem_type_id, Case.previous_case_id).where(
        Case.point_id == point_id, Case.state != CaseState.INVALID.value,
        Case.found_at >= min(as_utc(first_month), recent))
    for found_at, type_id, prev in session.execute(q):
        local = to_local(found_at)
        k = f"{local.year:04d}-{local.month:02d}"
        if k in by_month:
            by_month[k] += 1
        if as_utc(found_at) >= recent:
            hours[local.hour] += 1
            types[type_id] += 1
            recur[type_id] += prev is not None
    tnames = dict(session.execute(select(ProblemType.id, ProblemType.name)).all())
    return {"months": list(by_month.items()), "hours": hours,
            "types": sorted(({"type": tnames.get(t, str(t)), "cases": n, "recurrences": recur[t]}
                             for t, n in types.items()), key=lambda r: (-r["recurrences"], -r["cases"], r["type"]))}
