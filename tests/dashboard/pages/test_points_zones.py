"""The zone editor's steps (dashboard.zones_editor): saving into the list through the zone validation, deleting,
the Chinese error text, and the figure (picture, zones, draft, click grid only for editors)."""
from __future__ import annotations

import pytest

from dashboard.zones_editor import delete_zone, save_zone, zone_error_text, zone_figure
from models.zones import ZoneError
from tests.factories import STREET_ZONES

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.3], [0.1, 0.3]]


def test_save_new_and_replace_keeps_overrides():
    zones = [dict(z) for z in STREET_ZONES]
    zones[0]["dwell_s"] = 90
    out, idx = save_zone(zones, "new", " 新区域 ", "no_parking", SQUARE)
    assert idx == 4 and out[4] == {"name": "新区域", "kind": "no_parking", "polygon": SQUARE}
    out, idx = save_zone(out, "0", "人行道北侧", "sidewalk", SQUARE)
    assert idx == 0 and out[0]["name"] == "人行道北侧" and out[0]["dwell_s"] == 90.0 and out[0]["polygon"] == SQUARE
    rest, removed = delete_zone(out, "4")
    assert removed == "新区域" and len(rest) == 4
    assert delete_zone(out, "new") == (out, None)


@pytest.mark.parametrize("polygon, name, text", [
    ([[0.1, 0.1], [0.2, 0.2]], "a", "至少需要 3 个顶点"),
    ([[0, 0], [1, 1], [1, 0], [0, 0.6]], "a", "交叉"),
    (SQUARE, "", "请填写区域名称"),
    (SQUARE, "人行道", "区域名称与已有区域重复"),
])
def test_invalid_zone_refused_with_chinese_message(polygon, name, text):
    with pytest.raises(ZoneError) as err:
        save_zone([dict(z) for z in STREET_ZONES], "new", name, "sidewalk", polygon)
    assert text in zone_error_text(err.value)


def test_figure_layers():
    fig = zone_figure(STREET_ZONES, "/snap.jpg", draft=[[0.1, 0.1], [0.2, 0.1]], selected="1", editable=True)
    kinds = [t.type for t in fig.data]
    assert kinds[0] == "heatmap" and kinds.count("scatter") == 5  # 4 zones + the draft
    assert fig.layout.images[0].source == "/snap.jpg" and list(fig.layout.yaxis.range) == [1, 0]
    viewer = zone_figure(STREET_ZONES, None, editable=False)
    assert "heatmap" not in [t.type for t in viewer.data] and not viewer.layout.images
