"""Proposing and approving creation funding (经费补助) from the incentive scores — the ledger's rules.

- :func:`suggest_lines`: the suggested split of a total among the 先进 and 进步 recipients of a score result,
  in proportion to their incentive scores (whole yuan; the rounding remainder goes to the first line);
- :func:`propose`: a supervisor (or admin) records a proposal for a period: the lines as edited, the total
  (their sum) and the frozen score snapshot (units and counties) it was made from;
- :func:`decide`: an admin (the leader, 领导) approves or rejects a pending proposal, once; nobody decides on
  a proposal they made themselves (four-eyes rule);
- :func:`funds_by_recipient`: approved amounts per recipient for the proposals decided in a local year.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import as_utc, to_local, utcnow
from .config import IncentiveConfig
from .funding import DECISIONS, RECIPIENT_KINDS, FundingDecision, FundingLine, FundingProposal
from .incentives import score_period
from .kpi_report import local_day_start
from .registry import District, ResponsibleUnit
from .reports import Period

PROPOSER_ROLES = frozenset({"supervisor", "admin"})
APPROVER_ROLES = frozenset({"admin"})
MAX_LINES = 500
MAX_AMOUNT = 100_000_000  # yuan per line
RECIPIENT_LABELS = {"unit": "责任单位", "district": "区县", "village": "村（社区）", "compound": "老旧小区"}
DECISION_LABELS = {"pending": "待审批", "approved": "已批准", "rejected": "未批准"}


class FundingError(ValueError):
    """A proposal or decision is invalid or not allowed; the message names what is wrong."""


def snapshot(session: Session, period: Period, now: datetime | None = None,
             cfg: IncentiveConfig | None = None) -> dict[str, Any]:
    """The scores of units and counties for ``period`` as they are now (what a proposal freezes)."""
    return {level: score_period(session, period, level, now, cfg) for level in ("unit", "district")}


def suggest_lines(score: dict[str, Any], level: str, total_yuan: int) -> list[dict[str, Any]]:
    """Lines splitting ``total_yuan`` among the 先进 and 进步 rows of ``score[level]`` by incentive score."""
    if level not in ("unit", "district"):
        raise FundingError(f"level: expected unit or district, got {level!r}")
    seen, rows = set(), []
    for r in score[level]["advanced"] + score[level]["improved"]:
        if r["key"] not in seen and r["score"]:
            seen.add(r["key"])
            rows.append(r)
    if not rows:
        return []
    total_score = sum(r["score"] for r in rows)
    amounts = [int(total_yuan * r["score"] // total_score) for r in rows]
    amounts[0] += total_yuan - sum(amounts)
    purpose = "创建经费补助（先进）"
    advanced = {r["key"] for r in score[level]["advanced"]}
    return [{"recipient_kind": level, "recipient_id": r["key"], "recipient_name": r["name"], "amount_yuan": a,
             "suggested_yuan": a, "score": r["score"],
             "purpose": purpose if r["key"] in advanced else "创建经费补助（进步）"}
            for r, a in zip(rows, amounts)]


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise FundingError(f"{field}: required")
        return None
    if len(text) > limit:
        raise FundingError(f"{field}: at most {limit} characters, got {len(text)}")
    if any(ord(ch) < 32 and ch not in "\n" for ch in text):
        raise FundingError(f"{field}: control characters are not allowed")
    return text


def _amount(value: Any, field: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FundingError(f"{field}: a whole number of yuan expected, got {value!r}")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise FundingError(f"{field}: a whole number of yuan expected, got {value!r}") from None
    if not math.isfinite(number) or number != int(number):
        raise FundingError(f"{field}: a whole number of yuan expected, got {value!r}")
    if not 0 < number <= MAX_AMOUNT:
        raise FundingError(f"{field}: must be between 1 and {MAX_AMOUNT} yuan, got {value!r}")
    return int(number)


def _line(session: Session, i: int, raw: Any) -> FundingLine:
    where = f"lines[{i}]"
    if not isinstance(raw, dict):
        raise FundingError(f"{where}: a mapping expected")
    kind = raw.get("recipient_kind")
    if kind not in RECIPIENT_KINDS:
        raise FundingError(f"{where}.recipient_kind: expected one of {', '.join(RECIPIENT_KINDS)}, got {kind!r}")
    line = FundingLine(seq=i + 1, recipient_kind=kind, amount_yuan=_amount(raw.get("amount_yuan"),
                                                                          f"{where}.amount_yuan"),
                       suggested_yuan=_amount(raw.get("suggested_yuan"), f"{where}.suggested_yuan", allow_none=True),
                       purpose=_text(raw.get("purpose"), f"{where}.purpose", 200))
    score = raw.get("score")
    if score is not None and not isinstance(score, (int, float)) or isinstance(score, bool):
        raise FundingError(f"{where}.score: a number expected, got {score!r}")
    line.score = float(score) if score is not None else None
    if kind in ("unit", "district"):
        model = ResponsibleUnit if kind == "unit" else District
        rid = raw.get("recipient_id")
        obj = session.get(model, rid) if isinstance(rid, int) and not isinstance(rid, bool) else None
        if obj is None:
            raise FundingError(f"{where}.recipient_id: no {RECIPIENT_LABELS[kind]} with id {rid!r}")
        line.unit_id = obj.id if kind == "unit" else None
        line.district_id = obj.id if kind == "district" else None
        line.recipient_name = obj.name
    else:
        line.recipient_name = _text(raw.get("recipient_name"), f"{where}.recipient_name", 80)
    return line


def _next_code(session: Session, year: int) -> str:
    n = session.scalar(select(func.count()).select_from(FundingProposal)
                       .where(FundingProposal.code.like(f"JF-{year}-%"))) or 0
    return f"JF-{year}-{n + 1:03d}"


def propose(session: Session, period: Period, lines: list[Any], *, actor: str, actor_role: str, title: Any,
            note: Any = None, now: datetime | None = None, cfg: IncentiveConfig | None = None) -> FundingProposal:
    """Record a proposal for ``period`` with ``lines`` (dicts: recipient_kind, recipient_id or recipient_name,
    amount_yuan, purpose, optional suggested_yuan and score) and the frozen score snapshot."""
    if actor_role not in PROPOSER_ROLES:
        raise FundingError(f"role {actor_role!r} may not propose funding (supervisor or admin)")
    if not isinstance(lines, list) or not lines:
        raise FundingError("lines: at least one allocation line is required")
    if len(lines) > MAX_LINES:
        raise FundingError(f"lines: at most {MAX_LINES}, got {len(lines)}")
    now = as_utc(now or utcnow())
    built = [_line(session, i, raw) for i, raw in enumerate(lines)]
    total = sum(x.amount_yuan for x in built)
    if total > MAX_AMOUNT:
        raise FundingError(f"lines: the total {total} yuan exceeds {MAX_AMOUNT}")
    p = FundingProposal(code=_next_code(session, to_local(now).year), title=_text(title, "title", 120),
                        period_label=period.label, period_first_day=period.first_day,
                        period_last_day=period.last_day, total_yuan=total, note=_text(note, "note", 2000,
                                                                                      required=False),
                        proposed_by=actor, proposed_role=actor_role, proposed_at=now,
                        score_snapshot=snapshot(session, period, now, cfg), lines=built)
    session.add(p)
    session.flush()
    return p


def status(proposal: FundingProposal) -> str:
    """``pending``, ``approved`` or ``rejected``."""
    return proposal.decisions[-1].decision if proposal.decisions else "pending"


def decide(session: Session, proposal_id: int, decision: str, *, actor: str, actor_role: str, note: Any = None,
           now: datetime | None = None) -> FundingDecision:
    """Approve or reject a pending proposal (admins only; not one's own proposal)."""
    if actor_role not in APPROVER_ROLES:
        raise FundingError(f"role {actor_role!r} may not approve funding (admin only)")
    if decision not in DECISIONS:
        raise FundingError(f"decision: expected one of {', '.join(DECISIONS)}, got {decision!r}")
    p = session.get(FundingProposal, proposal_id) if isinstance(proposal_id, int) else None
    if p is None:
        raise FundingError(f"proposal: no proposal with id {proposal_id!r}")
    if status(p) != "pending":
        raise FundingError(f"proposal {p.code}: already {status(p)}")
    if p.proposed_by == actor:
        raise FundingError(f"proposal {p.code}: the proposer may not decide on it (four-eyes rule)")
    d = FundingDecision(proposal_id=p.id, decision=decision, actor=actor, actor_role=actor_role,
                        at=as_utc(now or utcnow()), note=_text(note, "note", 2000, required=False))
    session.add(d)
    session.flush()
    session.refresh(p)
    return d


def proposals(session: Session, limit: int = 200) -> list[FundingProposal]:
    """Newest proposals first."""
    return list(session.scalars(select(FundingProposal).order_by(FundingProposal.id.desc()).limit(limit)))


def funds_by_recipient(session: Session, year: int) -> dict[tuple[str, Any], int]:
    """Approved yuan per (recipient_kind, unit id / district id / name) for decisions taken in local ``year``."""
    start = local_day_start(datetime(year, 1, 1).date())
    end = local_day_start(datetime(year + 1, 1, 1).date())
    q = (select(FundingLine.recipient_kind, FundingLine.unit_id, FundingLine.district_id,
                FundingLine.recipient_name, FundingLine.amount_yuan)
         .join(FundingDecision, FundingDecision.proposal_id == FundingLine.proposal_id)
         .where(FundingDecision.decision == "approved", FundingDecision.at >= start, FundingDecision.at < end))
    out: dict[tuple[str, Any], int] = defaultdict(int)
    for kind, unit_id, district_id, name, amount in session.execute(q):
        key = unit_id if kind == "unit" else district_id if kind == "district" else name
        out[(kind, key)] += amount
    return dict(out)
