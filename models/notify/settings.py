"""The notification settings in effect for a session (bound to the context's session factory, like the
workflow settings): code on a bare session gets a disabled default with no channels, so nothing is written."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..config import NotifyConfig

INFO_KEY = "civicwatch_notify"
_DEFAULT = NotifyConfig(enabled=False)


def bind(sessions, config: NotifyConfig) -> NotifyConfig:
    """Make ``config`` the notification settings of every session from ``sessions`` (a sessionmaker)."""
    info = dict(sessions.kw.get("info") or {})
    info[INFO_KEY] = config
    sessions.configure(info=info)
    return config


def effective(app_config) -> NotifyConfig:
    """The ``notify`` section with ``base_url`` filled in from the server section when not set."""
    cfg = app_config.notify
    if cfg.base_url:
        return cfg
    server = app_config.server
    return cfg.model_copy(update={"base_url": server.public_url or f"http://{server.host}:{server.port}"})


def bind_ctx(ctx) -> NotifyConfig:
    current = ctx.sessions.kw.get("info", {}).get(INFO_KEY)
    return current if current is not None else bind(ctx.sessions, effective(ctx.config))


def notify_config(session: Session) -> NotifyConfig:
    return session.info.get(INFO_KEY) or _DEFAULT
