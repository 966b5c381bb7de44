"""Disk full for evidence, end to end: the evidence directory is a tiny file system (a 1 MB tmpfs) that fills
up. Detection keeps opening cases (without images), says so (status entry, log line) and stores images
again once space returns."""
from __future__ import annotations

import errno
import logging
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from models.cases import Case, Evidence
from models.clock import utcnow
from models.context import AppContext
from models.detection import evidence as evidence_mod
from models.detection.service import DetectionService
from models.frames import FrameEvent
from models.migrate import upgrade
from tests.conftest import make_config
from tests.feeds.sources import wait_for

from .city import ground, make_fault_city, with_objects

log = logging.getLogger(__name__)


@contextmanager
def tiny_disk(path: Path):
    """A 1 MB tmpfs at ``path`` (this suite runs as root in CI); yields ``(fill, free)``.

    Where mounting is not allowed, the evidence store's writes fail with ENOSPC while "full" instead (the
    same error the kernel gives), so the test still runs the product's disk-full path."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    filler = path / "filler.bin"
    state = {"full": False}
    original = evidence_mod.EvidenceStore._write

    def fill() -> None:
        if mounted:
            with open(filler, "wb") as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                        fh.flush()
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
        state["full"] = True

    def free() -> None:
        filler.unlink(missing_ok=True)
        state["full"] = False

    def write(self, p, data):
        if not mounted and state["full"]:
            raise OSError(errno.ENOSPC, "No space left on device", str(p))
        return original(self, p, data)

    evidence_mod.EvidenceStore._write = write
    try:
        if not mounted:
            log.warning("tmpfs mount not permitted here: simulating ENOSPC in the evidence store")
        yield fill, free
    finally:
        evidence_mod.EvidenceStore._write = original
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


IMAGES = ["confirmation", "first_sight", "ref_clean", "ref_problem"]


def test_evidence_disk_full_degrades_to_cases_without_images_and_recovers(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    ev_dir = tmp_path / "evidence"
    with tiny_disk(ev_dir) as (fill, free):
        cfg = make_config(tmp_path, f"sqlite:///{tmp_path}/civicwatch.db",
                          detection={"evidence_dir": str(ev_dir), "evidence_min_free_mb": 0})
        ctx = AppContext.from_config(cfg)
        try:
            upgrade(ctx.engine)
            with ctx.sessions.begin() as s:
                make_fault_city(s, [("CAM-E1", "simulated", None, 1.0)])
            svc = DetectionService(ctx)
            svc.engine.learn_s = 10.0
            base = ground()
            clock = {"t": 1_790_000_000.0, "seq": 0}

            def run_until(slots, predicate, what: str, timeout: float = 60):
                def step():
                    clock["t"] += 2.0
                    clock["seq"] += 1
                    svc.handle(FrameEvent("CAM-E1", utcnow(), with_objects(base, slots), clock["seq"],
                                          media_time_s=clock["t"]))
                    time.sleep(0.02)
                    return predicate()
                wait_for(step, timeout, interval=0.0, what=what)

            def cases():
                with ctx.sessions() as s:
                    return [(c.id, sorted(s.scalars(select(Evidence.kind).where(Evidence.case_id == c.id)).all()))
                            for c in s.scalars(select(Case).order_by(Case.id))]

            run_until([], lambda: clock["seq"] >= 10, "the background to be learnt")
            run_until([0], lambda: len(cases()) == 1, "the first case (disk has space)")
            # first sight + confirmation, and the two re-check references (problem as confirmed, clean view)
            assert cases()[0][1] == IMAGES
            assert not svc.status()["evidence_disk_full"]

            fill()
            run_until([0, 1, 2], lambda: len(cases()) == 3, "cases while the disk is full")
            assert [n for _, n in cases()[1:]] == [[], []]  # cases keep flowing, without images
            st = svc.status()
            assert st["evidence_disk_full"] and st["evidence_note"] and st["evidence_skipped_disk_full"] >= 2
            assert "ENOSPC" in (st["evidence_error"] or "ENOSPC")
            assert any("disk full" in r.getMessage() and "WITHOUT evidence" in r.getMessage()
                       for r in caplog.records)
            assert svc.errors == 0  # no frame failed
            assert not list(ev_dir.rglob("*.tmp"))  # no partial file left behind

            free()
            # the store looks at the disk again CHECK_EVERY_S after its last look: the next case has its images
            wait_for(lambda: time.monotonic() - svc.store._checked > evidence_mod.CHECK_EVERY_S, 30,
                     what="the evidence store's next look at the disk")
            run_until([0, 1, 2, 3], lambda: len(cases()) == 4, "a case after space returned")
            assert cases()[-1][1] == IMAGES
            assert not svc.status()["evidence_disk_full"] and svc.status()["evidence_note"] is None
            assert any("space available again" in r.getMessage() for r in caplog.records)
        finally:
            ctx.stop()
