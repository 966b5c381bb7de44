"""Moving-window limits for public submissions (per client address, per phone number), on ``limits``.

``limits`` is the library under Flask-Limiter: the web app builds one Flask-Limiter and hands its strategy
(memory in the embedded default, Redis when configured, shared by every worker) to :class:`SubmissionLimits`,
so the login limits and the submission limits share one storage. Keys are hashed, so neither memory nor
Redis ever holds a phone number or an address in clear.
"""
from __future__ import annotations

import hashlib
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from .config import AppConfig
from .config.reporting import RateLimitConfig


class RateLimited(Exception):
    """A submission exceeds a rate limit; ``retry_after_s`` says when the next one is accepted."""

    def __init__(self, what: str, retry_after_s: float):
        super().__init__(f"rate limit exceeded for {what}; retry after {retry_after_s:.0f} s")
        self.what = what
        self.retry_after_s = retry_after_s


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def storage_uri(config: AppConfig) -> str:
    """Where the limits live: Redis when the config has one (``reporting.rate_limit`` or ``scale``), else memory."""
    rl = config.reporting.rate_limit
    url = rl.redis_url or config.scale.redis_url
    if rl.backend == "redis" and not url:
        raise ValueError("reporting.rate_limit.redis_url: required when backend is 'redis' (or set scale.redis_url)")
    return url if url else "memory://"


def make_strategy(uri: str = "memory://") -> RateLimiter:
    """A moving-window strategy on the storage at ``uri`` (tests; the web app uses Flask-Limiter's)."""
    return MovingWindowRateLimiter(storage_from_string(uri))


def item(limit: int, window_s: float) -> RateLimitItemPerSecond:
    """``limit`` events per ``window_s`` seconds (rounded up to whole seconds)."""
    return RateLimitItemPerSecond(limit, max(1, int(-(-window_s // 1))))


def wait_s(strategy: RateLimiter, limit: RateLimitItemPerSecond, *keys: str) -> float:
    """Seconds until ``keys`` may be counted again under ``limit`` (0: now)."""
    if strategy.test(limit, *keys):
        return 0.0
    reset = strategy.get_window_stats(limit, *keys).reset_time
    return max(1.0, reset - time.time())


class SubmissionLimits:
    """The two public-submission limits of the config, checked together before anything is stored."""

    def __init__(self, cfg: RateLimitConfig, strategy: RateLimiter | None = None):
        self.cfg = cfg
        self.strategy = strategy or make_strategy()

    def check(self, address: str | None, phone: str | None) -> None:
        """Count one submission; raise :class:`RateLimited` (nothing counted) when a limit is reached."""
        c = self.cfg
        checks = []
        if address:
            checks.append(("address", ("submit-addr", digest(address)), item(c.per_address, c.address_window_s)))
        if phone:
            checks.append(("phone", ("submit-phone", digest(phone)), item(c.per_phone, c.phone_window_s)))
        for what, keys, limit in checks:
            wait = wait_s(self.strategy, limit, *keys)
            if wait > 0:
                raise RateLimited(what, wait)
        for what, keys, limit in checks:
            if not self.strategy.hit(limit, *keys):  # lost a race with a concurrent request
                raise RateLimited(what, wait_s(self.strategy, limit, *keys))
