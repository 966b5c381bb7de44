"""Case lists for the desktop pages: filtered, sorted, paged in SQL (案件查询).

One :class:`CaseFilter` describes what the user asked for; :func:`case_page` returns one page of rows
(LIMIT/OFFSET with a unique tie-breaker, so pages never overlap) and :func:`case_count` the total.
Unit operators are scoped with ``scope_unit_id`` — applied here, in the query, never in the browser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from .cases import Case, CaseSource, CaseState
from .clock import LOCAL_TZ, utcnow
from .registry import District, MonitoringPoint, ProblemType, ResponsibleUnit

MAX_PAGE = 500
_CODE_LIKE = re.compile(r"^[A-Za-z]{1,4}\d{2,}$")

# sortable columns (what the grid sends as colId → SQL expression)
_unit = aliased(ResponsibleUnit)
SORTABLE = {
    "code": Case.code,
    "state": Case.state,
    "type": ProblemType.name,
    "district": District.name,
    "point": MonitoringPoint.name,
    "unit": _unit.name,
    "source": Case.source,
    "found_at": Case.found_at,
    "deadline_at": Case.deadline_at,
}
COLUMNS = ("id", "code", "state", "type", "district", "point", "unit", "source", "found_at", "deadline_at",
           "overdue", "description", "type_unconfirmed")


class FilterError(ValueError):
    """A filter value is not acceptable (the message names the field)."""


@dataclass
class CaseFilter:
    """What to list. Empty lists mean "any". Dates are local (Asia/Shanghai) calendar days, inclusive."""

    states: list[str] = field(default_factory=list)
    type_ids: list[int] = field(default_factory=list)
    district_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    type_unconfirmed: bool = False  # only cases whose type is to be confirmed (类型待确认)
    text: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "CaseFilter":
        """Build from untrusted JSON (the browser's store / a saved filter); raises :class:`FilterError`."""
        data = data or {}
        if not isinstance(data, dict):
            raise FilterError("filter: expected an object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise FilterError(f"filter: unknown keys {sorted(unknown)}")
        f = cls()
        f.states = _str_list(data.get("states"), "states", {s.value for s in CaseState})
        f.sources = _str_list(data.get("sources"), "sources", {s.value for s in CaseSource})
        f.type_ids = _int_list(data.get("type_ids"), "type_ids")
        f.district_ids = _int_list(data.get("district_ids"), "district_ids")
        f.unit_ids = _int_list(data.get("unit_ids"), "unit_ids")
        f.date_from = _date(data.get("date_from"), "date_from")
        f.date_to = _date(data.get("date_to"), "date_to")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.date_from, f.date_to = f.date_to, f.date_from
        f.overdue = bool(data.get("overdue"))
        if not isinstance(data.get("type_unconfirmed", False), bool):
            raise FilterError("type_unconfirmed: expected true or false")
        f.type_unconfirmed = data.get("type_unconfirmed", False)
        text = data.get("text") or ""
        if not isinstance(text, str) or len(text) > 64:
            raise FilterError("text: at most 64 characters")
        f.text = text.strip()
        return f

    def to_dict(self) -> dict[str, Any]:
        return {
            "states": self.states, "type_ids": self.type_ids, "district_ids": self.district_ids,
            "unit_ids": self.unit_ids, "sources": self.sources,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "overdue": self.overdue, "type_unconfirmed": self.type_unconfirmed, "text": self.text,
        }


def _str_list(value, name: str, allowed: set[str]) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FilterError(f"{name}: expected a list of strings")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise FilterError(f"{name}: unknown values {bad}")
    return list(dict.fromkeys(value))


def _int_list(value, name: str) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise FilterError(f"{name}: expected a list of ids")
    try:
        out = [int(v) for v in value]
    except (TypeError, ValueError):
        raise FilterError(f"{name}: expected a list of ids") from None
    if len(out) > 500:
        raise FilterError(f"{name}: at most 500 values")
    return list(dict.fromkeys(out))


def _date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FilterError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None


def local_day_start(d: date) -> datetime:
    """00:00 Asia/Shanghai of ``d`` as an aware datetime (compared against stored UTC)."""
    return datetime.combine(d, time(0), tzinfo=LOCAL_TZ)


def conditions(f: CaseFilter, *, now: datetime | None = None, scope_unit_id: int | None = None,
               upto_id: int | None = None) -> list[Any]:
    """The SQL WHERE terms of ``f`` (on the cases table only, so counting needs no joins).

    ``upto_id`` pins a list to the cases that existed when it was opened (see :class:`Snapshot`)."""
    now = now or utcnow()
    where: list[Any] = []
    if upto_id is not None:
        where.append(Case.id <= upto_id)
    if scope_unit_id is not None:
        where.append(Case.unit_id == scope_unit_id)
    if f.states:
        where.append(Case.state.in_(f.states))
    if f.type_ids:
        where.append(Case.problem_type_id.in_(f.type_ids))
    if f.district_ids:
        where.append(Case.district_id.in_(f.district_ids))
    if f.unit_ids:
        where.append(Case.unit_id.in_(f.unit_ids))
    if f.sources:
        where.append(Case.source.in_(f.sources))
    if f.date_from:
        where.append(Case.found_at >= local_day_start(f.date_from))
    if f.date_to:
        where.append(Case.found_at < local_day_start(f.date_to + timedelta(days=1)))
    if f.overdue:
        where.append(and_(Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now))
    if f.type_unconfirmed:
        where.append(Case.type_unconfirmed.is_(True))
    if f.text:
        # a case code (AJ2025…) is searched by prefix as a range on the unique index; other text in descriptions
        code_range = and_(Case.code >= f.text.upper(), Case.code < f.text.upper() + "\uffff")
        if _CODE_LIKE.match(f.text):
            where.append(code_range)
        else:
            like = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(or_(code_range, Case.description.like(f"%{like}%", escape="\\")))
    return where


def _select_rows(now: datetime):
    overdue = and_(Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now)
    return (
        select(Case.id, Case.code, Case.state, ProblemType.name.label("type"), District.name.label("district"),
               MonitoringPoint.name.label("point"), _unit.name.label("unit"), Case.source, Case.found_at,
               Case.deadline_at, overdue.label("overdue"), Case.description, Case.type_unconfirmed)
        .select_from(Case)
        .join(ProblemType, ProblemType.id == Case.problem_type_id)
        .outerjoin(District, District.id == Case.district_id)
        .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id)
        .outerjoin(_unit, _unit.id == Case.unit_id)
    )


# name columns of small registries: sorted through a rank of the foreign key (no join needed to sort)
NAME_SORTS = {"type": (ProblemType, Case.problem_type_id), "district": (District, Case.district_id),
              "point": (MonitoringPoint, Case.point_id), "unit": (ResponsibleUnit, Case.unit_id)}


def _name_rank(session: Session, key: str):
    model, fk = NAME_SORTS[key]
    ids = [i for i, _ in sorted(session.execute(select(model.id, model.name)), key=lambda r: (r[1] or "", r[0]))]
    if not ids:
        return fk
    return case({i: rank for rank, i in enumerate(ids)}, value=fk, else_=None)


def _order(sort: list[dict[str, Any]] | None, session: Session | None = None):
    terms = []
    for item in sort or []:
        key = str(item.get("colId"))
        col = SORTABLE.get(key)
        if col is None:
            continue
        if session is not None and key in NAME_SORTS:
            col = _name_rank(session, key)
        desc = str(item.get("sort", "asc")).lower() == "desc"
        terms.append(col.desc().nulls_last() if desc else col.asc().nulls_last())
    if not terms:
        terms = [Case.found_at.desc()]
    terms.append(Case.id.desc())  # unique tie-breaker: stable pages
    return terms


def case_page(session: Session, f: CaseFilter, *, offset: int = 0, limit: int = 100,
              sort: list[dict[str, Any]] | None = None, now: datetime | None = None,
              scope_unit_id: int | None = None, upto_id: int | None = None) -> list[dict[str, Any]]:
    """One page of cases as dicts (keys :data:`COLUMNS`).

    Deferred join: the page's ids are chosen on the cases table alone (filter, sort, LIMIT/OFFSET), then
    only those rows are joined to the registry for display.
    """
    now = now or utcnow()
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    terms = _order(sort, session)
    ids = (select(Case.id).where(*conditions(f, now=now, scope_unit_id=scope_unit_id, upto_id=upto_id))
           .order_by(*terms).offset(offset).limit(limit).subquery())
    q = _select_rows(now).join(ids, ids.c.id == Case.id).order_by(*terms)
    return [dict(r._mapping) for r in session.execute(q)]


def case_count(session: Session, f: CaseFilter, *, now: datetime | None = None,
               scope_unit_id: int | None = None, upto_id: int | None = None) -> int:
    where = conditions(f, now=now, scope_unit_id=scope_unit_id, upto_id=upto_id)
    return session.scalar(select(func.count(Case.id)).where(*where)) or 0


@dataclass(frozen=True)
class Snapshot:
    """What a paged list stands on while it is scrolled: the newest case id and the clock when it was
    opened. Every page of one list is read against the same snapshot, so cases arriving meanwhile neither
    shift the LIMIT/OFFSET pages (rows shown twice, others missing) nor change the count; the list
    shows them when it is refreshed (a new snapshot)."""

    upto_id: int
    at: datetime

    @classmethod
    def take(cls, session: Session, now: datetime | None = None) -> "Snapshot":
        return cls(int(session.scalar(select(func.max(Case.id))) or 0), now or utcnow())

    def to_dict(self) -> dict[str, Any]:
        return {"upto_id": self.upto_id, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> "Snapshot | None":
        """The snapshot stored by the page, or None when missing or malformed (then the list reads live)."""
        if not isinstance(data, dict):
            return None
        try:
            at = datetime.fromisoformat(str(data["at"]))
            upto = int(data["upto_id"])
        except (KeyError, TypeError, ValueError):
            return None
        if at.tzinfo is None or upto < 0:
            return None
        return cls(upto, at)


def iter_cases(session: Session, f: CaseFilter, *, sort: list[dict[str, Any]] | None = None,
               now: datetime | None = None, scope_unit_id: int | None = None,
               batch: int = 2000) -> Iterator[dict[str, Any]]:
    """All matching cases in batches (for exports), in the grid's order."""
    now = now or utcnow()
    q = (_select_rows(now).where(*conditions(f, now=now, scope_unit_id=scope_unit_id))
         .order_by(*_order(sort, session)).execution_options(yield_per=batch))
    for r in session.execute(q):
        yield dict(r._mapping)


def open_cases_of_unit(session: Session, unit_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """A unit's cases waiting for it (交办), overdue first, then by deadline (我的任务)."""
    now = now or utcnow()
    q = (_select_rows(now).where(Case.unit_id == unit_id, Case.state == CaseState.DISPATCHED.value)
         .order_by(Case.deadline_at.asc().nulls_last(), Case.id.asc()))
    return [dict(r._mapping) for r in session.execute(q)]
