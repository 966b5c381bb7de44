"""Evidence JPEGs (证据图片): the frame with the problem's box drawn, stored by content hash, with retention.

Files live under ``config.detection.evidence_dir`` as ``ab/cd/<sha256>.jpg``. When free disk space is below
``evidence_min_free_mb`` nothing is written (the pipeline keeps running; the status says so).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass
class StoredImage:
    sha256: str
    path: str
    width: int
    height: int


class EvidenceStore:
    """Writes evidence images by hash; refuses (returns ``None``) when the disk is nearly full."""

    def __init__(self, directory: str | Path, min_free_mb: int = 200, max_width: int = 960):
        self.directory = Path(directory)
        self.min_free_mb = min_free_mb
        self.max_width = max_width
        self.written = 0
        self.skipped_disk_full = 0
        self.disk_full = False
        self._checked = 0.0

    def _space_ok(self) -> bool:
        now = time.monotonic()
        if now - self._checked > 5:
            self._checked = now
            self.directory.mkdir(parents=True, exist_ok=True)
            free_mb = shutil.disk_usage(self.directory).free / 1e6
            self.disk_full = free_mb < self.min_free_mb
        return not self.disk_full

    def save(self, image: np.ndarray, box=None, label: str | None = None) -> StoredImage | None:
        """Store ``image`` (BGR) with ``box`` (relative x1, y1, x2, y2) drawn; ``None`` if disk is full."""
        if image is None:
            return None
        if not self._space_ok():
            self.skipped_disk_full += 1
            return None
        img = image
        h, w = img.shape[:2]
        if w > self.max_width:
            img = cv2.resize(img, (self.max_width, round(h * self.max_width / w)), interpolation=cv2.INTER_AREA)
            h, w = img.shape[:2]
        else:
            img = img.copy()
        if box is not None:
            x1, y1, x2, y2 = (int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h))
            cv2.rectangle(img, (x1, y1), (x2, y2), (0, 0, 255), max(2, w // 320))
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            return None
        data = buf.tobytes()
        sha = hashlib.sha256(data).hexdigest()
        path = self.directory / sha[:2] / sha[2:4] / f"{sha}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        self.written += 1
        return StoredImage(sha, str(path), w, h)

    def prune(self, session, retention_days: int, now) -> int:
        """Delete evidence files (and rows) of cases closed more than ``retention_days`` ago."""
        from datetime import timedelta

        from sqlalchemy import select

        from ..cases import Case, CaseState, Evidence

        cutoff = now - timedelta(days=retention_days)
        rows = session.scalars(select(Evidence).join(Case, Case.id == Evidence.case_id).where(
            Case.state.in_([CaseState.CLOSED.value, CaseState.INVALID.value]), Case.closed_at.is_not(None),
            Case.closed_at < cutoff, Evidence.kind.in_(["first_sight", "confirmation", "recheck"]))).all()
        removed = 0
        for ev in rows:
            still_used = session.scalar(select(Evidence.id).where(Evidence.sha256 == ev.sha256,
                                                                   Evidence.id != ev.id).limit(1))
            if not still_used:
                try:
                    Path(ev.path).unlink()
                except FileNotFoundError:
                    pass
            session.delete(ev)
            removed += 1
        return removed
