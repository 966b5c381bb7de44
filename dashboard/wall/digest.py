"""A content digest per wall section: the snapshot's version moves only when some section's content did, and
a browser is sent only the sections whose digest differs from what it has."""
from __future__ import annotations

import hashlib
import json
from typing import Any

SECTIONS = ("kpi", "flow", "events", "rank", "cameras", "points", "trend", "types")


def section_data(snap: dict[str, Any]) -> dict[str, Any]:
    kpi = {k: v for k, v in (snap.get("kpi") or {}).items() if k != "as_of"}
    return {
        "kpi": kpi, "flow": snap["flow"], "events": snap["events"], "rank": snap["rank"],
        "cameras": snap["cameras"], "points": [snap["points"], snap["district_open"]],
        "trend": snap["trend"], "types": snap["types"],
    }


def digests(snap: dict[str, Any]) -> dict[str, str]:
    """A short content digest per section (computed once per tick by the snapshot service)."""
    return {name: hashlib.sha1(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode())
            .hexdigest()[:12] for name, value in section_data(snap).items()}


def content_key(snap: dict[str, Any]) -> str:
    """All section digests and the registry key in one string: equal keys, equal content."""
    return "".join(snap["digests"][k] for k in sorted(snap["digests"])) + snap["registry"]
