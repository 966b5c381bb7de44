"""Request limits of the web app (Flask-Limiter): failed logins and public submissions.

One :class:`flask_limiter.Limiter` per app, keyed on ``request.remote_addr`` — the TCP peer, or with
``server.trusted_proxies`` the address the outermost trusted proxy saw (Werkzeug ``ProxyFix``, installed in
``dashboard.app``), never a header the client writes. Storage: Redis when the config has one (every
gunicorn worker and web process counts together), memory in the embedded single-process default.

Login: a failed login counts against the pair (account, address) — ``auth.max_failed_logins`` per
``auth.lockout_minutes`` — and against the address alone (4× that, for one machine guessing many accounts).
A guesser elsewhere therefore cannot lock a well-known account (``admin``) for its owner.
"""
from __future__ import annotations

import logging
import threading

import flask
from flask import request
from flask_limiter import Limiter
from limits.strategies import RateLimiter

from models.context import AppContext
from models.ratelimit import digest, item, make_strategy, storage_uri, wait_s

log = logging.getLogger(__name__)

# an address may fail this many times the per-(account, address) limit before it is blocked (offices, NAT)
ADDRESS_LIMIT_FACTOR = 4


def client_address() -> str:
    """The client's address as the rate limits see it (after ProxyFix)."""
    return request.remote_addr or "unknown"


class WithFallback:
    """A limiter strategy that counts in this process's memory while its shared storage (Redis) fails, so a
    Redis outage neither opens the limits nor breaks logins; one log line when it starts and when it ends."""

    def __init__(self, primary: RateLimiter):
        self.primary = primary
        self.memory = make_strategy()
        self._down = False
        self._lock = threading.Lock()

    def _call(self, name: str, *args):
        try:
            result = getattr(self.primary, name)(*args)
        except Exception as exc:  # noqa: BLE001 — any storage error (connection, timeout, protocol)
            with self._lock:
                if not self._down:
                    log.warning("rate-limit storage unavailable (%s); counting in this process until it returns",
                                exc)
                self._down = True
            return getattr(self.memory, name)(*args)
        if self._down:
            with self._lock:
                self._down = False
            log.warning("rate-limit storage is back")
        return result

    def hit(self, *args):
        return self._call("hit", *args)

    def test(self, *args):
        return self._call("test", *args)

    def get_window_stats(self, *args):
        return self._call("get_window_stats", *args)

    def clear(self, *args):
        return self._call("clear", *args)


def init_rate_limits(server: flask.Flask, ctx: AppContext) -> Limiter:
    """Install the app's Flask-Limiter (no default limits: each limited route asks for its own)."""
    limiter = Limiter(client_address, app=server, storage_uri=storage_uri(ctx.config), strategy="moving-window",
                      default_limits=[], headers_enabled=False, key_prefix="civicwatch", swallow_errors=True,
                      in_memory_fallback_enabled=True)
    server.extensions["civicwatch_limiter"] = limiter
    server.extensions["civicwatch_limits"] = WithFallback(limiter.limiter)
    return limiter


def strategy() -> RateLimiter:
    """The current app's limiter strategy (Flask-Limiter's storage, memory while that fails) for limits
    checked inside a view."""
    return flask.current_app.extensions["civicwatch_limits"]


class LoginLimits:
    """The two failed-login limits of ``auth`` for one attempt (``username`` from ``address``)."""

    def __init__(self, auth, username: str, address: str):
        window_s = auth.lockout_minutes * 60
        user = digest(username.strip().lower())
        self.checks = [
            (item(auth.max_failed_logins, window_s), ("login-pair", digest(address), user)),
            (item(auth.max_failed_logins * ADDRESS_LIMIT_FACTOR, window_s), ("login-addr", digest(address))),
        ]

    def wait_s(self) -> float:
        """Seconds until this attempt may be made (0: now)."""
        s = strategy()
        return max(wait_s(s, limit, *keys) for limit, keys in self.checks)

    def address_blocked(self) -> bool:
        s = strategy()
        limit, keys = self.checks[1]
        return wait_s(s, limit, *keys) > 0

    def failed(self) -> None:
        s = strategy()
        for limit, keys in self.checks:
            s.hit(limit, *keys)

    def succeeded(self) -> None:
        """Forget this pair's failures (the address's count stays)."""
        limit, keys = self.checks[0]
        strategy().clear(limit, *keys)


def reset(server: flask.Flask) -> None:
    """Forget every count (tests)."""
    server.extensions["civicwatch_limiter"].reset()
