"""The city's registry: districts, responsible units, monitoring points, cameras, indicators, problem types.

Chinese terms: 区县 district, 责任单位 responsible unit, 点位 monitoring point, 前端监控 camera,
创建指标 creation indicator, 问题类型 / 重点难点问题数据模型 problem type.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base
from .types import JSONType, UTCDateTime

point_units = Table(
    "point_units",
    Base.metadata,
    Column("point_id", ForeignKey("monitoring_points.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("responsible_units.id", ondelete="CASCADE"), primary_key=True),
)

problem_type_indicators = Table(
    "problem_type_indicators",
    Base.metadata,
    Column("problem_type_id", ForeignKey("problem_types.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
)


class District(Base):
    """District — 区县: one of Zhangzhou's 11 county-level divisions."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    adcode: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # urban_district | county | county_city
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class ResponsibleUnit(Base):
    """ResponsibleUnit — 责任单位: a body that rectifies problems (bureau, district, street office, enterprise)."""

    __tablename__ = "responsible_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # city_bureau | district | street_office | enterprise
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    parent: Mapped["ResponsibleUnit | None"] = relationship(remote_side=[id])
    district: Mapped[District | None] = relationship()


class MonitoringPoint(Base):
    """MonitoringPoint — 点位: a place checked in the civilized-city assessment (market, school, street …)."""

    __tablename__ = "monitoring_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(120))
    lon: Mapped[float] = mapped_column(Float)  # GCJ-02
    lat: Mapped[float] = mapped_column(Float)  # GCJ-02

    district: Mapped[District] = relationship()
    units: Mapped[list[ResponsibleUnit]] = relationship(secondary=point_units)
    cameras: Mapped[list["Camera"]] = relationship(back_populates="point")


class Camera(Base):
    """Camera — 前端监控: a fixed camera at a point, with its source, sampling interval, zones and health."""

    __tablename__ = "cameras"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(20), default="simulated")
    source_url: Mapped[str | None] = mapped_column(String(500))
    sample_every_s: Mapped[float] = mapped_column(Float, default=2.0)
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    health: Mapped[str] = mapped_column(String(16), default="unknown")  # online|offline|frozen|black|...
    health_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    point: Mapped[MonitoringPoint] = relationship(back_populates="cameras")


class CameraHealthEvent(Base):
    """A recorded change of a camera's health (online → offline …), with its time."""

    __tablename__ = "camera_health_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_camera_health_events_camera_at", "camera_id", "at"),)


class Indicator(Base):
    """Indicator — 创建指标: a creation indicator, grouped by creation class and category."""

    __tablename__ = "indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    creation_class: Mapped[str] = mapped_column(String(12), index=True)  # 文明城市|文明单位|文明村镇|文明校园
    category: Mapped[str] = mapped_column(String(40))
    subcategory: Mapped[str | None] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Float, default=100.0)
    measure: Mapped[str | None] = mapped_column(String(20))  # e.g. %, 分, 个
    description: Mapped[str | None] = mapped_column(Text)
    # progress computed from the cases of the linked problem types (models.indicator_measures.AUTO_RULES):
    # on_time | recheck_passed | no_recurrence; None = progress entered by hand
    auto_rule: Mapped[str | None] = mapped_column(String(24))
    auto_days: Mapped[int | None] = mapped_column(Integer)  # no_recurrence: days without the problem again


class IndicatorAssignment(Base):
    """An indicator assigned to a unit, with the unit's target and recorded progress."""

    __tablename__ = "indicator_assignments"
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[float | None] = mapped_column(Float)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))

    indicator: Mapped[Indicator] = relationship()
    unit: Mapped[ResponsibleUnit] = relationship()


class ProblemType(Base):
    """ProblemType — 问题类型 (重点难点问题数据模型): detection, routing and deadline model of one problem."""

    __tablename__ = "problem_types"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    major_class: Mapped[str] = mapped_column(String(12), index=True)  # 市容环境|宣传广告|街面秩序|施工管理|突发事件
    camera_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    signals: Mapped[list[str]] = mapped_column(JSONType, default=list)  # e.g. ["stationary_object"]
    zone_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)  # e.g. ["sidewalk", "shop_front"]
    dwell_s: Mapped[float] = mapped_column(Float, default=60.0)
    active_hours: Mapped[str | None] = mapped_column(String(40))  # "07:00-22:00"; None = always
    confirm_frames: Mapped[int] = mapped_column(Integer, default=3)
    dedup_window_s: Mapped[float] = mapped_column(Float, default=3600.0)
    dedup_radius_m: Mapped[float] = mapped_column(Float, default=50.0)
    severity: Mapped[int] = mapped_column(Integer, default=2)  # 1 low … 3 high
    deadline_value: Mapped[float] = mapped_column(Float, default=24.0)
    deadline_unit: Mapped[str] = mapped_column(String(16), default="hours")  # hours|working_hours|working_days|days
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # detector-specific parameters
    description: Mapped[str | None] = mapped_column(Text)

    default_unit: Mapped[ResponsibleUnit | None] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(secondary=problem_type_indicators)


class RoutingRule(Base):
    """Routing — 派遣规则: problem type × district × point → responsible unit (most specific wins)."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_type_id: Mapped[int] = mapped_column(ForeignKey("problem_types.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_points.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id"))
