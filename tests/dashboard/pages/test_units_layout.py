"""责任单位 page building blocks without a browser: the 综合得分 colour follows the value, the grid's columns
stretch to its width."""
from __future__ import annotations

from tests.dashboard.desktop_helpers import page_module

from dashboard.kpi_widgets import SCORE_FAIR, SCORE_GOOD, kpi_strip, score_tone


def test_score_tone_follows_the_value():
    assert score_tone(100) == "good" and score_tone(SCORE_GOOD) == "good"
    assert score_tone(SCORE_GOOD - 0.01) == "fair" and score_tone(SCORE_FAIR) == "fair"
    assert score_tone(SCORE_FAIR - 0.01) == "bad" and score_tone(0.0) == "bad"
    assert score_tone(None) is None


def _score_card_class(score):
    k = {"dispatched": 10, "handled": 9, "due": 8, "handled_on_time": 8, "reworked": 0, "extended": 0,
         "rectification_rate": 90.0, "on_time_handle_rate": 100.0, "rework_rate": 0.0, "extension_rate": 0.0,
         "overdue_open": 0, "avg_handle_hours": 2.0, "score": score}
    card = kpi_strip(k).children[-1]
    return card.children[1].className


def test_score_card_is_green_amber_red():
    assert _score_card_class(95.6) == "cw-kpi-value cw-kpi-good"
    assert _score_card_class(80.0) == "cw-kpi-value cw-kpi-fair"
    assert _score_card_class(60.0) == "cw-kpi-value cw-kpi-bad"


def test_unit_grid_columns_fill_the_width(sqlite_ctx):
    from dashboard.app import create_app

    create_app(sqlite_ctx)  # registers the pages
    units = page_module("units")

    for col in units.COLUMN_DEFS:
        assert "width" not in col and col["flex"] == col["minWidth"] > 0, col["field"]


def test_period_date_picker_reads_iso_whatever_the_browser_locale():
    import dash_mantine_components as dmc

    from dashboard.kpi_widgets import period_controls
    from models.reports import local_today

    picker = period_controls("units").children[-1]
    assert isinstance(picker, dmc.DatePickerInput) and picker.id == "units-date"
    assert picker.valueFormat == "YYYY-MM-DD" and picker.value == local_today().isoformat()


def test_kpi_delta_has_two_decimals_like_the_value():
    from dashboard.kpi_widgets import _delta

    assert _delta(87.58, 98.98, "%") == "上期 98.98%，↓11.40"
    assert _delta(96.27, 0.0, "%") == "上期 0.00%，↑96.27"
    assert _delta(95.2, 95.2) == "上期持平"


def test_kpi_strip_says_no_value_when_the_previous_period_had_nothing_dispatched():
    from dashboard.kpi_widgets import kpi_strip

    k = {"dispatched": 10, "handled": 9, "rectification_rate": 90.0, "due": 8, "handled_on_time": 7,
         "on_time_handle_rate": 87.5, "reworked": 0, "rework_rate": 0.0, "extended": 0, "extension_rate": 0.0,
         "overdue_open": 1, "avg_handle_hours": 5.0, "score": 91.0}
    empty_prev = dict(k, dispatched=0, handled=0, rectification_rate=0.0, score=0.0)
    text = str(kpi_strip(k, empty_prev).to_plotly_json())
    assert "上期 —" in text and "上期 0.00%" not in text
    text = str(kpi_strip(k, dict(k, rectification_rate=80.0)).to_plotly_json())
    assert "上期 80.00%，↑10.00" in text

