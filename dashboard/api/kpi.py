"""Figures API: ``GET /api/v1/summary`` (headline, also for the wall), ``GET /api/v1/kpi`` (unit
indicators by period and grouping) and ``GET /api/v1/kpi/indicators`` (creation-indicator progress).

Unit operators get their own unit's figures only."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from models.kpi import summary
from models.kpi_report import GROUPINGS, PERIODS, KpiError, case_kpis, indicator_progress, period_bounds
from models.clock import utcnow

from ..access import current_principal, require_roles
from .responses import API_ROLES, MAX_ID, error, iso

blueprint = Blueprint("kpi_api", __name__, url_prefix="/api/v1")


def _ctx():
    from ..app import current_ctx

    return current_ctx()


@blueprint.get("/summary")
@require_roles(*API_ROLES, "wall")
def get_summary():
    """Registry counts, year-to-date 派发/已处理/整改率, open, overdue and today's figures."""
    with _ctx().sessions() as s:
        return jsonify(summary(s))


@blueprint.get("/kpi")
@require_roles(*API_ROLES, "wall")
def get_kpi():
    """KPI rows for ``period`` (today|week|month|quarter|ytd|year|all) or ``start``/``end`` (ISO, local
    dates), grouped by ``group_by`` (all|unit|district|problem_type|point|source)."""
    p = current_principal()
    ctx = _ctx()
    period = request.args.get("period", "ytd")
    group_by = request.args.get("group_by", "all")
    if group_by not in GROUPINGS:
        error(400, f"group_by: unknown grouping {group_by!r}; expected one of {', '.join(GROUPINGS)}", "group_by")
    if period not in PERIODS:
        error(400, f"period: unknown period {period!r}; expected one of {', '.join(PERIODS)}", "period")
    now = utcnow()
    try:
        start, end = period_bounds(period, now, request.args.get("start"), request.args.get("end"))
    except KpiError as exc:
        error(400, str(exc), str(exc).split(":", 1)[0])
    unit_id = None
    if p.role == "unit":
        if p.unit_id is None:
            error(403, "unit operator without a unit")
        unit_id = p.unit_id
    with ctx.sessions() as s:
        rows = case_kpis(s, start=start, end=end, group_by=group_by, now=now,
                         weights=ctx.config.workflow.score_weights, unit_id=unit_id)
    return jsonify(period=period, group_by=group_by, start=iso(start), end=iso(end), as_of=iso(now), rows=rows)


@blueprint.get("/kpi/indicators")
@require_roles(*API_ROLES, "wall")
def get_indicator_progress():
    """Per unit and creation class: assigned creation indicators, reached, mean progress (% of target)."""
    p = current_principal()
    unit_arg = request.args.get("unit_id")
    unit_id = None
    if unit_arg is not None:
        if not unit_arg.isdigit() or not 0 < int(unit_arg) <= MAX_ID:
            error(400, f"unit_id: expected an integer, got {unit_arg!r}", "unit_id")
        unit_id = int(unit_arg)
    if p.role == "unit":
        if unit_id is not None and unit_id != p.unit_id:
            error(403, "a unit operator sees only their own unit's indicators")
        unit_id = p.unit_id
    with _ctx().sessions() as s:
        return jsonify(rows=indicator_progress(s, unit_id))
