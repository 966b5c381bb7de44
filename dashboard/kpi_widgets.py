"""Small building blocks shared by the 责任单位 / 点位 / 报表 pages: period controls, KPI cards, trend charts."""
from __future__ import annotations

from datetime import date
from typing import Any

import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import dcc, html

from models.reports import Period, local_today, period_of

from .text import registry as T

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
COLORS = {"found": "#909296", "dispatched": "#1c7ed6", "handled": "#2f9e44"}
DATE_FORMAT = "YYYY-MM-DD"
"""How the date pickers show a date (dayjs format)."""
DATE_PICKER = {"valueFormat": DATE_FORMAT, "monthLabelFormat": "YYYY年M月", "yearLabelFormat": "YYYY年",
               "monthsListFormat": "M月", "size": "sm", "popoverProps": {"withinPortal": True}}
"""Props of every date picker (dmc.DatePickerInput): ISO dates and Chinese calendar headings, whatever the
browser's locale (weekday and month names come from the zh-cn dayjs locale set by shell.DATES)."""
SCORE_GOOD = 90.0
"""综合得分 at or above this shows green."""
SCORE_FAIR = 75.0
"""综合得分 at or above this (and below SCORE_GOOD) shows amber; below it shows red."""


def period_controls(prefix: str, kinds=("day", "week", "month", "year"), default: str = "month",
                    labels: dict[str, str] | None = None) -> html.Div:
    """A period kind switch (``{prefix}-period``) and a date picker (``{prefix}-date``)."""
    labels = labels or T.PERIODS
    return html.Div([
        html.Span(T.PERIOD_LABEL, className="cw-muted"),
        dmc.SegmentedControl(id=f"{prefix}-period", value=default, size="sm",
                             data=[{"value": k, "label": labels[k]} for k in kinds]),
        html.Label(T.PERIOD_DATE, htmlFor=f"{prefix}-date", className="cw-muted"),
        # Mantine's picker, not <input type=date>: the browser's own input shows the OS locale's order
        # (mm/dd/yyyy in an en-US Chromium); this one always reads YYYY-MM-DD and its value is the ISO date
        dmc.DatePickerInput(id=f"{prefix}-date", value=local_today().isoformat(), w=140, clearable=False,
                            className="cw-date-picker", **DATE_PICKER),
    ], className="cw-period")


def parse_period(kind: str | None, day: str | None, default: str = "month") -> Period:
    """The period of the controls' values (bad or empty values fall back to this month/today)."""
    try:
        d = date.fromisoformat(day) if day else local_today()
    except ValueError:
        d = local_today()
    try:
        return period_of(kind or default, d)
    except ValueError:
        return period_of(default, d)


def fmt_rate(v: Any) -> str:
    return T.NO_VALUE if v is None else f"{v:.2f}%"


def fmt_num(v: Any, digits: int = 1) -> str:
    if v is None:
        return T.NO_VALUE
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def score_tone(score: Any) -> str | None:
    """The colour class of a 综合得分: ``good`` (green) ≥ SCORE_GOOD, ``fair`` (amber) ≥ SCORE_FAIR, else ``bad``."""
    if not isinstance(score, (int, float)):
        return None
    return "good" if score >= SCORE_GOOD else "fair" if score >= SCORE_FAIR else "bad"


def kpi_card(label: str, value: str, hint: str | None = None, delta: str | None = None,
             tone: str | None = None) -> html.Div:
    return html.Div([
        html.Div(label, className="cw-kpi-label"),
        html.Div(value, className="cw-kpi-value" + (f" cw-kpi-{tone}" if tone else "")),
        html.Div(delta, className="cw-kpi-delta") if delta else None,
        html.Div(hint, className="cw-kpi-hint") if hint else None,
    ], className="cw-kpi", title=hint or "")


def _delta(cur: Any, prev: Any, suffix: str = "", better_up: bool = True) -> str | None:
    if prev == T.NO_VALUE:
        return f"{T.PREV} {T.NO_VALUE}"
    if not isinstance(cur, (int, float)) or not isinstance(prev, (int, float)):
        return None
    d = round(cur - prev, 2)
    if d == 0:
        return f"{T.PREV}持平"
    arrow = "↑" if d > 0 else "↓"
    return f"{T.PREV} {prev:.2f}{suffix}，{arrow}{abs(d):.2f}"  # two decimals, like the values themselves


def kpi_strip(k: dict[str, Any], prev: dict[str, Any] | None = None, overdue_now: int | None = None) -> html.Div:
    """The seven unit KPIs (整改率, 按期处置率, 返工率, 延期率, 超期待处置, 平均处置时长, 综合得分)."""
    prev = prev or {}
    if prev and not prev.get("dispatched"):
        # nothing was dispatched in the previous period: its rates are not 0 %, they do not exist
        prev = {"rectification_rate": T.NO_VALUE, "score": T.NO_VALUE}
    cards = [
        kpi_card(T.KPI["rectification_rate"], fmt_rate(k["rectification_rate"]) if k["dispatched"] else T.NO_VALUE,
                 T.KPI_HINT["rectification_rate"] + f"（{k['handled']}/{k['dispatched']}）",
                 _delta(k["rectification_rate"], prev.get("rectification_rate"), "%") if k["dispatched"] else None),
        kpi_card(T.KPI["on_time_handle_rate"], fmt_rate(k["on_time_handle_rate"]) if k["due"] else T.NO_VALUE,
                 T.KPI_HINT["on_time_handle_rate"] + f"（{k['handled_on_time']}/{k['due']}）"),
        kpi_card(T.KPI["rework_rate"], fmt_rate(k["rework_rate"]) if k["due"] else T.NO_VALUE,
                 T.KPI_HINT["rework_rate"] + f"（{k['reworked']}/{k['due']}）"),
        kpi_card(T.KPI["extension_rate"], fmt_rate(k["extension_rate"]) if k["due"] else T.NO_VALUE,
                 T.KPI_HINT["extension_rate"] + f"（{k['extended']}/{k['due']}）"),
        kpi_card(T.KPI["overdue_now"], str(overdue_now if overdue_now is not None else k["overdue_open"]),
                 T.KPI_HINT["overdue_now"], tone="warn" if (overdue_now or 0) > 0 else None),
        kpi_card(T.KPI["avg_handle_hours"],
                 T.NO_VALUE if k["avg_handle_hours"] is None else f"{k['avg_handle_hours']:.1f} {T.HOURS}",
                 T.KPI_HINT["avg_handle_hours"]),
        kpi_card(T.KPI["score"], fmt_num(k["score"]), T.KPI_HINT["score"],
                 _delta(k["score"], prev.get("score")), tone=score_tone(k["score"])),
    ]
    return html.Div(cards, className="cw-kpis")


def base_layout(fig: go.Figure, height: int = 260, legend: bool = True) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=40, r=12, t=10, b=30), font=dict(family=FONT, size=12),
                      paper_bgcolor="white", plot_bgcolor="white", showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee", rangemode="tozero")
    return fig


def trend_figure(rows: list[dict[str, Any]], series: dict[str, str], height: int = 260) -> go.Figure:
    fig = go.Figure()
    monthly = len(rows) > 1 and rows[1]["day"].day == 1 and rows[0]["day"].day == 1
    xs = [r["day"].strftime("%Y-%m") if monthly else r["day"].isoformat() for r in rows]
    for key, name in series.items():
        fig.add_trace(go.Scatter(x=xs, y=[r[key] for r in rows], name=name, mode="lines+markers",
                                 line=dict(color=COLORS.get(key), width=2), marker=dict(size=4)))
    fig = base_layout(fig, height)
    fig.update_xaxes(type="category", nticks=12)
    return fig


GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "toImage"], "locale": "zh-CN"}


def graph(fig: go.Figure, **kwargs) -> dcc.Graph:
    """A dcc.Graph whose box is as tall as the figure (so cards around it grow with it) and as wide as its card."""
    height = fig.layout.height or 260
    style = {"height": f"{height}px", "width": "100%"}
    style.update(kwargs.pop("style", {}))
    return dcc.Graph(figure=fig, config=GRAPH_CONFIG, style=style, **kwargs)
