"""Public status notes (公开进展说明) of a case, from its log: one fixed sentence per workflow step.

What the public may read (Open311 ``status_notes``): the step and its time, never the transition's note,
actor, unit or any data (those may hold names, phone numbers or internal remarks). The one exception is
the reason a report was not accepted (作废), which the moderator writes for the reporter.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import Case, CaseTransition
from .clock import fmt_local

PUBLIC_STEP = {
    "open": "已受理，待核实",
    "accept": "已核实立案",
    "dispatch": "已交办责任单位处理",
    "return": "正在重新确定责任单位",
    "request_extension": "责任单位正在处理",
    "approve_extension": "处理期限已延长",
    "reject_extension": "责任单位正在处理",
    "rectify": "责任单位已反馈整改，待复核",
    "verify": "整改已复核通过",
    "rework": "复核未通过，正在重新整改",
    "close": "已解决，办结销号",
    "invalidate": "不予受理",
    "escalate": "已督办",
    "remind": "已催办",
}


def public_note(session: Session, case: Case) -> str:
    """The latest public step of ``case`` with its local time, e.g. ``已交办责任单位处理（2026-12-05 10:30）``."""
    row = session.execute(select(CaseTransition.action, CaseTransition.at, CaseTransition.note)
                          .where(CaseTransition.case_id == case.id)
                          .order_by(CaseTransition.seq.desc()).limit(1)).first()
    if row is None:
        return PUBLIC_STEP["open"]
    action, at, note = row
    text = PUBLIC_STEP.get(action, "处理中")
    if action == "invalidate" and note:
        text += f"：{note}"
    return f"{text}（{fmt_local(at)}）"
