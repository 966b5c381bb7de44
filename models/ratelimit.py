"""Sliding-window rate limits for public submissions (per client address, per phone number).

Two backends with one interface: :class:`MemoryRateLimiter` (one process, thread-safe) and
:class:`RedisRateLimiter` (a sorted set per key, shared by every web process). Keys are hashed, so
neither memory nor Redis ever holds a phone number or an address in clear.
"""
from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import deque
from typing import Callable, Protocol

from .config.reporting import RateLimitConfig


class RateLimited(Exception):
    """A submission exceeds a rate limit; ``retry_after_s`` says when the next one is accepted."""

    def __init__(self, what: str, retry_after_s: float):
        super().__init__(f"rate limit exceeded for {what}; retry after {retry_after_s:.0f} s")
        self.what = what
        self.retry_after_s = retry_after_s


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_s: float) -> float | None:
        """Count one event for ``key``; ``None`` if allowed, else seconds until the next is allowed."""

    def peek(self, key: str, limit: int, window_s: float) -> float | None:
        """Like :meth:`hit` but without counting."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class MemoryRateLimiter:
    """In-process sliding window (a deque of event times per key)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _check(self, key: str, limit: int, window_s: float, count: bool) -> float | None:
        now = self._clock()
        k = _digest(key)
        with self._lock:
            q = self._events.get(k)
            if q is None:
                if len(self._events) >= self._max_keys:  # bounded memory: forget idle keys first
                    for old in [x for x, v in self._events.items() if not v or v[-1] <= now - window_s]:
                        del self._events[old]
                q = self._events.setdefault(k, deque())
            while q and q[0] <= now - window_s:
                q.popleft()
            if len(q) >= limit:
                return max(0.0, q[0] + window_s - now)
            if count:
                q.append(now)
            return None

    def hit(self, key: str, limit: int, window_s: float) -> float | None:
        return self._check(key, limit, window_s, True)

    def peek(self, key: str, limit: int, window_s: float) -> float | None:
        return self._check(key, limit, window_s, False)


class RedisRateLimiter:
    """Sliding window in Redis: one sorted set of event times per key, trimmed and counted atomically."""

    def __init__(self, client, prefix: str = "civicwatch:rl:"):
        self._r = client
        self._prefix = prefix

    def _check(self, key: str, limit: int, window_s: float, count: bool) -> float | None:
        k = self._prefix + _digest(key)
        now = time.time()
        pipe = self._r.pipeline(transaction=True)
        pipe.zremrangebyscore(k, 0, now - window_s)
        pipe.zcard(k)
        pipe.zrange(k, 0, 0, withscores=True)
        _, n, first = pipe.execute()
        if n >= limit:
            oldest = first[0][1] if first else now
            return max(0.0, oldest + window_s - now)
        if count:
            pipe = self._r.pipeline(transaction=True)
            pipe.zadd(k, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(k, int(window_s) + 1)
            pipe.execute()
        return None

    def hit(self, key: str, limit: int, window_s: float) -> float | None:
        return self._check(key, limit, window_s, True)

    def peek(self, key: str, limit: int, window_s: float) -> float | None:
        return self._check(key, limit, window_s, False)


def make_rate_limiter(cfg: RateLimitConfig) -> RateLimiter:
    """The limiter the config asks for (Redis needs ``redis_url``)."""
    if cfg.backend == "redis":
        if not cfg.redis_url:
            raise ValueError("reporting.rate_limit.redis_url: required when backend is 'redis'")
        import redis

        return RedisRateLimiter(redis.Redis.from_url(cfg.redis_url, socket_timeout=2))
    return MemoryRateLimiter()


class SubmissionLimits:
    """The two public-submission limits of the config, checked together before anything is stored."""

    def __init__(self, cfg: RateLimitConfig, limiter: RateLimiter | None = None):
        self.cfg = cfg
        self.limiter = limiter or make_rate_limiter(cfg)

    def check(self, address: str | None, phone: str | None) -> None:
        """Count one submission; raise :class:`RateLimited` (nothing counted) when a limit is reached."""
        c = self.cfg
        checks = []
        if address:
            checks.append(("address", "addr:" + address, c.per_address, c.address_window_s))
        if phone:
            checks.append(("phone", "phone:" + phone, c.per_phone, c.phone_window_s))
        for what, key, limit, window in checks:
            wait = self.limiter.peek(key, limit, window)
            if wait is not None:
                raise RateLimited(what, wait)
        for what, key, limit, window in checks:
            wait = self.limiter.hit(key, limit, window)
            if wait is not None:  # lost a race with a concurrent request
                raise RateLimited(what, wait)
