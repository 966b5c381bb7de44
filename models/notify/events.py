"""Which case transition tells whom (events → recipients).

=====================  ===========================  ============================================
transition             event                        recipients
=====================  ===========================  ============================================
dispatch 交办          ``dispatch``                 the unit's contacts (联络员, 值班)
remind 催办 (system)   ``deadline_soon``            the unit's contacts, once per deadline
remind 催办 (staff)    ``remind``                   the unit's contacts
escalate 督办          ``overdue`` (deadline job)   the unit's contacts and leader, and the leader
                       or ``escalate``              of the unit's parent unit; sent in quiet hours
return 退回            ``return``                   the command center
rework 返工            ``rework``                   the unit's contacts
request_extension      ``extension_request``        the command center
approve/reject ext.    ``extension_approved/...``   the unit's contacts
accept/close/invalid.  ``citizen_*``                the 随手拍 reporter, if they left a phone and agreed
=====================  ===========================  ============================================
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import NotifyConfig
from ..notifications import ReporterConsent, UnitContact
from ..registry import ResponsibleUnit
from .outbox import Target

UNIT_ROLES = ("contact", "duty")
LEADER = "leader"
CONTACT_ROLES = ("contact", "duty", "leader")

TRANSITION_EVENTS = {
    "dispatch": "dispatch", "return": "return", "rework": "rework", "request_extension": "extension_request",
    "approve_extension": "extension_approved", "reject_extension": "extension_refused",
}
CITIZEN_EVENTS = {"accept": "citizen_accepted", "close": "citizen_closed", "invalidate": "citizen_rejected"}
URGENT_EVENTS = frozenset({"overdue", "escalate"})


def unit_targets(session: Session, cfg: NotifyConfig, unit_id: int | None, roles=UNIT_ROLES,
                 fallback: bool = True) -> list[Target]:
    """The contacts of a unit in ``roles`` (on configured channels); a unit without any gets
    ``default_unit_recipients`` (unless ``fallback`` is false)."""
    if unit_id is None:
        return []
    with session.no_autoflush:
        rows = session.scalars(select(UnitContact).where(UnitContact.unit_id == unit_id,
                                                         UnitContact.role.in_(roles))
                               .order_by(UnitContact.id)).all()
        unit = session.get(ResponsibleUnit, unit_id)
    name = unit.name if unit else str(unit_id)
    known = {c.name for c in cfg.channels}
    out = [Target(c.channel, c.address, f"{name} · {c.name or c.role}") for c in rows if c.channel in known]
    if not out and fallback:
        out = [Target(r.channel, r.address, f"{name} · {r.label or '默认'}") for r in cfg.default_unit_recipients]
    return out


def parent_leader_targets(session: Session, cfg: NotifyConfig, unit_id: int | None) -> list[Target]:
    """The leaders (分管领导) of the unit's parent unit, if it has one."""
    if unit_id is None:
        return []
    with session.no_autoflush:
        unit = session.get(ResponsibleUnit, unit_id)
    if unit is None or unit.parent_id is None:
        return []
    return unit_targets(session, cfg, unit.parent_id, roles=(LEADER,), fallback=False)


def center_targets(cfg: NotifyConfig) -> list[Target]:
    return [Target(r.channel, r.address, r.label or "指挥中心") for r in cfg.center]


def reporter_target(session: Session, cfg: NotifyConfig, case) -> Target | None:
    """The 随手拍 reporter, only with a contact left, their consent and a citizen channel configured."""
    if not (cfg.citizen_channel and case.reporter_contact):
        return None
    with session.no_autoflush:
        agreed = session.get(ReporterConsent, case.id) is not None
    return Target(cfg.citizen_channel, case.reporter_contact, "举报人") if agreed else None
