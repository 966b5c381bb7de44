"""Editing a unit's contacts (单位联系人) with the checks the unit page and the API share."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import NotifyConfig
from ..notifications import UnitContact
from .events import CONTACT_ROLES

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
PHONE = re.compile(r"^\+?\d[\d-]{5,19}$")


class ContactError(ValueError):
    """A contact is refused; the message names the field."""


def check_contact(cfg: NotifyConfig, role: str, name: str | None, channel: str, address: str) -> None:
    if role not in CONTACT_ROLES:
        raise ContactError(f"role: expected one of {', '.join(CONTACT_ROLES)}, got {role!r}")
    if name is not None and len(name) > 40:
        raise ContactError("name: at most 40 characters")
    ch = cfg.channel(channel)
    if ch is None:
        raise ContactError(f"channel: unknown channel {channel!r}; configured: "
                           f"{', '.join(c.name for c in cfg.channels) or 'none'}")
    address = address or ""
    if len(address) > 200 or any(c in address for c in "\r\n"):
        raise ContactError("address: at most 200 characters on one line")
    if ch.kind == "email" and not EMAIL.match(address):
        raise ContactError(f"address: not an e-mail address: {address!r}")
    if ch.kind == "sms_tencent" and not PHONE.match(address):
        raise ContactError(f"address: not a phone number: {address!r}")


def add_contact(session: Session, cfg: NotifyConfig, unit_id: int, role: str, name: str | None, channel: str,
                address: str) -> UnitContact:
    name = (name or "").strip() or None
    address = (address or "").strip()
    check_contact(cfg, role, name, channel, address)
    row = UnitContact(unit_id=unit_id, role=role, name=name, channel=channel, address=address)
    session.add(row)
    session.flush()
    return row


def remove_contact(session: Session, unit_id: int, contact_id: int) -> bool:
    row = session.get(UnitContact, contact_id)
    if row is None or row.unit_id != unit_id:
        return False
    session.delete(row)
    return True


def unit_contacts(session: Session, unit_id: int) -> list[UnitContact]:
    return list(session.scalars(select(UnitContact).where(UnitContact.unit_id == unit_id).order_by(UnitContact.id)))
