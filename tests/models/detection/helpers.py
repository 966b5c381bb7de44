"""Generated frames and a small type book for detection unit tests."""
from __future__ import annotations

import cv2
import numpy as np

from models.detection.types import TypeBook, TypeSpec

W, H = 320, 180
SIDEWALK = {"name": "人行道", "kind": "sidewalk", "polygon": [[0.0, 0.5], [1.0, 0.5], [1.0, 0.75], [0.0, 0.75]]}
ROAD = {"name": "机动车道", "kind": "roadway", "polygon": [[0.0, 0.75], [1.0, 0.75], [1.0, 1.0], [0.0, 1.0]]}
WALL = {"name": "墙面", "kind": "wall", "polygon": [[0.0, 0.05], [1.0, 0.05], [1.0, 0.5], [0.0, 0.5]]}


def book() -> TypeBook:
    return TypeBook([
        TypeSpec("PT01", "暴露垃圾", ("stationary_object",), ("sidewalk",), dwell_s=30, confirm_frames=3, id=1),
        TypeSpec("PT21", "乱堆物料", ("stationary_object",), ("sidewalk",), dwell_s=30, confirm_frames=3, id=2),
        TypeSpec("PT16", "占道经营", ("stationary_object",), ("sidewalk",), dwell_s=30, active_hours="07:00-22:00",
                 confirm_frames=3, id=3),
        TypeSpec("PT12", "违规悬挂横幅", ("wall_change",), ("wall",), dwell_s=20, confirm_frames=3, id=4),
        TypeSpec("PT04", "不文明养宠", (), (), id=5),
    ])


def background(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.zeros((H, W, 3), np.uint8)
    img[: int(0.5 * H)] = (170, 178, 190)          # wall
    img[int(0.5 * H): int(0.75 * H)] = (150, 155, 160)  # sidewalk
    img[int(0.75 * H):] = (75, 76, 80)              # road
    for x in range(0, W, 16):
        cv2.line(img, (x, int(0.5 * H)), (x, int(0.75 * H)), (135, 138, 142), 1)
    noise = rng.normal(0, 2, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def frame(t: float, *, cars: bool = True, people: bool = True, pile_from: float | None = None,
          pile_box=(0.40, 0.55, 0.48, 0.70), banner_from: float | None = None, gain: float = 1.0,
          seed: int = 0) -> np.ndarray:
    """A street frame at ``t``: traffic and pedestrians move every sample; optional left pile / banner."""
    img = background().copy()
    rng = np.random.default_rng(int(t * 10) + seed)
    if pile_from is not None and t >= pile_from:
        x1, y1, x2, y2 = (int(pile_box[0] * W), int(pile_box[1] * H), int(pile_box[2] * W), int(pile_box[3] * H))
        for r in range(3):
            ry1 = y1 + (y2 - y1) * r // 3
            ry2 = y1 + (y2 - y1) * (r + 1) // 3
            cv2.rectangle(img, (x1, ry1), (x2, ry2), (60 + 10 * r, 110, 165), -1)
            cv2.rectangle(img, (x1, ry1), (x2, ry2), (30, 50, 80), 1)
    if banner_from is not None and t >= banner_from:
        cv2.rectangle(img, (100, 30), (200, 45), (30, 30, 200), -1)
        for i in range(6):
            cv2.rectangle(img, (105 + 16 * i, 34), (113 + 16 * i, 41), (0, 215, 255), -1)
    if cars:
        for k in range(3):
            x = int((t * 60 + k * 110) % (W + 60)) - 60
            y = int(0.8 * H) + 8 * (k % 2)
            cv2.rectangle(img, (x, y), (x + 55, y + 22), [(40, 40, 170), (230, 230, 230), (30, 30, 30)][k], -1)
    if people:
        for k in range(4):
            x = int((t * 9 + k * 80) % W)
            y = int(0.55 * H) + 6 * k
            cv2.rectangle(img, (x, y), (x + 4, y + 14), (60, 60, 150), -1)
            cv2.circle(img, (x + 2, y - 2), 2, (120, 150, 190), -1)
    img = cv2.convertScaleAbs(img, alpha=gain)
    noise = rng.normal(0, 1.5, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)
