"""Issue 16 #3: evidence pictures by enumerating ids, as every role.

Ids are sequential, so each role walks them all: the wall token gets no full-size picture at all and only
the thumbnails of events its snapshot shows (never a citizen's photo); a unit operator only its own unit's
cases; anonymous callers and edge devices nothing.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.cases import Case, Evidence
from models.clock import utcnow

from .conftest import ROLES


@pytest.fixture(scope="module")
def pictures(world):
    """Per seeded case two camera pictures and a citizen photo: {evidence id: (case label, kind)}.

    The wall shows one picture per event (the first camera-side one); the others it never shows."""
    from PIL import Image

    from models.images import evidence_root

    out = {}
    root = evidence_root(world.ctx.config)
    root.mkdir(parents=True, exist_ok=True)
    with world.ctx.sessions.begin() as s:
        for n, (label, code) in enumerate(sorted(world.seeded.cases.items())):
            case = s.scalar(select(Case).where(Case.code == code))
            for kind in ("first_sight", "citizen", "confirmation"):
                path = root / f"sec-{label}-{kind}.jpg"
                Image.new("RGB", (320, 180), (40 * n % 255, 90, 120 if kind == "citizen" else 30)).save(path, "JPEG")
                ev = Evidence(sha256=f"{label}-{kind}".ljust(64, "0")[:64], path=str(path), kind=kind,
                              case_id=case.id, width=320, height=180, created_at=utcnow())
                s.add(ev)
                s.flush()
                out[ev.id] = (label, kind)
    return out


def test_enumerating_full_size_evidence_as_each_role(world, pictures):
    top = max(pictures) + 3
    for role in ROLES:
        got = {i for i in range(1, top) if world.get(role, f"/api/v1/evidence/{i}").status_code == 200}
        if role in ("admin", "supervisor", "viewer"):
            assert got == set(pictures), role
        elif role == "unit":  # 南坑街道: its own unit's cases only
            assert got == {i for i, (label, _) in pictures.items() if label.startswith("nq_")}
        else:
            assert got == set(), f"{role} downloaded full-size evidence {sorted(got)}"
        for i in (0, -1, top, 2**63):
            assert world.get(role, f"/api/v1/evidence/{i}").status_code in (401, 403, 404)


def test_wall_gets_only_thumbnails_the_wall_shows_and_never_citizen_photos(world, pictures):
    from dashboard.wall.snapshot import service_for

    shown = {e["evidence"] for e in service_for(world.ctx).get()["events"] if e.get("evidence")}
    assert shown, "the wall's event list shows pictures of the seeded cases"
    top = max(pictures) + 3
    got = {i for i in range(1, top) if world.get("wall", f"/api/v1/wall/thumb/{i}").status_code == 200}
    assert got == shown
    assert not any(pictures[i][1] == "citizen" for i in got)
    r = world.get("wall", f"/api/v1/wall/thumb/{min(got)}")
    import io

    from PIL import Image

    assert max(Image.open(io.BytesIO(r.data)).size) <= 240  # a thumbnail, not the picture
    for role in ("anonymous", "unit", "edge"):
        assert all(world.get(role, f"/api/v1/wall/thumb/{i}").status_code in (401, 403) for i in pictures)
