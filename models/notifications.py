"""Notification tables: the outbox of messages (通知记录), unit contacts (联系人) and reporter consent.

Chinese terms: 通知 notification, 发件箱 outbox, 联系人 contact, 死信 dead letter.
An outbox row is written in the same transaction as the case transition that causes it (see
:mod:`models.notify.hook`) and delivered later by the sender job (:mod:`models.notify.sender`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base
from .types import JSONType, UTCDateTime


class OutboxStatus:
    """States of an outbox row: pending → sending → sent, or failed (retried later) → dead (死信)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # last attempt failed; retried at next_attempt_at
    DEAD = "dead"      # gave up after max_attempts (shown to admins)

    ALL = (PENDING, SENDING, SENT, FAILED, DEAD)


class Notification(Base):
    """Notification — 通知: one message to one recipient over one channel, with its delivery state."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)  # case:event:occurrence:channel:recipient
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    case_code: Mapped[str | None] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(24))  # dispatch|deadline_soon|overdue|escalate|…|briefing|test
    channel: Mapped[str] = mapped_column(String(40))  # a configured channel's name
    recipient: Mapped[str] = mapped_column(String(200))  # address (phone, e-mail, robot mention …)
    recipient_label: Mapped[str | None] = mapped_column(String(120))  # e.g. "城管局 · 联络员"
    urgent: Mapped[bool] = mapped_column(default=False)  # 督办: may be sent in quiet hours
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # link, fields, attachments
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_case", "case_id", "created_at"),
        Index("ix_notifications_created", "created_at"),
    )


class UnitContact(Base):
    """UnitContact — 单位联系人: who of a responsible unit is told, by role and channel.

    ``role``: ``contact`` (联络员), ``leader`` (分管领导), ``duty`` (值班). ``channel`` names a configured
    channel; ``address`` is what that channel needs (phone for SMS, e-mail, a mobile to @ in a robot group).
    """

    __tablename__ = "unit_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))


class ReporterConsent(Base):
    """A citizen agreed to be told about their 随手拍 report (at the contact they left)."""

    __tablename__ = "reporter_consents"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
