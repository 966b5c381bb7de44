"""Authentication section of the configuration."""
from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from .base import Section


class AuthConfig(Section):
    """Sessions, login throttling and API tokens. The secret key comes from the environment only."""

    secret_key_env: str = Field(
        "CIVICWATCH_SECRET_KEY",
        description=(
            "Name of the environment variable holding the session signing key. When it is unset a random "
            "key is generated and kept in `{data_dir}/secret_key` (mode 600)."
        ),
    )
    session_hours: float = Field(12, gt=0, description="A login session expires after this many hours.")
    max_failed_logins: int = Field(
        5, gt=0,
        description="Failed logins from one address for one account before that address may not try that account "
                    "for `lockout_minutes` (others may still log in); one address may fail 4 times this often in "
                    "all before it is refused for every account.",
    )
    lockout_minutes: float = Field(15, gt=0, description="Window and wait time of the login limits (minutes).")
    token_days: int = Field(365, gt=0, description="Default lifetime of API tokens created by `token create`.")
    wall_token_days: float = Field(
        90, gt=0,
        description="Lifetime of the wall token made on first start (`{data_dir}/wall_token`); when it has "
                    "expired or was revoked the next start makes a new one.",
    )
    wall_allow_addresses: list[str] = Field(
        default_factory=list,
        description="Client addresses or CIDR networks (e.g. `10.20.0.0/24`) a wall token is accepted from; "
                    "empty: any address. Behind a proxy set `server.trusted_proxies` so the real address is seen.",
    )

    @field_validator("wall_allow_addresses")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for item in v:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
        return v

    def wall_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(item, strict=False) for item in self.wall_allow_addresses]
