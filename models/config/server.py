"""Web server section of the configuration."""
from __future__ import annotations

from pydantic import Field, field_validator

from .base import Section


class ServerConfig(Section):
    """The one Flask/Dash server that carries the wall, the desktop pages, the public form and the API."""

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8050, gt=0, lt=65536, description="TCP port to listen on.")
    threads: int = Field(16, gt=0, description="Worker threads of the embedded WSGI server.")
    connection_limit: int = Field(
        1000, gt=0,
        description="Open connections the embedded WSGI server accepts at once (each browser keeps up to 6; "
                    "50 wall screens and 20 supervisors exceed waitress's default of 100).",
    )
    public_url: str | None = Field(
        None, description="URL users reach the server at (printed on first start); defaults to http://host:port."
    )
    trusted_proxies: int = Field(
        0, ge=0, le=5,
        description="Reverse proxies in front of the server (nginx, Caddy, a load balancer). With N > 0 the last N "
                    "X-Forwarded-For / -Proto / -Host entries are trusted (Werkzeug ProxyFix) and the client address "
                    "used by rate limits and `auth.wall_allow_addresses` is the one the outermost trusted proxy saw; "
                    "entries a client writes itself are ignored. 0: forwarded headers are ignored.",
    )
    secure_cookies: bool | None = Field(
        None,
        description="Mark the session cookie `Secure` (sent over HTTPS only). Unset: on when `public_url` starts "
                    "with https://.",
    )
    hsts_max_age_s: int = Field(
        31536000, ge=0,
        description="`Strict-Transport-Security` max-age sent on every response when cookies are secure (see "
                    "`secure_cookies`); 0 sends no HSTS header.",
    )
    wall_frame_ancestors: list[str] = Field(
        default_factory=list,
        description="Origins allowed to embed /wall in a frame (a wall controller on another origin, e.g. "
                    "`https://ops.example.gov.cn`); every other page may only be framed by this server itself.",
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone times are shown in; storage is always UTC.")

    @field_validator("wall_frame_ancestors")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for origin in v:
            scheme, sep, host = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not host or any(c in host for c in " ;,'\"/"):
                raise ValueError(f"{origin!r} is not an origin like https://host[:port]")
        return v

    @property
    def https(self) -> bool:
        """Whether the server is reached over HTTPS (``public_url`` starts with https://)."""
        return bool(self.public_url) and self.public_url.lower().startswith("https://")

    @property
    def cookies_secure(self) -> bool:
        return self.https if self.secure_cookies is None else self.secure_cookies
