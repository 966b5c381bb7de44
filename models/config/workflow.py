"""Case workflow section: documents, calendar, reminders and the demo's simulated units."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class DocumentNames(Section):
    """Names of the four documents (四单); configurable because cities name them differently."""

    problem_list: str = Field("问题清单", description="What was found, with evidence.")
    dispatch: str = Field("交办单", description="Dispatch to a unit with a deadline.")
    rectification: str = Field("整改单", description="The unit's rectification report with photo.")
    closure: str = Field("销号单", description="Verification and closure.")


class ScoreWeights(Section):
    """Weights of the unit score (defaults: Chengdu Jinniu scoring, see DOMAIN.md)."""

    handled_rate: float = Field(0.3, ge=0, description="Weight of 处置率 (handled / due).")
    on_time_rate: float = Field(0.2, ge=0, description="Weight of 按期处置率 (handled on time / due).")
    rework_free: float = Field(0.2, ge=0, description="Weight of 1 − 返工率 (reworked / due).")
    not_overdue: float = Field(0.2, ge=0, description="Weight of 1 − 超期待处置率 (open and overdue / due).")
    not_extended: float = Field(0.1, ge=0, description="Weight of 1 − 延期率 (extended / due).")


class DemoResponders(Section):
    """Simulated units that pick up, rectify (or fail to) dispatched cases in the demo."""

    enabled: bool = Field(True, description="Run simulated responsible units (demo only).")
    min_delay_s: float = Field(20, ge=0, description="Shortest delay before a simulated unit reports rectification.")
    max_delay_s: float = Field(120, ge=0, description="Longest such delay.")
    fail_share: float = Field(0.05, ge=0, le=1, description="Share of reports whose fix is not done (返工).")
    overdue_share: float = Field(0.02, ge=0, le=1, description="Share of cases left to run overdue.")


class WorkflowConfig(Section):
    """How cases move: acceptance, deadlines, reminders, re-checks and indicators."""

    documents: DocumentNames = Field(default_factory=DocumentNames)
    auto_accept_camera_cases: bool = Field(
        True, description="Camera-detected cases of types marked auto-accept skip manual 立案."
    )
    auto_dispatch: bool = Field(True, description="Accepted cases with a route are dispatched at once.")
    recheck_clean_samples: int = Field(3, gt=0, description="Clean camera samples needed to pass 复核.")
    recheck_unsure_samples: int = Field(
        60, gt=0, description="Camera re-check samples in a row that cannot be compared with the case's reference "
        "crops (light too different, view moved, occluded) before the case is handed to a person (人工复核).")
    remind_before_deadline_h: float = Field(1.0, ge=0, description="Reminder this long before a deadline.")
    work_hours: str = Field("08:30-12:00,14:30-17:30", description="Working hours of the working calendar.")
    holidays_file: str = Field(
        "assets/calendar/cn_holidays.csv", description="Public holidays and make-up working days (CSV)."
    )
    score_weights: ScoreWeights = Field(default_factory=ScoreWeights)
    demo_responders: DemoResponders = Field(default_factory=DemoResponders)
