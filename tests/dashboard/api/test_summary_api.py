"""The seed's headline through the API: 2,832 dispatched, 2,828 handled → 整改率 99.86 %."""
from __future__ import annotations

from datetime import timedelta

import json

from dashboard.wall.synthetic import bulk_insert

from models.cases import Case, CaseTransition
from models.clock import utcnow
from models.kpi_replay import load_log, summary_from_log
from models.kpi_report import local_midnight

STEPS_HANDLED = [("open", None, "found"), ("accept", "found", "accepted"), ("dispatch", "accepted", "dispatched"),
                 ("rectify", "dispatched", "rectified"), ("verify", "rectified", "verified"),
                 ("close", "verified", "closed")]


def _bulk_cases(ctx, *, dispatched: int, handled: int, unit_id: int, type_id: int, point_id: int, district_id: int):
    """Insert ``dispatched`` cases with complete logs in bulk (COPY / executemany); ``handled`` of them closed."""
    now = utcnow()
    year0 = local_midnight(now, year_start=True)
    t0 = year0 + (now - year0) / 2  # inside this year, in the past
    cases, transitions = [], []
    for i in range(1, dispatched + 1):
        steps = STEPS_HANDLED if i <= handled else STEPS_HANDLED[:3]
        times = [t0 + timedelta(minutes=k) for k in range(len(steps))]
        deadline = t0 + timedelta(hours=4) if i <= handled else now - timedelta(hours=1)  # the open ones overdue
        state = steps[-1][2]
        cases.append(dict(
            id=i, code=f"AJ-SEED-{i:05d}", source="camera", state=state, problem_type_id=type_id, point_id=point_id,
            district_id=district_id, unit_id=unit_id, found_at=times[0], accepted_at=times[1], dispatched_at=times[2],
            deadline_at=deadline, handled_at=times[3] if i <= handled else None,
            verified_at=times[4] if i <= handled else None, closed_at=times[5] if i <= handled else None,
            rework_count=0, extension_count=0, return_count=0, escalated=False, last_seq=len(steps),
            updated_at=times[-1]))
        for seq, ((action, frm, to), at) in enumerate(zip(steps, times), start=1):
            data = {"unit_id": unit_id, "deadline": deadline.isoformat()} if action == "dispatch" else {}
            transitions.append(dict(case_id=i, seq=seq, action=action, from_state=frm, to_state=to, actor="seed",
                                    actor_role="system", at=at, note=None, data=data))
    for t in transitions:
        t["data"] = json.dumps(t["data"])
    for table, rows in ((Case.__table__, cases), (CaseTransition.__table__, transitions)):
        cols = list(rows[0])
        bulk_insert(ctx.engine, table, cols, (tuple(r[c] for c in cols) for r in rows))  # COPY on PostgreSQL
    return now


def test_seed_headline_2832_dispatched_2828_handled_is_99_86_percent(ctx, api):
    now = _bulk_cases(ctx, dispatched=2832, handled=2828, unit_id=api.units["U-XC-NQ"],
                      type_id=api.city_ids["types"]["暴露垃圾"], point_id=api.city_ids["points"][0],
                      district_id=None)
    resp = api.get("/api/v1/summary", "wall")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["dispatched"] == 2832 and body["handled"] == 2828
    assert body["rectification_rate"] == 99.86
    assert body["open"] == 4 and body["overdue"] == 4
    assert body["points"] == 3 and body["cameras"] == 4 and body["units"] == 4 and body["indicators"] == 3
    assert set(body["today"]) == {"found", "dispatched", "rectified", "overdue"}
    # the same figures recomputed from the transition log alone
    with ctx.sessions() as s:
        static, log = load_log(s)
    again = summary_from_log(static, log, year0=local_midnight(now, year_start=True), now=utcnow())
    assert again == {k: body[k] for k in again}
    # and by the KPI route (year to date, all cases), which also counts the 4 open overdue cases as due
    kpi = api.get("/api/v1/kpi?period=ytd&group_by=all", "supervisor").get_json()
    (row,) = kpi["rows"]
    assert row["dispatched"] == 2832 and row["handled"] == 2828 and row["rectification_rate"] == 99.86
    assert row["due"] == 2832 and row["overdue_open"] == 4 and row["on_time_handle_rate"] == 99.86
    by_unit = api.get("/api/v1/kpi?period=ytd&group_by=unit", "unit_nq").get_json()["rows"]
    assert [r["label"] for r in by_unit] == ["南坑街道办事处"]
    assert api.get("/api/v1/kpi?period=ytd&group_by=unit", "unit_lw").get_json()["rows"] == []


def test_summary_needs_a_login_and_kpi_names_bad_parameters(api):
    assert api.client.get("/api/v1/summary").status_code == 401
    resp = api.get("/api/v1/kpi?group_by=colour")
    assert resp.status_code == 400 and resp.get_json()["field"] == "group_by"
    resp = api.get("/api/v1/kpi?period=ytd&start=yesterday")
    assert resp.status_code == 400 and resp.get_json()["field"] == "start"
