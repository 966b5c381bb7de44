"""Passwords (Argon2id) and API tokens (random, stored as SHA-256). No default credentials exist."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import ApiToken, Role, User
from .clock import utcnow
from .registry import ResponsibleUnit

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters

TOKEN_PREFIX = "cw_"
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user or token request is invalid; the message says what is wrong."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A random one-time password (printed once, never stored in clear)."""
    return secrets.token_urlsafe(12)


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccountError(f"unknown role {role!r}; expected one of: {allowed}") from None


def _unit_id(session: Session, role: Role, unit_code: str | None) -> int | None:
    if role is Role.UNIT and not unit_code:
        raise AccountError("role 'unit' needs --unit CODE (the responsible unit the operator acts for)")
    if not unit_code:
        return None
    unit = session.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == unit_code))
    if unit is None:
        raise AccountError(f"unknown unit code {unit_code!r}")
    return unit.id


def add_user(
    session: Session, username: str, password: str, role: str, unit_code: str | None = None,
    display_name: str | None = None, must_change_password: bool = False,
) -> User:
    """Create a user with a hashed password. Raises :class:`AccountError` on bad input or a taken name."""
    r = _role(role)
    if r in (Role.WALL, Role.EDGE):
        raise AccountError(f"role {r.value!r} is for tokens (`civicwatch token create`), not for users")
    if not username or len(username) > 64:
        raise AccountError("user name must be 1–64 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username, display_name=display_name or username, password_hash=hash_password(password),
        role=r.value, unit_id=_unit_id(session, r, unit_code), active=True, failed_logins=0,
        must_change_password=must_change_password, created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, role: str, unit_code: str | None = None, name: str | None = None,
    days: float | None = 365,
) -> tuple[str, ApiToken]:
    """Create an API token; returns the clear token (shown once) and its stored row."""
    r = _role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        token_sha256=token_digest(token), prefix=token[:10], name=name, role=r.value,
        unit_id=_unit_id(session, r, unit_code), created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_token(session: Session, token: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token row for a clear token, or ``None`` when unknown, expired or revoked."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token)))
    now = now or utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row


def resolve_token_id(session: Session, token_id: int, *, now: datetime | None = None) -> ApiToken | None:
    """The live token row with this id (a session remembers the id, never the token), or ``None``."""
    row = session.get(ApiToken, token_id)
    now = now or utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row


# --- login with per-account throttling -------------------------------------------------------------------

_dummy: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current hasher, to spend the same time on unknown names (made once, lazily)."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("civicwatch-timing-equaliser")
    return _dummy[key]


class LoginResult:
    """Outcome of :func:`check_login`: ``user`` on success, else ``reason`` (bad|locked|disabled)."""

    __slots__ = ("user", "reason", "locked_until")

    def __init__(self, user: User | None, reason: str | None = None, locked_until: datetime | None = None):
        self.user = user
        self.reason = reason
        self.locked_until = locked_until

    @property
    def ok(self) -> bool:
        return self.user is not None


def check_login(
    session: Session, username: str, password: str, *, max_failed: int | None = None,
    lockout_minutes: float = 15, now: datetime | None = None,
) -> LoginResult:
    """Verify a login and update the account's failure counter (in ``session``; the caller commits).

    With ``max_failed`` set, that many consecutive failures lock the account for ``lockout_minutes`` for
    everyone; the web login passes ``None`` and limits failures per (account, address) instead
    (``dashboard.rate_limits``), so a guesser cannot lock a known account for its owner. A locked account
    (``locked_until`` in the future) is refused even with the right password. Unknown names cost the same
    hashing time.
    """
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        verify_password(_dummy_hash(), password or "x")
        return LoginResult(None, "bad")
    if user.locked_until is not None and user.locked_until > now:
        verify_password(_dummy_hash(), password or "x")
        return LoginResult(None, "locked", user.locked_until)
    if not verify_password(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if max_failed is not None and user.failed_logins >= max_failed:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            return LoginResult(None, "locked", user.locked_until)
        return LoginResult(None, "bad")
    if not user.active:
        return LoginResult(None, "disabled")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return LoginResult(user)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; clears ``must_change_password`` and raises
    ``session_version`` (every browser session logged in before the change is ended)."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current password is wrong")
    if current == new:
        raise AccountError("the new password must differ from the current one")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version = (user.session_version or 0) + 1  # ends the user's other sessions
