"""The running application's shared parts, handed to every service at start-up."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import AppConfig
from .db import make_engine, make_session_factory
from .frames import FrameQueue


@dataclass
class AppContext:
    """Config, database and the frame queue of one CivicWatch process."""

    config: AppConfig
    engine: Engine
    sessions: sessionmaker[Session]
    frames: FrameQueue
    stop_event: threading.Event = field(default_factory=threading.Event)
    # Running services publish their live status here (shown by /healthz and the health page).
    status: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    # Services started by the runtime, stopped in reverse order.
    stoppers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: AppConfig) -> "AppContext":
        engine = make_engine(
            config.database_url,
            pool_size=config.database.pool_size,
            max_overflow=config.database.max_overflow,
            echo=config.database.echo,
        )
        sessions = make_session_factory(engine)
        from .notify.settings import bind as bind_notify, effective

        bind_notify(sessions, effective(config))  # every transition of this process writes its notifications
        return cls(
            config=config,
            engine=engine,
            sessions=sessions,
            frames=FrameQueue(maxsize=config.feeds.queue_size),
        )

    def stop(self) -> None:
        """Stop every started service (newest first) and dispose of the engine."""
        self.stop_event.set()
        while self.stoppers:
            stopper = self.stoppers.pop()
            try:
                stopper()
            except Exception:  # noqa: BLE001 - keep stopping the others
                import logging

                logging.getLogger(__name__).exception("error while stopping a service")
        self.engine.dispose()
