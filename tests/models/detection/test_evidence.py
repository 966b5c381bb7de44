"""Evidence JPEGs: stored by content hash with the box drawn; nothing written when the disk is nearly full."""
from __future__ import annotations

import hashlib
from pathlib import Path

from models.detection.evidence import EvidenceStore

from .helpers import frame


def test_stored_by_hash_with_box(tmp_path):
    store = EvidenceStore(tmp_path / "ev", min_free_mb=0)
    a = store.save(frame(0), (0.1, 0.1, 0.5, 0.5))
    b = store.save(frame(0), (0.1, 0.1, 0.5, 0.5))
    assert a.sha256 == b.sha256 == hashlib.sha256(Path(a.path).read_bytes()).hexdigest()
    assert Path(a.path).relative_to(tmp_path / "ev").parts[:2] == (a.sha256[:2], a.sha256[2:4])
    c = store.save(frame(0), (0.2, 0.2, 0.6, 0.6))
    assert c.sha256 != a.sha256  # the drawn box is part of the evidence


def test_disk_guard_skips_images_and_says_so(tmp_path):
    store = EvidenceStore(tmp_path / "ev", min_free_mb=10**12)  # more free space than any disk has
    assert store.save(frame(0), (0.1, 0.1, 0.5, 0.5)) is None
    assert store.disk_full and store.skipped_disk_full == 1
    assert not list((tmp_path / "ev").rglob("*.jpg"))
