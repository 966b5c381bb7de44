"""History of hand-entered indicator progress (指标进度填报记录): every value a unit's progress on an indicator
was set to — who, when, value, own target, note/evidence — append-only, newest last.

:func:`models.indicator_progress.update_assignment` and :func:`~models.indicator_progress.assign` append an
entry in the same transaction as the change, so the history explains the current value."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base
from .types import UTCDateTime


class IndicatorProgressEntry(Base):
    """One recorded progress value of a unit on an indicator."""

    __tablename__ = "indicator_progress_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(12), default="update")  # assign | update

    __table_args__ = (Index("ix_indicator_progress_entries_pair", "indicator_id", "unit_id", "id"),)


def _refuse(mapper, connection, target) -> None:
    raise RuntimeError("indicator_progress_entries: the progress history is append-only")


event.listen(IndicatorProgressEntry, "before_update", _refuse)


def record(session: Session, indicator_id: int, unit_id: int, *, value: float, target: float | None,
           note: str | None, actor: str, at: datetime, kind: str = "update") -> IndicatorProgressEntry:
    """Append one entry (the caller has validated the values)."""
    e = IndicatorProgressEntry(indicator_id=indicator_id, unit_id=unit_id, value=value, target=target, note=note,
                               actor=actor, at=at, kind=kind)
    session.add(e)
    return e


def history(session: Session, indicator_id: int, unit_id: int) -> list[dict]:
    """Entries of one assignment, oldest first."""
    q = (select(IndicatorProgressEntry).where(IndicatorProgressEntry.indicator_id == indicator_id,
                                              IndicatorProgressEntry.unit_id == unit_id)
         .order_by(IndicatorProgressEntry.id))
    return [{"value": e.value, "target": e.target, "note": e.note or "", "actor": e.actor, "at": e.at,
             "kind": e.kind} for e in session.scalars(q)]
