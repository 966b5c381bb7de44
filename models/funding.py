"""The funding ledger (经费补助台账) of the positive incentives: proposals, their allocation lines and the
decisions on them. Append-only: rows are inserted, never changed or deleted (enforced below); a proposal's
status is its latest decision (none yet: pending).

- :class:`FundingProposal` 补助方案 — for one reporting period, with the frozen incentive-score snapshot it was
  proposed from;
- :class:`FundingLine` 补助明细 — amount (whole yuan), recipient (a unit, a county, a village or an old
  residential compound) and purpose;
- :class:`FundingDecision` 审批记录 — approved or rejected, by whom, when, why.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from .db import Base
from .types import JSONType, UTCDateTime

RECIPIENT_KINDS = ("unit", "district", "village", "compound")
DECISIONS = ("approved", "rejected")


class FundingProposal(Base):
    """A proposed allocation of creation funding (创建经费补助方案) for one period."""

    __tablename__ = "funding_proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    period_label: Mapped[str] = mapped_column(String(40))
    period_first_day: Mapped[date] = mapped_column(Date, index=True)
    period_last_day: Mapped[date] = mapped_column(Date)
    total_yuan: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_role: Mapped[str] = mapped_column(String(16))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)  # models.incentives.score_period, frozen

    lines: Mapped[list["FundingLine"]] = relationship(order_by="FundingLine.seq")
    decisions: Mapped[list["FundingDecision"]] = relationship(order_by="FundingDecision.id")


class FundingLine(Base):
    """One allocation: amount to a recipient for a purpose (补助明细)."""

    __tablename__ = "funding_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("funding_proposals.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    recipient_kind: Mapped[str] = mapped_column(String(12))  # unit | district | village | compound
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    recipient_name: Mapped[str] = mapped_column(String(80))
    amount_yuan: Mapped[int] = mapped_column(Integer)
    suggested_yuan: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column()
    purpose: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("proposal_id", "seq", name="uq_funding_lines_proposal_seq"),)


class FundingDecision(Base):
    """An approval or rejection of a proposal (审批记录)."""

    __tablename__ = "funding_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("funding_proposals.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))  # approved | rejected
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("proposal_id", name="uq_funding_decisions_proposal"),)


class AppendOnlyError(RuntimeError):
    """A ledger row was about to be changed or deleted (through the ORM; the database role of a deployment
    should also lack UPDATE/DELETE on these tables)."""


def _refuse(kind: str):
    def listener(mapper, connection, target) -> None:
        raise AppendOnlyError(f"{target.__tablename__}: the funding ledger is append-only ({kind} refused)")
    return listener


LEDGER_TABLES = frozenset({"funding_proposals", "funding_lines", "funding_decisions"})

for _model in (FundingProposal, FundingLine, FundingDecision):
    event.listen(_model, "before_update", _refuse("update"))
    event.listen(_model, "before_delete", _refuse("delete"))


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    """ORM-enabled bulk ``update()`` / ``delete()`` of a ledger table is refused too."""
    if (state.is_update or state.is_delete) and getattr(state.statement, "table", None) is not None \
            and state.statement.table.name in LEDGER_TABLES:
        raise AppendOnlyError(f"{state.statement.table.name}: the funding ledger is append-only "
                              f"({'update' if state.is_update else 'delete'} refused)")
