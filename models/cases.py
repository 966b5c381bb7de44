"""Observations, cases, their append-only transition log and evidence images.

Chinese terms: 观测 observation, 案件 case, 流转记录 transition, 证据 evidence.
The case row is a projection of its log: every field that changes is changed together with an
appended :class:`CaseTransition`, in one transaction, and can be recomputed from the log.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base
from .registry import Camera, District, MonitoringPoint, ProblemType, ResponsibleUnit
from .types import JSONType, UTCDateTime


class CaseState(str, enum.Enum):
    """States of a case (发现 → 立案 → 交办 → 整改 → 复核 → 销号, or 作废)."""

    FOUND = "found"            # 发现
    ACCEPTED = "accepted"      # 立案
    DISPATCHED = "dispatched"  # 交办
    RECTIFIED = "rectified"    # 整改 (reported by the unit, awaiting 复核)
    VERIFIED = "verified"      # 复核 (passed)
    CLOSED = "closed"          # 销号
    INVALID = "invalid"        # 作废


class CaseSource(str, enum.Enum):
    """Where a case came from."""

    CAMERA = "camera"        # 视频监控
    CITIZEN = "citizen"      # 公众举报 (随手拍)
    INSPECTOR = "inspector"  # 监督员上报
    EDGE = "edge"            # AI 边缘设备
    ASSIGNED = "assigned"    # 上级交办


class Observation(Base):
    """One detector hit on one sampled frame (the raw material problems are made of)."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    problem_type_id: Mapped[int] = mapped_column(ForeignKey("problem_types.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    zone: Mapped[str | None] = mapped_column(String(40))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(Float, default=1.0)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_observations_camera_at", "camera_id", "observed_at"),
        Index("ix_observations_case", "case_id"),
        Index("ix_observations_at", "observed_at"),
    )


class Case(Base):
    """Case — 案件: one problem moving through the workflow. A projection of its transition log."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default=CaseState.FOUND.value)
    problem_type_id: Mapped[int] = mapped_column(ForeignKey("problem_types.id"))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_points.id"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    zone: Mapped[str | None] = mapped_column(String(40))
    box: Mapped[list[float] | None] = mapped_column(JSONType)  # relative x1, y1, x2, y2
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(120))  # as reported, or the nearest registry point/road
    score: Mapped[float | None] = mapped_column(Float)
    external_ref: Mapped[str | None] = mapped_column(String(80))  # edge event id / citizen tracking code
    reporter_contact: Mapped[str | None] = mapped_column(String(40))  # personal data: supervisors only
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # recurrence link
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first dispatch
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last rectification report
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # written by `civicwatch demo history` (演示历史数据), not found by live detection
    demo_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # 类型待确认 (type to be confirmed): detection raised it as the best allowed type although no type rule
    # took it; the supervisor confirms or changes the type at 立案 (accept with ``problem_type_id``)
    type_unconfirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    problem_type: Mapped[ProblemType] = relationship()
    point: Mapped[MonitoringPoint | None] = relationship()
    camera: Mapped[Camera | None] = relationship()
    district: Mapped[District | None] = relationship()
    unit: Mapped[ResponsibleUnit | None] = relationship()
    transitions: Mapped[list["CaseTransition"]] = relationship(
        back_populates="case", order_by="CaseTransition.seq"
    )
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="case", order_by="Evidence.id")

    __table_args__ = (
        Index("ix_cases_state", "state"),
        Index("ix_cases_type_unconfirmed", "type_unconfirmed", "state"),
        Index("ix_cases_found_at", "found_at"),
        Index("ix_cases_unit_state", "unit_id", "state"),
        Index("ix_cases_district_state", "district_id", "state"),
        Index("ix_cases_type_found", "problem_type_id", "found_at"),
        Index("ix_cases_point", "point_id"),
        Index("ix_cases_camera_state", "camera_id", "state"),
        Index("ix_cases_deadline_state", "deadline_at", "state"),
        Index("ix_cases_external_ref", "source", "external_ref"),
        Index("ix_cases_dispatched_at", "dispatched_at", "state"),  # summary: covering range counts
        Index("ix_cases_state_deadline", "state", "deadline_at"),  # overdue = dispatched and deadline passed
        Index("ix_cases_state_dispatched", "state", "dispatched_at"),  # summary: not-yet-handled this year
        Index("ix_cases_handled_at", "handled_at"),
        # recurrences of given cases (不复发率 of the measured indicators, read by the wall's rankings)
        Index("ix_cases_previous_case", "previous_case_id"),
        # covering indexes of the wall's year aggregates (index-only scans, not a pass over the whole table):
        # cases found since a date and the stages they reached; the period KPIs of the dispatched cases by
        # district/unit (models.kpi_report.case_kpis: the incentive scores the wall ranks by)
        Index("ix_cases_found_stages", "found_at", "accepted_at", "dispatched_at", "handled_at", "verified_at",
              "closed_at"),
        Index("ix_cases_dispatched_rank", "dispatched_at", "state", "district_id", "unit_id", "deadline_at",
              "handled_at", "closed_at", "rework_count", "extension_count"),
        Index("ix_cases_updated_state", "updated_at", "state"),  # detection: cases closed in the last seconds
    )


class CaseTransition(Base):
    """One recorded state change of a case (who, when, from, to, note, attachments). Append-only."""

    __tablename__ = "case_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per case
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # unit, deadline, evidence ids …

    case: Mapped[Case] = relationship(back_populates="transitions")

    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_transitions_case_seq"),
        Index("ix_case_transitions_at_action", "at", "action"),
    )


class Evidence(Base):
    """An evidence image stored by content hash (first sight, confirmation, rectification, re-check …)."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(300))
    # first_sight|confirmation|rectification|recheck|recheck_crop|citizen|edge, and the camera re-check's
    # reference crops ref_problem|ref_clean (see models/detection/recheck_store.py)
    kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case | None] = relationship(back_populates="evidence")
