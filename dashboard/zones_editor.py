"""The zone editor of the camera page: a plotly figure of the latest picture with the camera's zones drawn
over it, and the pure steps of editing (add a clicked vertex, undo, clear, save a zone into the list).

Editors click vertices on the picture: an invisible heat map covering the frame turns a click anywhere into
relative coordinates (0–1, 0.005 resolution). Saving goes through :func:`models.zones.validate_zones`, the
same rules as the config zone format, so an invalid polygon is refused with a message naming the problem.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from models.zones import validate_zones

from .kpi_widgets import FONT
from .text import registry as T

KIND_COLORS = {"roadway": "#1c7ed6", "sidewalk": "#37b24d", "no_parking": "#f03e3e", "fire_lane": "#e8590c",
               "shop_front": "#f59f00", "wall": "#7048e8", "green_space": "#2b8a3e", "water": "#1098ad",
               "plaza": "#d6336c", "construction": "#a0522d", "mask": "#495057"}
GRID_STEP = 0.005


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def click_point(click: dict | None) -> list[float] | None:
    """Relative [x, y] of a click on the editor's figure (from its click grid), or None."""
    try:
        pt = click["points"][0]
        x, y = float(pt["x"]), float(pt["y"])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        return None
    return [round(x, 3), round(y, 3)]


def add_vertex(draft: list[list[float]] | None, point: list[float]) -> list[list[float]]:
    draft = list(draft or [])
    if not draft or draft[-1] != point:
        draft.append(point)
    return draft


def save_zone(zones: list[dict], selected: str | None, name: str | None, kind: str | None,
              polygon: list[list[float]] | None, known_types=None) -> tuple[list[dict], int]:
    """Put the drawn zone into the camera's zone list (replacing the selected one, else appending), keeping the
    selected zone's other keys (types, overrides); return the validated list and the zone's index.
    Raises :class:`models.zones.ZoneError`."""
    zones = [dict(z) for z in zones or []]
    zone: dict[str, Any] = {"name": (name or "").strip(), "kind": kind, "polygon": polygon or []}
    if selected not in (None, "", "new") and str(selected).isdigit() and int(selected) < len(zones):
        idx = int(selected)
        kept = {k: v for k, v in zones[idx].items() if k not in ("name", "kind", "polygon")}
        zones[idx] = {**kept, **zone}
    else:
        zones.append(zone)
        idx = len(zones) - 1
    return validate_zones(zones, known_types=known_types), idx


def delete_zone(zones: list[dict], selected: str | None) -> tuple[list[dict], str | None]:
    if selected in (None, "", "new") or not str(selected).isdigit() or int(selected) >= len(zones or []):
        return list(zones or []), None
    zones = [dict(z) for z in zones]
    removed = zones.pop(int(selected))
    return zones, removed.get("name")


def zone_figure(zones: list[dict], image_src: str | None, draft: list[list[float]] | None = None,
                selected: str | None = None, editable: bool = False) -> go.Figure:
    """The picture (as a layout image, stretched over 0–1 × 0–1, y down) with zones and the draft polygon."""
    fig = go.Figure()
    if editable:
        xs = np.round(np.arange(0, 1 + 1e-9, GRID_STEP * 2), 4)
        ys = np.round(np.arange(0, 1 + 1e-9, GRID_STEP * 2), 4)
        fig.add_trace(go.Heatmap(x=xs, y=ys, z=np.zeros((len(ys), len(xs))), opacity=0, showscale=False,
                                 hoverinfo="none", name="click-grid"))
    for i, z in enumerate(zones or []):
        poly = z.get("polygon") or []
        if len(poly) < 3:
            continue
        color = KIND_COLORS.get(z.get("kind"), "#868e96")
        chosen = selected is not None and str(i) == str(selected)
        xs = [p[0] for p in poly] + [poly[0][0]]
        ys = [p[1] for p in poly] + [poly[0][1]]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", hoverinfo="skip",
                                 fillcolor=_rgba(color, 0.10 if z.get("kind") == "mask" else 0.22),
                                 line=dict(color=color, width=3 if chosen else 1.5, dash="dot" if chosen else "solid"),
                                 name=f"{z.get('name')}（{T.ZONE_KINDS.get(z.get('kind'), z.get('kind'))}）"))
        cx, cy = sum(xs[:-1]) / len(poly), sum(ys[:-1]) / len(poly)
        fig.add_annotation(x=cx, y=cy, text=z.get("name", ""), showarrow=False, font=dict(color="#fff", size=12),
                           bgcolor=_rgba(color, 0.85), borderpad=2)
    if draft:
        xs = [p[0] for p in draft] + ([draft[0][0]] if len(draft) >= 3 else [])
        ys = [p[1] for p in draft] + ([draft[0][1]] if len(draft) >= 3 else [])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", hoverinfo="skip", name=T.ZONE_EDITOR,
                                 line=dict(color="#e03131", width=2, dash="dash"),
                                 marker=dict(size=9, color="#fff", line=dict(color="#e03131", width=2))))
    if image_src:
        fig.add_layout_image(dict(source=image_src, xref="x", yref="y", x=0, y=0, sizex=1, sizey=1,
                                  sizing="stretch", layer="below", xanchor="left", yanchor="top"))
    else:
        fig.add_annotation(x=0.5, y=0.5, text=T.SNAPSHOT_NONE if not zones else "暂无画面（只显示区域）",
                           showarrow=False, font=dict(color="#495057", size=13))
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=34), font=dict(family=FONT), showlegend=True,
                      legend=dict(orientation="h", x=0, y=-0.02, yanchor="top", font=dict(size=11)),
                      plot_bgcolor="#dee2e6", paper_bgcolor="white", dragmode=False, uirevision="zones",
                      hovermode="closest")
    fig.update_xaxes(range=[0, 1], visible=False, fixedrange=True)
    fig.update_yaxes(range=[1, 0], visible=False, fixedrange=True)
    return fig


_ERRORS = [
    (r"needs at least 3", "至少需要 3 个顶点"),
    (r"edges (\d+)–(\d+) and (\d+)–(\d+) cross", r"第 \1–\2 条边与第 \3–\4 条边交叉，请沿区域边界按顺序点击顶点"),
    (r"area is \(almost\) zero", "面积几乎为零（顶点在一条直线上或靠得太近）"),
    (r"outside the frame", "顶点超出画面"),
    (r"has repeated points", "有重复的顶点"),
    (r"at most (\d+) points", r"顶点不能超过 \1 个"),
    (r"\.name: a zone needs a non-empty name", "请填写区域名称"),
    (r"\.name: at most 40 characters", "区域名称不能超过 40 个字"),
    (r"already used by", "区域名称与已有区域重复，请换一个名称"),
    (r"\.kind: unknown zone kind", "请选择区域类型"),
    (r"\.types: unknown problem type", "区域里有未知的问题类型"),
]


def zone_error_text(exc: Exception) -> str:
    """The validation message in Chinese (the zone named as in the list), keeping the original for detail."""
    import re

    msg = str(exc)
    m = re.match(r"zones\[(\d+)\](?: \(([^)]*)\))?", msg)
    where = f"区域“{m.group(2)}”" if m and m.group(2) else (f"第 {int(m.group(1)) + 1} 个区域" if m else "")
    for pattern, text in _ERRORS:
        found = re.search(pattern, msg)
        if found:
            return f"{where}：{found.expand(text)}" if where else found.expand(text)
    from dashboard.text.errors import is_chinese

    return msg if is_chinese(msg) else (f"{where}：区域无效，请检查后重试" if where else "区域无效，请检查后重试")
