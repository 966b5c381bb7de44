"""Issue 16 #15: the case grid's block request (``getRowsRequest``) from a hand-made body: a non-integer
``startRow`` was a 500, and ``endRow`` was unbounded (one request could ask for every row at once)."""
from __future__ import annotations

import pytest

from models.case_queries import MAX_PAGE
from tests.dashboard.desktop_helpers import callback_key

from .test_page_gate import ENDPOINT, body_for


def _rows(world, role, request):
    app = world.app
    key = callback_key(app, "cases-grid")
    body = body_for(app, key, {"cases-grid.getRowsRequest": request, "cases-filter.data": {}})
    return world.post_json(role, ENDPOINT, body)


@pytest.mark.parametrize("start, end", [
    ("x", 100), ("1; DROP TABLE cases", 100), (1.5, 100), ([1], 100), ({"a": 1}, 100), (True, 100),
    (0, "y"), (0, 1.5), (-5, 100), (10, 5), (10, 10), (2**70, 2**71), (0, float("nan")),
])
def test_bad_block_bounds_are_a_clear_error_not_a_500(world, start, end):
    r = _rows(world, "supervisor", {"startRow": start, "endRow": end, "sortModel": []})
    assert r.status_code == 200, r.status_code
    out = r.get_json()["response"]
    assert out["cases-grid"]["getRowsResponse"]["rowData"] == []
    message = str(out["cases-empty"]["children"])
    assert "startRow" in message or "endRow" in message


def test_end_row_is_capped(world, monkeypatch):
    import dashboard.pages  # noqa: F401 - the page modules are loaded by the app
    from tests.dashboard.desktop_helpers import page_module

    mod = page_module("cases")
    asked = []
    real = mod.case_page

    def spy(session, f, *, offset, limit, **kw):
        asked.append((offset, limit))
        return real(session, f, offset=offset, limit=limit, **kw)

    monkeypatch.setattr(mod, "case_page", spy)
    r = _rows(world, "supervisor", {"startRow": 0, "endRow": 10**9, "sortModel": []})
    assert r.status_code == 200
    assert asked == [(0, MAX_PAGE)]
    assert mod.block_bounds({"startRow": 100, "endRow": 200}) == (100, 200)
    assert mod.block_bounds({"startRow": 100}) == (100, 200)
