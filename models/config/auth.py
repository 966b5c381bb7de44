"""Authentication section of the configuration."""
from __future__ import annotations

from pydantic import Field

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
    max_failed_logins: int = Field(5, gt=0, description="Failed logins before an account is locked for a while.")
    lockout_minutes: float = Field(15, gt=0, description="How long a throttled account stays locked.")
    token_days: int = Field(365, gt=0, description="Default lifetime of API tokens created by `token create`.")
    wall_allow_addresses: list[str] = Field(
        default_factory=list,
        description="Client addresses (or CIDR networks) allowed to open /wall without a token.",
    )
