"""Read side of the case page (案件详情): load a case for a principal, the actions they may take,
the evidence by stage, the timeline and the four documents. Used by ``pages/case_detail.py`` and the
unit task page."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.cases import Case
from models.workflow import RULES, pending_extension

from .access import Principal

VIEW_ROLES = ("admin", "supervisor", "viewer", "unit")
# actions offered on the case page (rectification with a photo is reported on the task page)
PAGE_ACTIONS = ("accept", "dispatch", "return", "request_extension", "approve_extension", "reject_extension",
                "verify", "rework", "close", "invalidate", "escalate", "remind")
DANGEROUS = frozenset({"invalidate", "return", "rework", "reject_extension"})
# evidence kind → gallery column
GALLERY = {"first_sight": "first_sight", "citizen": "first_sight", "edge": "first_sight", "ref_clean": "first_sight",
           "confirmation": "confirmation", "ref_problem": "confirmation", "rectification": "rectification",
           "recheck": "recheck", "recheck_crop": "recheck"}
DOC_KINDS = ("problem_list", "dispatch", "rectification", "closure")


def may_view(p: Principal, unit_id: int | None) -> bool:
    """Unit operators see their own unit's cases only; other desk roles see all."""
    if p.role not in VIEW_ROLES:
        return False
    return p.role != "unit" or (p.unit_id is not None and unit_id == p.unit_id)


def load_case(session: Session, code: str) -> Case | None:
    return session.scalar(select(Case).where(Case.code == code)
                          .options(selectinload(Case.transitions), selectinload(Case.evidence)))


def allowed_actions(p: Principal, case: Case) -> list[str]:
    """The page actions ``p`` may perform on ``case`` now (the workflow re-checks on submit)."""
    if p.role not in ("admin", "supervisor", "unit"):
        return []
    if p.role == "unit" and (p.unit_id is None or case.unit_id != p.unit_id):
        return []
    pending = pending_extension(case.transitions)
    out = []
    for action in PAGE_ACTIONS:
        rule = RULES[action]
        if case.state not in rule.sources or p.role not in rule.roles:
            continue
        if action in ("approve_extension", "reject_extension") and pending is None:
            continue
        if action == "request_extension" and pending is not None:
            continue
        out.append(action)
    return out


@dataclass
class DocumentLink:
    kind: str
    ready: bool


def documents(case: Case) -> list[DocumentLink]:
    ready = {"problem_list": True, "dispatch": case.dispatched_at is not None,
             "rectification": case.handled_at is not None, "closure": case.closed_at is not None}
    return [DocumentLink(k, ready[k]) for k in DOC_KINDS]


def gallery(case: Case) -> dict[str, list[int]]:
    cols: dict[str, list[int]] = {"first_sight": [], "confirmation": [], "rectification": [], "recheck": []}
    for ev in case.evidence:
        cols.setdefault(GALLERY.get(ev.kind, "first_sight"), []).append(ev.id)
    return cols
