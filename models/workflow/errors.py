"""Errors of the workflow (their messages name the case, its state and the refused action)."""
from __future__ import annotations

from typing import Any


class WorkflowError(ValueError):
    """An action is not allowed on this case now (illegal transition, missing reason, no route …).

    ``str(exc)`` is the English message for logs and the API; ``reason`` (e.g. ``"bad_state"``) and
    ``params`` (e.g. ``{"action": "申请延期", "state": "销号"}``) let a page say it in the user's words."""

    def __init__(self, message: str, *, reason: str = "", **params: Any):
        super().__init__(message)
        self.reason = reason
        self.params = params


class WorkflowForbidden(WorkflowError):
    """The actor's role (or unit) may not perform this action on this case."""
