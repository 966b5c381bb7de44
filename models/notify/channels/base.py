"""The channel interface: ``send(message)`` delivers one message or raises :class:`DeliveryError`."""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from ...config import ChannelConfig, ConfigError, NotifyConfig

CHANNELS: dict[str, type["Channel"]] = {}


class DeliveryError(Exception):
    """A delivery failed. ``retryable``: worth another try later (network, 5xx, rate limit); otherwise the
    message is a dead letter at once (bad address, rejected signature …). ``code`` is the provider's code."""

    def __init__(self, message: str, *, retryable: bool = True, code: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass
class OutMessage:
    """What a channel sends: one outbox row's content."""

    subject: str
    body: str
    recipient: str
    dedupe_key: str
    event: str
    case_code: str | None = None
    link: str | None = None
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (file name, bytes, MIME type)
    fields: dict[str, Any] = field(default_factory=dict)  # event_label, deadline, type, place …

    @classmethod
    def from_row(cls, row) -> "OutMessage":
        payload = row.payload or {}
        att = [(a["name"], base64.b64decode(a["data"]), a.get("mime", "application/octet-stream"))
               for a in payload.get("attachments", [])]
        return cls(row.subject, row.body, row.recipient, row.dedupe_key, row.event, row.case_code,
                   payload.get("link"), att, {k: v for k, v in payload.items() if k != "attachments"})


class Channel:
    """Base of a channel plugin; ``config`` is its :class:`ChannelConfig`, ``resolve_path`` resolves paths."""

    kind = ""

    def __init__(self, config: ChannelConfig, resolve_path: Callable[[str], Any] = str):
        self.config = config
        self.name = config.name
        self.resolve_path = resolve_path
        self.check()

    def check(self) -> None:
        """Raise :class:`ConfigError` naming what is missing (called at start-up)."""

    def send(self, message: OutMessage) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def env(self, attr: str, *, required: bool = True) -> str | None:
        """The value of the environment variable named by config field ``attr``."""
        var = getattr(self.config, attr)
        if not var:
            if required:
                raise ConfigError(f"notify.channels[{self.name}].{attr}: required for kind {self.kind}")
            return None
        value = os.environ.get(var)
        if value is None and required:
            raise ConfigError(f"notify.channels[{self.name}].{attr}: environment variable {var} is not set")
        return value

    def url(self) -> str:
        url = self.env("url_env", required=False) if self.config.url_env else None
        url = url or self.config.url
        if not url:
            raise ConfigError(f"notify.channels[{self.name}]: set url or url_env (kind {self.kind})")
        return url


def register(kind: str):
    def deco(cls: type[Channel]) -> type[Channel]:
        cls.kind = kind
        CHANNELS[kind] = cls
        return cls
    return deco


def build_channels(cfg: NotifyConfig, resolve_path: Callable[[str], Any] = str) -> dict[str, Channel]:
    """One channel object per configured channel, by name (raises :class:`ConfigError` on a bad one)."""
    out = {}
    for c in cfg.channels:
        cls = CHANNELS.get(c.kind)
        if cls is None:
            raise ConfigError(f"notify.channels[{c.name}].kind: unknown channel kind {c.kind!r}; known: "
                              f"{', '.join(sorted(CHANNELS))}")
        out[c.name] = cls(c, resolve_path)
    return out
