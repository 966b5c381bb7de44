"""Problem types as detection data (问题类型): signals, zone kinds, dwell, active hours, confirmation, de-dup.

:class:`TypeSpec` is a plain copy of a ``ProblemType`` row (so detection threads never touch ORM objects);
:class:`TypeBook` resolves a type referred to by code or by Chinese name (``resolve("PT01")`` or
``resolve("暴露垃圾")``) and raises :class:`UnknownProblemType` naming the reference and the known ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class UnknownProblemType(KeyError):
    """A zone, config or command names a problem type that does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def parse_hours(text: str | None) -> list[tuple[int, int]] | None:
    """``"07:00-22:00"`` (or several, comma-separated) → minute ranges; ``None``/empty = always active.

    A range may wrap past midnight (``"22:00-06:00"``). Raises ``ValueError`` naming the bad part.
    """
    if text is None or not str(text).strip():
        return None
    out = []
    for part in str(text).split(","):
        m = _RANGE.match(part)
        if not m:
            raise ValueError(f"active hours {text!r}: expected HH:MM-HH:MM[,HH:MM-HH:MM], bad part {part!r}")
        h1, m1, h2, m2 = map(int, m.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f"active hours {text!r}: {part!r} is not a time of day")
        out.append((h1 * 60 + m1, h2 * 60 + m2))
    return out


def hours_active(ranges: list[tuple[int, int]] | None, local: datetime) -> bool:
    """Whether a local time falls in the ranges (``None`` = always)."""
    if ranges is None:
        return True
    minute = local.hour * 60 + local.minute
    for a, b in ranges:
        if a <= b and a <= minute < b:
            return True
        if a > b and (minute >= a or minute < b):
            return True
    return False


@dataclass(frozen=True)
class TypeSpec:
    """What detection needs of one problem type (a copy of the ``ProblemType`` row)."""

    code: str
    name: str
    signals: tuple[str, ...] = ()
    zone_kinds: tuple[str, ...] = ()
    dwell_s: float = 60.0
    active_hours: str | None = None
    confirm_frames: int = 3
    dedup_window_s: float = 3600.0
    camera_visible: bool = True
    id: int | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def hours(self) -> list[tuple[int, int]] | None:
        return parse_hours(self.active_hours)

    def has_signal(self, signal: str) -> bool:
        return signal in self.signals

    @classmethod
    def from_row(cls, row) -> "TypeSpec":
        return cls(code=row.code, name=row.name, signals=tuple(row.signals or ()),
                   zone_kinds=tuple(row.zone_kinds or ()), dwell_s=float(row.dwell_s or 0),
                   active_hours=row.active_hours, confirm_frames=int(row.confirm_frames or 1),
                   dedup_window_s=float(row.dedup_window_s or 0), camera_visible=bool(row.camera_visible),
                   id=row.id, params=dict(row.params or {}))


class TypeBook:
    """All problem types, looked up by code or Chinese name."""

    def __init__(self, types: Iterable[TypeSpec]):
        self.types = list(types)
        self._by: dict[str, TypeSpec] = {}
        for t in self.types:
            self._by[t.code] = t
            self._by[t.name] = t

    def resolve(self, ref: str) -> TypeSpec:
        """The type whose code or Chinese name is ``ref``."""
        key = str(ref).strip()
        if key in self._by:
            return self._by[key]
        known = ", ".join(f"{t.code} {t.name}" for t in self.types[:40])
        raise UnknownProblemType(f"unknown problem type {ref!r}: use a code or Chinese name ({known})")

    def get(self, ref: str) -> TypeSpec | None:
        return self._by.get(str(ref).strip())

    def with_signal(self, prefix: str) -> list[TypeSpec]:
        return [t for t in self.types if any(s == prefix or s.startswith(prefix + ":") for s in t.signals)]

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self):
        return iter(self.types)


def load_types(session) -> TypeBook:
    """Every ``ProblemType`` row of the database as a :class:`TypeBook`."""
    from sqlalchemy import select

    from ..registry import ProblemType

    return TypeBook(TypeSpec.from_row(r) for r in session.scalars(select(ProblemType).order_by(ProblemType.id)))


def resolve_type(book: TypeBook, ref: str) -> TypeSpec:
    """Module-level resolver: a type by code or Chinese name (raises :class:`UnknownProblemType`)."""
    return book.resolve(ref)
