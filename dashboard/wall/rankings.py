"""The wall's rankings (成效榜): the positive-incentive scores (正向激励评分) of this local year, read from
:mod:`models.incentives` — the same scores as ``civicwatch kpi incentive --period YYYY`` and ``/decisions``.

- 区县 / 责任单位 lists: the 先进 list (``advanced``, highest score first) of each level;
- 进步最快: the counties' 进步 list (``improved``: largest score improvement against the previous year).

Positive framing only: no "worst" list (the wall ignores ``lagging`` even when the config produces one).
Who is scored (minimum volume), the weights and the improvement rule are the ``incentives`` config.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.config import IncentiveConfig
from models.incentives import score_levels
from models.reports import local_today, period_of

from .registry import Registry

RANK_ROWS = 5


def _item(r: dict[str, Any]) -> dict[str, Any]:
    """One wall row from one incentive row (the keys the layout reads)."""
    return {"name": r["name"], "score": r["score"], "rate": r["rectification_rate"], "ontime": r["on_time_rate"],
            "handled": r["handled"], "dispatched": r["dispatched"], "gain": r["improvement"]}


def rankings(session: Session, now: datetime, reg: Registry | None = None,
             cfg: IncentiveConfig | None = None) -> dict[str, Any]:
    """先进 of counties and units and the counties' 进步 list, for the local year of ``now``."""
    period = period_of("year", local_today(now))
    scored = score_levels(session, period, ("district", "unit"), now, cfg)
    return {
        "period": period.label,
        "districts": [_item(r) for r in scored["district"]["advanced"][:RANK_ROWS]],
        "units": [_item(r) for r in scored["unit"]["advanced"][:RANK_ROWS]],
        "improved": [_item(r) for r in scored["district"]["improved"][:RANK_ROWS]],
    }
