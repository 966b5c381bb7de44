"""Incentive scores and the funding ledger (正向激励、经费补助台账) over HTTP.

- ``GET /api/v1/incentives?period=2024&level=unit|district`` — scores, 先进 and 进步 lists (staff and viewers);
- ``GET /api/v1/funding/proposals`` — the ledger (staff and viewers);
- ``GET /api/v1/funding/suggestion?period=2024&level=unit&total=900000`` — suggested lines (proposers);
- ``POST /api/v1/funding/proposals`` — propose (supervisors, admins);
- ``POST /api/v1/funding/proposals/<id>/decision`` — approve or reject (admins; not one's own proposal);
- ``GET /api/v1/funding/ledger.xlsx`` and ``GET /api/v1/funding/proposals/<id>/commendation.html`` (表扬通报).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from models.clock import to_local, utcnow
from models.funding import FundingProposal
from models.funding_documents import XLSX_MIMETYPE, commendation_html, ledger_xlsx
from models.funding_ledger import (
    FundingError, decide, funds_by_recipient, proposals, propose, snapshot, status, suggest_lines,
)
from models.incentives import IncentiveError, parse_period, score_period

from ..access import current_principal, require_roles
from .responses import MAX_ID, check_csrf, error, iso, json_body

blueprint = Blueprint("funding_api", __name__, url_prefix="/api/v1")
READERS = ("admin", "supervisor", "viewer")
PROPOSERS = ("admin", "supervisor")


def _ctx():
    from ..app import current_ctx

    return current_ctx()


def _period(text: str | None):
    try:
        return parse_period(text if text is not None else str(to_local(utcnow()).year))
    except IncentiveError as exc:
        error(400, str(exc), "period")


def _field(message: str) -> str:
    return message.split(":", 1)[0].split(" ", 1)[0]


def proposal_json(p: FundingProposal) -> dict:
    d = p.decisions[-1] if p.decisions else None
    return {"id": p.id, "code": p.code, "title": p.title, "period": p.period_label, "total_yuan": p.total_yuan,
            "status": status(p), "proposed_by": p.proposed_by, "proposed_at": iso(p.proposed_at), "note": p.note,
            "decided_by": d.actor if d else None, "decided_at": iso(d.at) if d else None,
            "decision_note": d.note if d else None,
            "lines": [{"seq": x.seq, "recipient_kind": x.recipient_kind, "unit_id": x.unit_id,
                       "district_id": x.district_id, "recipient_name": x.recipient_name,
                       "amount_yuan": x.amount_yuan, "suggested_yuan": x.suggested_yuan, "score": x.score,
                       "purpose": x.purpose} for x in p.lines]}


@blueprint.get("/incentives")
@require_roles(*READERS)
def get_incentives():
    """Incentive scores of ``level`` (unit|district) for ``period`` (YYYY or YYYY-MM)."""
    level = request.args.get("level", "unit")
    ctx = _ctx()
    with ctx.sessions() as s:
        try:
            return jsonify(score_period(s, _period(request.args.get("period")), level,
                                        cfg=ctx.config.incentives))
        except IncentiveError as exc:
            error(400, str(exc), "level")


@blueprint.get("/funding/proposals")
@require_roles(*READERS)
def list_proposals():
    """Every proposal, newest first, with lines and decision; ``funds`` = approved yuan this local year."""
    with _ctx().sessions() as s:
        year = to_local(utcnow()).year
        funds = [{"recipient_kind": k, "recipient": key, "amount_yuan": v}
                 for (k, key), v in funds_by_recipient(s, year).items()]
        return jsonify(proposals=[proposal_json(p) for p in proposals(s)], year=year, funds=funds)


@blueprint.get("/funding/suggestion")
@require_roles(*PROPOSERS)
def get_suggestion():
    """Suggested lines splitting ``total`` yuan among the 先进/进步 of ``level`` by score."""
    level = request.args.get("level", "unit")
    total = request.args.get("total", "")
    if not total.isdigit() or not 0 < int(total) <= 100_000_000:
        error(400, "total: a whole number of yuan between 1 and 100000000", "total")
    ctx = _ctx()
    with ctx.sessions() as s:
        try:
            lines = suggest_lines(snapshot(s, _period(request.args.get("period")), cfg=ctx.config.incentives),
                                  level, int(total))
        except FundingError as exc:
            error(400, str(exc), "level")
    return jsonify(lines=lines)


@blueprint.post("/funding/proposals")
@require_roles(*PROPOSERS)
def create_proposal():
    """Body: ``{"period": "2024", "title": …, "note": …, "lines": [{recipient_kind, recipient_id |
    recipient_name, amount_yuan, purpose, suggested_yuan?, score?}, …]}``."""
    p = current_principal()
    check_csrf(p)
    body = json_body()
    ctx = _ctx()
    with ctx.sessions.begin() as s:
        try:
            if not isinstance(body.get("period"), str):
                error(400, "period: required, YYYY or YYYY-MM", "period")
            prop = propose(s, _period(body["period"]),
                           body.get("lines"), actor=p.name, actor_role=p.role, title=body.get("title"),
                           note=body.get("note"), cfg=ctx.config.incentives)
        except FundingError as exc:
            error(400, str(exc), _field(str(exc)))
        out = proposal_json(prop)
    return jsonify(out), 201


@blueprint.post("/funding/proposals/<int:proposal_id>/decision")
@require_roles("admin")
def decide_proposal(proposal_id: int):
    """Body: ``{"decision": "approved" | "rejected", "note": …}``."""
    p = current_principal()
    check_csrf(p)
    body = json_body()
    if not 0 < proposal_id <= MAX_ID:
        error(404, f"proposal {proposal_id} not found")
    with _ctx().sessions.begin() as s:
        prop = s.get(FundingProposal, proposal_id, with_for_update=True)
        if prop is None:
            error(404, f"proposal {proposal_id} not found")
        try:
            decide(s, proposal_id, body.get("decision"), actor=p.name, actor_role=p.role, note=body.get("note"))
        except FundingError as exc:
            error(409 if "already" in str(exc) or "four-eyes" in str(exc) else 400, str(exc), "decision")
        out = proposal_json(prop)
    return jsonify(out)


@blueprint.get("/funding/ledger.xlsx")
@require_roles(*READERS)
def ledger_workbook():
    """The whole ledger as XLSX (one row per allocation line)."""
    with _ctx().sessions() as s:
        data = ledger_xlsx(proposals(s, limit=100_000))
    return Response(data, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E7%BB%8F%E8%B4%B9%E8%A1%A5"
                                                    "%E5%8A%A9%E5%8F%B0%E8%B4%A6.xlsx"})


@blueprint.get("/funding/proposals/<int:proposal_id>/commendation.html")
@require_roles(*READERS)
def commendation(proposal_id: int):
    """The printable 表扬通报 of an approved proposal (409 while pending or when rejected)."""
    if not 0 < proposal_id <= MAX_ID:
        error(404, f"proposal {proposal_id} not found")
    with _ctx().sessions() as s:
        prop = s.get(FundingProposal, proposal_id)
        if prop is None:
            error(404, f"proposal {proposal_id} not found")
        try:
            html = commendation_html(prop)
        except FundingError as exc:
            error(409, str(exc), "status")
    return Response(html, mimetype="text/html")
