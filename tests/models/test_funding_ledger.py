"""The funding ledger (经费补助台账): suggested shares by score, propose → approve, roles, four-eyes, append-only,
bad input named, the XLSX (formula cells escaped) and the 表扬通报 of approved proposals only."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, update

from models.funding import AppendOnlyError, FundingLine, FundingProposal
from models.funding_documents import commendation_html, ledger_xlsx
from models.funding_ledger import FundingError, decide, funds_by_recipient, propose, snapshot, status, suggest_lines
from models.incentives import parse_period
from tests.models.incentive_city import NOW, scenario

YEAR = parse_period("2024")


def _proposal(s, city, **kw):
    lines = suggest_lines(snapshot(s, YEAR, NOW), "unit", 900_000)
    lines.append({"recipient_kind": "compound", "recipient_name": "=HYPERLINK(\"http://x\")老旧小区",
                  "amount_yuan": "50000", "purpose": "+老旧小区环境提升"})
    return propose(s, YEAR, lines, actor="sup1", actor_role="supervisor", title="2024年度创建经费补助",
                   now=NOW, **kw)


def test_suggested_shares_follow_the_scores(ctx):
    with ctx.sessions.begin() as s:
        city = scenario(s)
        snap = snapshot(s, YEAR, NOW)
        lines = suggest_lines(snap, "unit", 900_000)
        by_id = {r["key"]: r for r in snap["unit"]["rows"]}
        street, lw_gov = city.units[2], city.units[3]
        assert [x["recipient_id"] for x in lines] == [lw_gov.id, street.id]
        total = by_id[lw_gov.id]["score"] + by_id[street.id]["score"]
        assert lines[1]["amount_yuan"] == int(900_000 * by_id[street.id]["score"] // total)
        assert sum(x["amount_yuan"] for x in lines) == 900_000
        assert lines[0]["purpose"].endswith("（先进）")
        counties = suggest_lines(snap, "district", 300_000)
        assert {x["recipient_name"] for x in counties} == {"芗城区", "龙文区"}


def test_propose_approve_and_documents(ctx):
    with ctx.sessions.begin() as s:
        city = scenario(s)
        p = _proposal(s, city)
        assert p.code == "JF-2025-001" and status(p) == "pending"
        assert p.total_yuan == 950_000 and len(p.lines) == 3
        assert p.score_snapshot["unit"]["period"] == "2024年" and p.score_snapshot["district"]["rows"]
        with pytest.raises(FundingError, match="表扬通报"):
            commendation_html(p)
        with pytest.raises(FundingError, match="admin only"):
            decide(s, p.id, "approved", actor="sup2", actor_role="supervisor")
        with pytest.raises(FundingError, match="four-eyes"):
            decide(s, p.id, "approved", actor="sup1", actor_role="admin")
        assert funds_by_recipient(s, 2025) == {}
        decide(s, p.id, "approved", actor="admin1", actor_role="admin", note="同意", now=NOW)
        assert status(p) == "approved"
        with pytest.raises(FundingError, match="already approved"):
            decide(s, p.id, "rejected", actor="admin2", actor_role="admin")
        funds = funds_by_recipient(s, 2025)
        assert funds[("unit", city.units[3].id)] == p.lines[0].amount_yuan
        assert funds[("compound", "=HYPERLINK(\"http://x\")老旧小区")] == 50_000
        assert funds_by_recipient(s, 2024) == {}

        html = commendation_html(p)
        assert "关于表扬2024年精神文明创建工作成效突出单位的通报" in html and "950,000" in html
        assert city.units[3].name in html and "&#34;http://x&#34;" in html  # escaped, not markup
        wb = load_workbook(io.BytesIO(ledger_xlsx([p])))
        ws = wb.active
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert len(rows) == 3 and rows[0][0] == p.code and rows[0][12] == "已批准" and rows[0][13] == "admin1"
        assert rows[2][5] == "'=HYPERLINK(\"http://x\")老旧小区" and rows[2][9] == "'+老旧小区环境提升"
        assert rows[2][8] == 50_000
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"


def test_the_ledger_is_append_only(ctx):
    with ctx.sessions.begin() as s:
        city = scenario(s)
        pid = _proposal(s, city).id
    for change in (lambda s, p: setattr(p, "total_yuan", 1),
                   lambda s, p: setattr(p.lines[0], "amount_yuan", 1),
                   lambda s, p: s.delete(p.lines[0])):
        with ctx.sessions() as s:
            change(s, s.get(FundingProposal, pid))
            with pytest.raises(AppendOnlyError, match="append-only"):
                s.flush()
            s.rollback()
    with ctx.sessions() as s:
        with pytest.raises(AppendOnlyError, match="funding_lines.*delete"):
            s.execute(delete(FundingLine))
        with pytest.raises(AppendOnlyError, match="funding_proposals.*update"):
            s.execute(update(FundingProposal).values(total_yuan=1))
        s.rollback()
    with ctx.sessions() as s:
        p = s.get(FundingProposal, pid)
        assert p.total_yuan == 950_000 and len(p.lines) == 3


@pytest.mark.parametrize("bad, message", [
    ({"recipient_kind": "person", "recipient_name": "x", "amount_yuan": 1, "purpose": "p"}, "recipient_kind"),
    ({"recipient_kind": "unit", "recipient_id": 99999, "amount_yuan": 1, "purpose": "p"}, "recipient_id"),
    ({"recipient_kind": "unit", "recipient_id": "1", "amount_yuan": 1, "purpose": "p"}, "recipient_id"),
    ({"recipient_kind": "village", "recipient_name": "", "amount_yuan": 1, "purpose": "p"}, "recipient_name"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": -5, "purpose": "p"}, "amount_yuan"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": 1.5, "purpose": "p"}, "amount_yuan"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": "nan", "purpose": "p"}, "amount_yuan"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": 10**12, "purpose": "p"}, "amount_yuan"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": True, "purpose": "p"}, "amount_yuan"),
    ({"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": 5, "purpose": " "}, "purpose"),
    ({"recipient_kind": "village", "recipient_name": "甲\x00村", "amount_yuan": 5, "purpose": "p"}, "control"),
    ({"recipient_kind": "village", "recipient_name": "甲" * 81, "amount_yuan": 5, "purpose": "p"}, "at most 80"),
    ("not a mapping", "mapping"),
])
def test_bad_lines_are_named(sqlite_ctx, bad, message):
    with sqlite_ctx.sessions.begin() as s:
        from tests.factories import make_registry

        make_registry(s)
        with pytest.raises(FundingError, match=message):
            propose(s, YEAR, [bad], actor="sup1", actor_role="supervisor", title="t", now=NOW)


def test_roles_and_empty_proposals_refused(sqlite_ctx):
    with sqlite_ctx.sessions.begin() as s:
        line = {"recipient_kind": "village", "recipient_name": "甲村", "amount_yuan": 5, "purpose": "p"}
        for role in ("viewer", "unit", "wall", "edge", "citizen"):
            with pytest.raises(FundingError, match="may not propose"):
                propose(s, YEAR, [line], actor="x", actor_role=role, title="t", now=NOW)
        with pytest.raises(FundingError, match="at least one"):
            propose(s, YEAR, [], actor="x", actor_role="supervisor", title="t", now=NOW)
        with pytest.raises(FundingError, match="title"):
            propose(s, YEAR, [line], actor="x", actor_role="supervisor", title="  ", now=NOW)
        with pytest.raises(FundingError, match="no proposal"):
            decide(s, 12345, "approved", actor="a", actor_role="admin")
        p = propose(s, YEAR, [line], actor="x", actor_role="supervisor", title="t", now=NOW)
        with pytest.raises(FundingError, match="decision"):
            decide(s, p.id, "maybe", actor="a", actor_role="admin")
        decide(s, p.id, "rejected", actor="a", actor_role="admin", note="金额待核")
        assert status(p) == "rejected"
        with pytest.raises(FundingError, match="rejected"):
            commendation_html(p)
