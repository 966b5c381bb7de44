"""The shared wall snapshot: right figures (checked against direct queries and models.kpi), one computation
per tick for any number of clients, and partial updates (only changed sections, figures as Patch)."""
from __future__ import annotations

import threading
from datetime import timedelta

from dash import Patch, no_update
from sqlalchemy import func, select

from dashboard.wall import update as U
from dashboard.wall.snapshot import (
    OPEN_STATES, WallSnapshotService, local_day_start, local_year_start, service_for,
)
from dashboard.wall.synthetic import fill
from models import kpi
from models.cases import Case
from models.clock import utcnow


def _filled(ctx, cases=600):
    return fill(ctx.engine, cases=cases, observations=1000, years=1.0)


def test_snapshot_figures_match_the_database(ctx):
    city = _filled(ctx)
    svc = WallSnapshotService(ctx)
    snap = svc.get()
    now = utcnow()
    with ctx.sessions() as s:
        expected_kpi = kpi.summary(s, now)
        year_found = s.scalar(select(func.count()).select_from(Case).where(Case.found_at >= local_year_start(now)))
        year_closed = s.scalar(select(func.count()).select_from(Case).where(
            Case.found_at >= local_year_start(now), Case.closed_at.is_not(None)))
        open_points = set(s.scalars(select(Case.point_id).where(Case.state.in_(OPEN_STATES))).all())
        open_by_district = dict(s.execute(select(Case.district_id, func.count()).where(
            Case.state.in_(OPEN_STATES)).group_by(Case.district_id)).all())
        newest = s.scalars(select(Case.code).order_by(Case.id.desc()).limit(len(snap["events"]))).all()
        month_found = s.scalar(select(func.count()).select_from(Case).where(
            Case.found_at >= local_day_start(now) - timedelta(days=29)))
    for key in ("points", "cameras", "units", "indicators", "problem_types", "dispatched", "handled",
                "rectification_rate"):
        assert snap["kpi"][key] == expected_kpi[key], key
    assert (snap["kpi"]["points"], snap["kpi"]["cameras"], snap["kpi"]["units"]) == (209, 210, 116)
    assert snap["flow"]["year"][0] == year_found and snap["flow"]["year"][5] == year_closed
    reg = snap["_reg"]
    marked = {pid for pid, st in zip(reg.point_ids, snap["points"]) if st in ("open", "overdue")}
    assert marked == open_points - {None}
    assert snap["point_counts"]["open"] + snap["point_counts"]["overdue"] == len(marked)
    assert snap["district_open"] == [open_by_district.get(d, 0) for d in reg.district_ids]
    assert [e["code"] for e in snap["events"]] == list(newest)
    assert sum(snap["trend"]["found"]) == month_found and len(snap["trend"]["days"]) == 30
    assert len(snap["types"]["names"]) == 10 and snap["types"]["counts"] == sorted(snap["types"]["counts"],
                                                                                   reverse=True)
    scores = [d["score"] for d in snap["rank"]["districts"]]
    assert scores == sorted(scores, reverse=True)  # best scores first: no "worst" list
    assert snap["cameras"]["total"] == 210 and snap["cameras"]["online"] == snap["kpi"]["cameras_online"]
    assert city["rows"]["cases"] == 600


def test_one_computation_per_tick_for_many_clients(sqlite_ctx):
    _filled(sqlite_ctx, cases=200)
    sqlite_ctx.config.wall.tick_s = 30  # one tick lasts the whole test
    svc = service_for(sqlite_ctx)
    assert service_for(sqlite_ctx) is svc
    results = []
    threads = [threading.Thread(target=lambda: results.append(svc.get())) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 50 and svc.computations == 1
    assert all(r is results[0] for r in results)
    status = sqlite_ctx.status["wall"]()  # published for /healthz
    assert status["computations"] == 1 and status["ok"] is True


def test_updates_send_only_changed_sections_as_patches(sqlite_ctx):
    from models.workflow import open_case

    city = _filled(sqlite_ctx, cases=200)
    sqlite_ctx.config.wall.tick_s = 0.001
    svc = WallSnapshotService(sqlite_ctx, slow_every_s=1e9)  # slow sections refreshed by hand below
    first = svc.get()
    reg = first["_reg"]
    thumb = lambda i: f"/t/{i}"  # noqa: E731

    full = U.build_update(first, None, reg, thumb)  # a new browser: everything, figures whole
    assert not any(v is no_update for v in full)
    state = full[[cid for _s, cid, _p in U.OUTPUTS].index("wall-state")]

    same = U.build_update(svc.get(), state, reg, thumb)  # nothing changed: only the heartbeat and banner
    sent = [cid for (_s, cid, _p), v in zip(U.OUTPUTS, same) if v is not no_update]
    assert sent == ["wall-updated", "wall-heartbeat", "wall-banner", "wall-banner"]

    with sqlite_ctx.sessions.begin() as s:
        open_case(s, source="camera", problem_type=city["types"][0], found_at=utcnow(), actor="detector",
                  actor_role="system", point=city["points"][0])
    svc.refresh_slow()
    snap = svc.get()
    upd = U.build_update(snap, state, reg, thumb)
    by_id = {cid: v for (_s, cid, _p), v in zip(U.OUTPUTS, upd)}
    assert by_id["wall-events"] is not no_update
    assert isinstance(by_id["wall-map"], Patch) and isinstance(by_id["wall-types"], Patch)
    assert by_id["wall-kpi-points"] is no_update or by_id["wall-kpi-points"] == "209"
    assert by_id["wall-cameras"] is no_update
    assert U.payload_bytes(upd) < U.payload_bytes(full)
    assert snap["version"] == first["version"] + 1
