"""Errors of the workflow (their messages name the case, its state and the refused action)."""
from __future__ import annotations


class WorkflowError(ValueError):
    """An action is not allowed on this case now (illegal transition, missing reason, no route …)."""


class WorkflowForbidden(WorkflowError):
    """The actor's role (or unit) may not perform this action on this case."""
