"""Users, roles and API tokens. Passwords are hashed with Argon2id; tokens are stored as SHA-256 only."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base
from .registry import ResponsibleUnit
from .types import JSONType, UTCDateTime


class Role(str, enum.Enum):
    """Roles checked on the server for every page, callback and API route."""

    ADMIN = "admin"            # 系统管理员
    SUPERVISOR = "supervisor"  # 文明办督查员
    UNIT = "unit"              # 责任单位操作员 (bound to one unit)
    VIEWER = "viewer"          # 只读用户
    WALL = "wall"              # 大屏 (read-only token)
    EDGE = "edge"              # AI 边缘设备 (pushes events)


class User(Base):
    """A person who logs in."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # raised by every password change; a browser session made under an older value is ended
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # per-user preferences of the desktop pages, e.g. {"case_filters": {name: filter}} (保存的筛选)
    prefs: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=dict)

    unit: Mapped[ResponsibleUnit | None] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API, the wall or an edge device; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to recognise a token in lists
    name: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
