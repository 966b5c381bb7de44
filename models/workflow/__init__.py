"""The case workflow (案件流转, 四单): open cases, perform actions, camera re-check, routing and deadlines.

Contract (CONTRIBUTING.md): ``open_case(...)`` creates a case with its first transition; ``apply(...)``
performs one transition or raises :class:`WorkflowError`; detection reports re-check samples through
``cases_awaiting_recheck`` / ``report_recheck_sample``. Every state change appends a ``CaseTransition`` in
the caller's transaction.
"""
from .core import apply, auto_dispatch, case_for_update, deadline_for, open_case
from .errors import WorkflowError, WorkflowForbidden
from .machine import DONE_STATES, OPEN_STATES, RULES, STATE_LABELS, SYSTEM, pending_extension, replay_case
from .recheck import awaiting_person, cases_awaiting_recheck, hand_to_person, report_recheck_sample
from .routing import resolve_unit

__all__ = [
    "DONE_STATES", "OPEN_STATES", "RULES", "STATE_LABELS", "SYSTEM", "WorkflowError", "WorkflowForbidden", "apply",
    "auto_dispatch", "awaiting_person", "case_for_update", "cases_awaiting_recheck", "deadline_for", "hand_to_person",
    "open_case", "pending_extension", "replay_case", "report_recheck_sample", "resolve_unit",
]
