"""One tick's update for one wall browser: only the sections whose content changed since that browser's
last update, figures changed with ``dash.Patch`` (never rebuilt unless the registry itself changed).

The browser keeps ``{"reg": registry key, "h": {section: digest}}`` in ``wall-state``; the server
compares it with the shared snapshot's digests and sends ``no_update`` for every unchanged section.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from dash import Patch, no_update

from . import figures as F
from . import layout as L
from .digest import SECTIONS
from .registry import Registry

# (section, component id, property) of every output of the tick callback, in order
OUTPUTS: list[tuple[str, str, str]] = (
    [("kpi", f"wall-kpi-{k}", "children") for k in L.KPI_IDS]
    + [("kpi", f"wall-today-{k}", "children") for k in L.TODAY_IDS]
    + [("flow", "wall-flow-rows", "children"), ("events", "wall-events", "children"),
       ("rank", "wall-rank", "children"), ("cameras", "wall-cameras", "children"),
       ("points", "wall-legend", "children"), ("points", "wall-map", "figure"),
       ("trend", "wall-trend", "figure"), ("types", "wall-types", "figure"),
       ("", "wall-state", "data"), ("", "wall-updated", "children"), ("", "wall-heartbeat", "children"),
       ("", "wall-banner", "children"), ("", "wall-banner", "className")]
)


def _section_values(name: str, snap: dict[str, Any], reg: Registry, full: bool,
                    thumb_url: Callable[[int], str]) -> list[Any]:
    if name == "kpi":
        v, t = L.kpi_values(snap["kpi"]), L.today_values(snap["kpi"])
        return [v[k] for k in L.KPI_IDS] + [t[k] for k in L.TODAY_IDS]
    if name == "flow":
        return [L.flow_rows(snap["flow"])]
    if name == "events":
        return [L.event_rows(snap["events"], thumb_url)]
    if name == "rank":
        return [L.rank_children(snap["rank"])]
    if name == "cameras":
        return [L.camera_children(snap["cameras"])]
    if name == "points":
        if full:
            fig = F.map_figure(reg, snap["points"], snap["district_open"])
        else:
            fig = Patch()
            fig["data"][0]["z"] = snap["district_open"]
            fig["data"][0]["zmax"] = max(5, max(snap["district_open"], default=0))
            fig["data"][1]["marker"]["color"] = F.point_colors(snap["points"])
            fig["data"][1]["marker"]["size"] = F.point_sizes(snap["points"])
        return [L.legend_children(snap["point_counts"]), fig]
    if name == "trend":
        if full:
            return [F.trend_figure(snap["trend"])]
        p = Patch()
        p["data"][0]["x"] = snap["trend"]["days"]
        p["data"][0]["y"] = snap["trend"]["found"]
        p["data"][1]["x"] = snap["trend"]["days"]
        p["data"][1]["y"] = snap["trend"]["rectified"]
        return [p]
    if name == "types":
        if full:
            return [F.types_figure(snap["types"])]
        p = Patch()
        counts = list(reversed(snap["types"]["counts"]))
        p["data"][0]["x"] = counts
        p["data"][0]["text"] = counts
        p["data"][0]["y"] = list(reversed(snap["types"]["names"]))
        return [p]
    raise KeyError(name)


def client_state(snap: dict[str, Any]) -> dict[str, Any]:
    return {"reg": snap["registry"], "h": dict(snap["digests"])}


def build_update(snap: dict[str, Any], client: dict[str, Any] | None, reg: Registry,
                 thumb_url: Callable[[int], str]) -> list[Any]:
    """The values of :data:`OUTPUTS` for a browser whose last state is ``client``."""
    client = client or {}
    full = client.get("reg") != snap["registry"]
    have = client.get("h") or {}
    values: dict[str, list[Any]] = {}
    for name in SECTIONS:
        if full or have.get(name) != snap["digests"][name]:
            values[name] = _section_values(name, snap, reg, full, thumb_url)
    text, cls = L.banner(snap)
    out: list[Any] = []
    taken: dict[str, int] = {}
    for section, _cid, _prop in OUTPUTS:
        if not section:
            continue
        vals = values.get(section)
        i = taken.get(section, 0)
        taken[section] = i + 1
        out.append(no_update if vals is None else vals[i])
    changed = bool(values)
    beat = f"{time.time():.3f}"  # changes with every answer: the browser's proof the server is there
    out += [client_state(snap) if changed else no_update, snap["computed_at"], beat, text, cls]
    return out


def payload_bytes(values: list[Any]) -> int:
    """Size of the JSON a tick sends (what Dash serialises for the changed outputs)."""
    from plotly.utils import PlotlyJSONEncoder

    body = {}
    for (_s, cid, prop), value in zip(OUTPUTS, values):
        if value is no_update:
            continue
        if isinstance(value, Patch):
            value = value.to_plotly_json()
        body.setdefault(cid, {})[prop] = value
    return len(json.dumps({"multi": True, "response": body}, cls=PlotlyJSONEncoder).encode())
