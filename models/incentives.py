"""Positive-incentive scores (正向激励评分) of responsible units and counties (区县) per reporting period.

Inputs, all defined elsewhere and only combined here:

- the period KPIs of :mod:`models.kpi_report` (through :func:`models.reports.group_kpis`; cohort = cases first
  dispatched in the period, not invalidated): 整改率 ``rectification_rate``, 按期率 ``on_time_handle_rate``,
  返工率 ``rework_rate``. :mod:`models.kpi_replay` recomputes the same rows from the transition log;
- creation-indicator progress: the mean :func:`models.indicator_progress.completion` of the unit's assigned
  indicators (a county: of the assignments of the units in it) — hand-entered ones as they stand now, those
  measured from the cases (:mod:`models.indicator_measures`) for the period itself;
- 满意度: not recorded by the platform yet, so that part is always absent.

Score (weights and rules in :class:`models.config.IncentiveConfig`):

- **base** = Σ wᵢ·vᵢ / Σ wᵢ over the parts present (each 0–100): 整改率, 按期率, 100 − 返工率, 满意度,
  indicator progress (2 decimals);
- **improvement** = base − base of the previous period (both periods with enough volume), else ``None``;
- **score** = base + min(improvement_weight × max(improvement, 0), improvement_cap) (2 decimals);
- only groups with ≥ ``min_dispatched`` dispatched and ≥ ``min_due`` due cases are scored (``eligible``);
- lists: 先进 ``advanced`` (top ``top_n`` by score), 进步 ``improved`` (top by improvement ≥
  ``min_improvement``), 后进 ``lagging`` only when ``show_lagging``.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import as_utc, utcnow
from .config import IncentiveConfig
from .indicator_measures import computed_progress
from .indicator_progress import completion
from .registry import District, Indicator, IndicatorAssignment, ResponsibleUnit
from .reports import Period, group_kpis, period_of

LEVELS = ("unit", "district")
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


class IncentiveError(ValueError):
    """A bad period or level; the message names it."""


def parse_period(text: str) -> Period:
    """``2024`` → the year 2024, ``2024-05`` → May 2024 (Asia/Shanghai calendar)."""
    m = _PERIOD.match(str(text).strip())
    if not m:
        raise IncentiveError(f"period: expected YYYY or YYYY-MM, got {text!r}")
    year, month = int(m.group(1)), m.group(2)
    if not 2000 <= year <= 2100:
        raise IncentiveError(f"period: year {year} out of range 2000–2100")
    if month is None:
        return period_of("year", date(year, 1, 1))
    if not 1 <= int(month) <= 12:
        raise IncentiveError(f"period: month {month} out of range 01–12")
    return period_of("month", date(year, int(month), 1))


def base_score(kpi: Mapping[str, Any], indicator_pct: float | None, cfg: IncentiveConfig,
               satisfaction: float | None = None) -> tuple[float | None, dict[str, float]]:
    """(base score, the parts used as 0–100 values) for one KPI row; ``None`` when no weighted part is present."""
    w = cfg.weights
    parts = {"rectification_rate": (w.rectification_rate, kpi["rectification_rate"]),
             "on_time_rate": (w.on_time_rate, kpi["on_time_handle_rate"]),
             "rework_free": (w.rework_free, 100.0 - kpi["rework_rate"])}
    if satisfaction is not None:
        parts["satisfaction"] = (w.satisfaction, satisfaction)
    if indicator_pct is not None:
        parts["indicator_progress"] = (w.indicator_progress, indicator_pct)
    total = sum(weight for weight, _ in parts.values())
    if total <= 0:
        return None, {}
    score = sum(weight * value for weight, value in parts.values()) / total
    return round(score, 2), {k: v for k, (_, v) in parts.items()}


def eligible(kpi: Mapping[str, Any] | None, cfg: IncentiveConfig) -> bool:
    """Enough volume to be scored (minimum-volume rule)."""
    return bool(kpi) and kpi["dispatched"] >= cfg.min_dispatched and kpi["due"] >= cfg.min_due


def score_rows(current: Mapping[Any, Mapping[str, Any]], previous: Mapping[Any, Mapping[str, Any]],
               indicator_pct: Mapping[Any, float], names: Mapping[Any, str],
               cfg: IncentiveConfig, previous_indicator_pct: Mapping[Any, float] | None = None) -> list[dict[str, Any]]:
    """Scored rows from KPI rows by key (SQL or log replay alike), best first, ranked 1…n among the eligible.
    ``previous_indicator_pct`` (default: ``indicator_pct``) is the indicator progress of the previous period."""
    prev_pct = indicator_pct if previous_indicator_pct is None else previous_indicator_pct
    rows = []
    for key, kpi in current.items():
        if key is None:
            continue
        ok = eligible(kpi, cfg)
        base, parts = base_score(kpi, indicator_pct.get(key), cfg)
        prev_kpi = previous.get(key)
        prev_base = base_score(prev_kpi, prev_pct.get(key), cfg)[0] if eligible(prev_kpi, cfg) else None
        improvement = None if (prev_base is None or base is None or not ok) else round(base - prev_base, 2)
        bonus = min(cfg.improvement_weight * max(improvement or 0.0, 0.0), cfg.improvement_cap)
        rows.append({
            "key": key, "name": names.get(key, str(key)), "eligible": ok,
            "dispatched": kpi["dispatched"], "due": kpi["due"], "handled": kpi["handled"],
            "rectification_rate": kpi["rectification_rate"], "on_time_rate": kpi["on_time_handle_rate"],
            "rework_rate": kpi["rework_rate"], "indicator_progress": indicator_pct.get(key),
            "parts": parts, "base": base if ok else None, "previous_base": prev_base, "improvement": improvement,
            "bonus": round(bonus, 2) if ok else None,
            "score": round(base + bonus, 2) if ok and base is not None else None,
        })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["dispatched"], r["name"]))
    rank = 0
    for r in rows:
        r["rank"] = (rank := rank + 1) if r["score"] is not None else None
    return rows


def indicator_completion(session: Session, level: str, period: Period | None = None,
                         now: datetime | None = None, measured: Mapping | None = None) -> dict[int, float]:
    """Mean completion (0–100) of the assigned indicators per unit id or per district id (its units').

    Hand-entered indicators count with their current value; indicators measured from the cases
    (``auto_rule``) with their value for ``period`` (:mod:`models.indicator_measures`) and not at all for a
    unit without cases of their types in the period. ``measured``: :func:`computed_progress` of ``period`` when
    the caller has it already."""
    if measured is None:
        measured = computed_progress(session, period, now) if period is not None else {}
    values: dict[int, list[float]] = defaultdict(list)
    q = (select(IndicatorAssignment.indicator_id, IndicatorAssignment.unit_id, ResponsibleUnit.district_id,
                IndicatorAssignment.progress, IndicatorAssignment.target, Indicator.target, Indicator.auto_rule)
         .join(Indicator, Indicator.id == IndicatorAssignment.indicator_id)
         .join(ResponsibleUnit, ResponsibleUnit.id == IndicatorAssignment.unit_id))
    for ind_id, unit_id, district_id, progress, own_target, target, auto in session.execute(q):
        key = unit_id if level == "unit" else district_id
        if auto and period is not None:
            progress = (measured.get((ind_id, unit_id)) or {}).get("value")
            if progress is None:
                continue
        if key is not None:
            values[key].append(completion(progress, own_target if own_target is not None else target))
    return {k: round(sum(v) / len(v), 2) for k, v in values.items()}


def _names(session: Session, level: str) -> dict[int, str]:
    model = ResponsibleUnit if level == "unit" else District
    return dict(session.execute(select(model.id, model.name)).all())


def lists(rows: list[dict[str, Any]], cfg: IncentiveConfig) -> dict[str, list[dict[str, Any]]]:
    """先进 (``advanced``), 进步 (``improved``) and — only when configured — 后进 (``lagging``)."""
    scored = [r for r in rows if r["score"] is not None]
    out = {"advanced": scored[:cfg.top_n],
           "improved": sorted([r for r in scored if r["improvement"] is not None
                               and r["improvement"] >= cfg.min_improvement and r["improvement"] > 0],
                              key=lambda r: (-r["improvement"], -r["score"]))[:cfg.top_n]}
    if cfg.show_lagging:
        out["lagging"] = list(reversed(scored[-cfg.top_n:]))
    return out


def score_period(session: Session, period: Period, level: str = "unit", now: datetime | None = None,
                 cfg: IncentiveConfig | None = None) -> dict[str, Any]:
    """The incentive scores of every unit (``level="unit"``) or county (``"district"``) for ``period``."""
    return score_levels(session, period, (level,), now, cfg)[level]


def score_levels(session: Session, period: Period, levels: tuple[str, ...] = LEVELS, now: datetime | None = None,
                 cfg: IncentiveConfig | None = None) -> dict[str, dict[str, Any]]:
    """:func:`score_period` for several levels at once (the case-measured indicator progress is computed once
    per period and shared): ``{level: result}``."""
    for level in levels:
        if level not in LEVELS:
            raise IncentiveError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    cfg = cfg or IncentiveConfig()
    now = as_utc(now or utcnow())
    measured = {p: computed_progress(session, p, now) for p in (period, period.previous())}
    out = {}
    for level in levels:
        current = group_kpis(session, period, level, now)
        previous = group_kpis(session, period.previous(), level, now)
        rows = score_rows(current, previous,
                          indicator_completion(session, level, period, now, measured[period]),
                          _names(session, level), cfg,
                          indicator_completion(session, level, period.previous(), now, measured[period.previous()]))
        out[level] = {"period": period.label, "first_day": period.first_day.isoformat(),
                      "last_day": period.last_day.isoformat(), "level": level, "as_of": now.isoformat(),
                      "config": cfg.model_dump(), "rows": rows, **lists(rows, cfg)}
    return out
