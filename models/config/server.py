"""Web server section of the configuration."""
from __future__ import annotations

from pydantic import Field

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
    timezone: str = Field("Asia/Shanghai", description="Time zone times are shown in; storage is always UTC.")
