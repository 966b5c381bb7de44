"""Positive-incentive scoring (正向激励): weights and volume rules of the per-period incentive score."""
from __future__ import annotations

from pydantic import Field, model_validator

from .base import Section


class IncentiveWeights(Section):
    """Weights of the parts of the incentive base score; a part without data (no 满意度 recorded, no indicator
    assigned) is left out and the remaining weights are re-normalised."""

    rectification_rate: float = Field(0.35, ge=0, description="Weight of 整改率 (handled / dispatched).")
    on_time_rate: float = Field(0.25, ge=0, description="Weight of 按期率 (按期处置率: handled on time / due).")
    rework_free: float = Field(0.15, ge=0, description="Weight of 1 − 返工率 (reworked / due).")
    satisfaction: float = Field(
        0.0, ge=0, description="Weight of 满意度 (citizen satisfaction, 0–100) where recorded. The platform records "
        "no satisfaction yet, so this part is always left out today.")
    indicator_progress: float = Field(
        0.25, ge=0, description="Weight of creation-indicator progress (mean completion of the assigned "
        "indicators, 0–100 %); units or counties without assigned indicators leave it out.")

    @model_validator(mode="after")
    def _some_weight(self) -> IncentiveWeights:
        if self.rectification_rate + self.on_time_rate + self.rework_free + self.satisfaction \
                + self.indicator_progress <= 0:
            raise ValueError("at least one weight must be > 0")
        return self


class IncentiveConfig(Section):
    """Incentive score = base score + improvement bonus (documented in docs/操作手册.md).

    Positive only: the lists are 先进 (highest score) and 进步 (largest improvement); a 后进 list exists only when
    ``show_lagging`` is set."""

    weights: IncentiveWeights = Field(default_factory=IncentiveWeights)
    improvement_weight: float = Field(
        0.5, ge=0, le=2, description="Bonus points per point of base-score improvement against the previous "
        "period (only improvements count; a decline costs nothing).")
    improvement_cap: float = Field(10.0, ge=0, description="Largest improvement bonus (points).")
    min_dispatched: int = Field(
        5, ge=1, description="Cases dispatched in the period needed to be scored and listed (tiny units do not "
        "top the list).")
    min_due: int = Field(3, ge=1, description="Cases due in the period needed to be scored and listed.")
    top_n: int = Field(10, ge=1, le=200, description="Length of the 先进 and 进步 lists.")
    min_improvement: float = Field(
        0.01, ge=0, description="Smallest base-score improvement (points) that puts a unit on the 进步 list.")
    show_lagging: bool = Field(
        False, description="Also produce a 后进 list (lowest scores). Off by default: the city rewards results "
        "instead of naming and shaming.")
