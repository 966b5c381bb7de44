"""Evidence JPEGs (证据图片): the frame with the problem's box drawn, stored by content hash, with retention.

Files live under ``config.detection.evidence_dir`` as ``ab/cd/<sha256>.jpg``. When free disk space is below
``evidence_min_free_mb``, or a write fails because the disk is full (ENOSPC/EDQUOT, or any write error of
the evidence directory), nothing is written: ``save`` returns ``None`` so cases keep flowing without images,
``disk_full`` is set (detection's status says so) and one log line is written when images stop and one when
they resume. Free space is looked at again every ``CHECK_EVERY_S``.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0
# camera evidence removed with its case after the retention (re-check references and frames included)
PRUNED_KINDS = ("first_sight", "confirmation", "recheck", "recheck_crop", "ref_problem", "ref_clean")

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
        self.write_errors = 0
        self.last_error: str | None = None
        self._checked = -1e9

    def _set_full(self, full: bool, why: str) -> None:
        if full and not self.disk_full:
            log.warning("evidence: disk full for %s (%s); cases keep flowing WITHOUT evidence images",
                        self.directory, why)
        elif not full and self.disk_full:
            log.warning("evidence: space available again in %s; evidence images are stored again", self.directory)
        self.disk_full = full

    def _space_ok(self) -> bool:
        now = time.monotonic()
        if now - self._checked > CHECK_EVERY_S:
            self._checked = now
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                free_mb = shutil.disk_usage(self.directory).free / 1e6
            except OSError as exc:
                self._set_full(True, f"{type(exc).__name__}: {exc}")
                return False
            self._set_full(free_mb < self.min_free_mb, f"{free_mb:.1f} MB free, {self.min_free_mb} MB required")
        return not self.disk_full

    def _write(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically (temporary file, then rename); no partial file is left."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def save(self, image: np.ndarray, box=None, label: str | None = None, quality: int = 85) -> StoredImage | None:
        """Store ``image`` (BGR) with ``box`` (relative x1, y1, x2, y2) drawn; ``None`` if disk is full.
        ``quality``: JPEG quality (re-check reference crops are kept at 95)."""
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
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            return None
        data = buf.tobytes()
        sha = hashlib.sha256(data).hexdigest()
        path = self.directory / sha[:2] / sha[2:4] / f"{sha}.jpg"
        if not path.exists():
            try:
                self._write(path, data)
            except OSError as exc:
                # disk full (or the evidence disk failing): degrade to no images, never lose the case
                self.write_errors += 1
                self.skipped_disk_full += 1
                self.last_error = f"{errno.errorcode.get(exc.errno, exc.errno)}: {exc.strerror or exc}"
                self._checked = time.monotonic()  # look at the free space again after CHECK_EVERY_S
                self._set_full(True, self.last_error)
                return None
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
            Case.closed_at < cutoff, Evidence.kind.in_(PRUNED_KINDS))).all()
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
