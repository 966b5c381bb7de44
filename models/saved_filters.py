"""Saved case filters per user (保存的筛选), kept in ``users.prefs["case_filters"]``."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .accounts import User
from .case_queries import CaseFilter, FilterError

MAX_SAVED = 30
KEY = "case_filters"


def list_filters(session: Session, user_id: int) -> dict[str, dict]:
    user = session.get(User, user_id)
    return dict(((user.prefs or {}) if user else {}).get(KEY, {}))


def save_filter(session: Session, user_id: int, name: str, f: CaseFilter) -> None:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise FilterError("name: 1–40 characters")
    user = session.get(User, user_id)
    if user is None:
        raise FilterError("user: unknown")
    prefs = dict(user.prefs or {})
    saved = dict(prefs.get(KEY, {}))
    if name not in saved and len(saved) >= MAX_SAVED:
        raise FilterError(f"name: at most {MAX_SAVED} saved filters; delete one first")
    saved[name] = f.to_dict()
    prefs[KEY] = saved
    user.prefs = prefs  # reassign: JSON columns do not track in-place changes


def delete_filter(session: Session, user_id: int, name: str) -> bool:
    user = session.get(User, user_id)
    prefs = dict((user.prefs or {}) if user else {})
    saved = dict(prefs.get(KEY, {}))
    if name not in saved:
        return False
    del saved[name]
    prefs[KEY] = saved
    user.prefs = prefs
    return True
