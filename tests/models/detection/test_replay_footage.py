"""Replay on real footage (Debian's opencv-doc vtest.avi: people walking and standing).

Nothing left behind ⇒ no stationary problem; an object planted into the footage from t0 on ⇒ found, in
the right zone, with the right box (IoU ≥ 0.5).
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from civicwatch.cli import cli
from models.detection.problems import iou

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
STATIONARY_TYPES = ["乱堆物料", "暴露垃圾", "占道经营", "非机动车乱停放", "机动车乱停放"]
ZONES = f"""zones:
  - name: 草地
    kind: green_space
    polygon: [[0.0, 0.55], [0.45, 0.42], [1.0, 0.62], [1.0, 1.0], [0.0, 1.0]]
    types: [暴露垃圾]
    dwell_s: 10
  - name: 路面
    kind: sidewalk
    polygon: [[0.0, 0.25], [1.0, 0.25], [1.0, 0.62], [0.45, 0.42], [0.0, 0.55]]
    types: [{", ".join(STATIONARY_TYPES)}]
    dwell_s: 10
"""
PLANT_BOX = (0.62, 0.40, 0.70, 0.50)  # relative: on the paved path, right of the lamp post
T0 = 20.0


@pytest.fixture(scope="module")
def footage():
    assert VTEST.is_file(), f"{VTEST} missing: install Debian's opencv-doc (scripts/setup.sh --test does)"
    return VTEST


def _replay(video: Path, zones: Path, config: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["--config", str(config), "replay", str(video), "--zones", str(zones),
                                      "--fps", "2", "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def setup_files(tmp_path):
    zones = tmp_path / "zones.yaml"
    zones.write_text(ZONES, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path}/var\ndatabase:\n  url: sqlite:///{tmp_path}/none.db\n"
                      f"registry_seed_dir: {Path('assets/registry').resolve()}\n", encoding="utf-8")
    return zones, config


def _pile(w: int, h: int) -> np.ndarray:
    """Stacked cardboard boxes (brown, with darker seams)."""
    patch = np.zeros((h, w, 3), np.uint8)
    patch[:] = (60, 110, 165)
    for r in range(3):
        y1, y2 = h * r // 3, h * (r + 1) // 3
        patch[y1:y2, :] = (50 + 15 * r, 100 + 12 * r, 150 + 10 * r)
        cv2.rectangle(patch, (0, y1), (w - 1, y2 - 1), (30, 50, 80), 2)
        cv2.line(patch, (w // 2, y1), (w // 2, y2), (30, 50, 80), 2)
    return patch


def test_people_walking_and_standing_raise_no_stationary_problem(footage, setup_files):
    zones, config = setup_files
    raised = _replay(footage, zones, config)
    assert raised == []


def test_planted_object_is_found_in_its_zone_with_its_box(footage, setup_files, tmp_path):
    zones, config = setup_files
    cap = cv2.VideoCapture(str(footage))
    fps = cap.get(cv2.CAP_PROP_FPS)
    W, H = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    out_path = tmp_path / "planted.avi"
    writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (W, H))
    x1, y1, x2, y2 = (int(PLANT_BOX[0] * W), int(PLANT_BOX[1] * H), int(PLANT_BOX[2] * W), int(PLANT_BOX[3] * H))
    patch = _pile(x2 - x1, y2 - y1)
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i / fps >= T0:
            frame[y1:y2, x1:x2] = patch
        writer.write(frame)
        i += 1
    writer.release()
    cap.release()
    raised = _replay(out_path, zones, config)
    assert len(raised) == 1, raised
    (p,) = raised
    assert p["zone"] == "路面"
    assert p["problem_type"] == "PT21" and p["type_name"] == "乱堆物料"
    assert iou(p["box"], PLANT_BOX) >= 0.5, p["box"]
    assert T0 <= p["first_seen_s"] <= T0 + 5
    assert p["confirmed_s"] >= p["first_seen_s"] + 10
