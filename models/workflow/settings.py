"""The workflow's settings in effect for a session: the ``workflow`` config section and the working calendar.

The runtime binds them to the context's session factory (:func:`bind`); code working on a bare session
(tests, scripts) gets the defaults of :class:`~models.config.WorkflowConfig` and the shipped holidays file.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..config import WorkflowConfig

ROOT = Path(__file__).resolve().parents[2]
INFO_KEY = "civicwatch_workflow"


@dataclass(frozen=True)
class WorkflowSettings:
    config: WorkflowConfig
    calendar: WorkingCalendar
    demo: bool = False


def settings_from_config(app_config) -> WorkflowSettings:
    wf = app_config.workflow
    cal = WorkingCalendar.from_config(wf.work_hours, app_config.path(wf.holidays_file))
    return WorkflowSettings(wf, cal, bool(app_config.demo))


@lru_cache(maxsize=1)
def default_settings() -> WorkflowSettings:
    wf = WorkflowConfig()
    return WorkflowSettings(wf, WorkingCalendar.from_config(wf.work_hours, ROOT / wf.holidays_file))


def bind(ctx) -> WorkflowSettings:
    """Make ``ctx``'s config the workflow settings of every session from ``ctx.sessions`` (idempotent)."""
    current = ctx.sessions.kw.get("info", {}).get(INFO_KEY)
    if current is not None:
        return current
    s = settings_from_config(ctx.config)
    info = dict(ctx.sessions.kw.get("info") or {})
    info[INFO_KEY] = s
    ctx.sessions.configure(info=info)
    return s


def settings_for(session: Session) -> WorkflowSettings:
    return session.info.get(INFO_KEY) or default_settings()
