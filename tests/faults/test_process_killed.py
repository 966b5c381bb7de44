"""The product killed with SIGKILL in the middle of detection and of workflow actions, then restarted.

``civicwatch run -c <config>`` runs as a subprocess, once on SQLite and once on PostgreSQL: three ``folder`` cameras replay
pre-rendered frames (a deterministic, fast source: 4 simulated seconds per frame, 4 frames a second) in which
things appear one after another; detection opens cases, the demo responders report rectifications, the camera
re-check sends them back (the things stay), the deadline job escalates. The process is killed (kill -9) at
randomised moments while cases are raised and actions applied, restarted (the cameras replay from the
start) and finally stopped. Then: no thing ever has two open cases (a thing gets a new case only after its
previous one was closed — a replayed recording shows a rectified thing gone for a while), every case
is the projection of its gap-free transition log, and the KPIs equal their recomputation from the log
(``civicwatch workflow audit``)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import yaml
from sqlalchemy import func, select

from models.cases import Case, CaseTransition
from models.context import AppContext
from models.detection.problems import iou
from models.migrate import upgrade
from tests.conftest import make_config
from tests.feeds.sources import free_port, wait_for

from .city import duplicate_open_cases, ground, log_problems, make_fault_city, slot_box, with_objects

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "civicwatch"
CAMERAS = ["CAM-K1", "CAM-K2", "CAM-K3"]
SLOTS = 8
FRAMES = 110
STEP_S = 4.0  # simulated seconds per frame
LEARN_FRAMES = 30  # detection learns the background for 120 simulated seconds


def appear_frame(cam: int, slot: int) -> int:
    return LEARN_FRAMES + 5 + 6 * slot + 2 * cam


def render(folder: Path, cam: int) -> None:
    folder.mkdir(parents=True)
    base = ground(seed=10 + cam)
    rng = np.random.default_rng(cam)
    for i in range(FRAMES):
        img = with_objects(base, [j for j in range(SLOTS) if i >= appear_frame(cam, j)], rng)
        cv2.imwrite(str(folder / f"f{i:04d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 92])


def thing_of(case: Case) -> tuple[int, int]:
    """(camera index, slot) of the thing a case is about."""
    slot = max(range(SLOTS), key=lambda j: iou(slot_box(j), case.box))
    assert iou(slot_box(slot), case.box) > 0.3, (case.id, case.box)
    return CAMERAS.index(case.camera.code), slot


def never_open_twice(s, cases: list[Case]) -> list[str]:
    """A thing may get a new case only after its previous case was closed or invalidated (a restarted
    recording shows a rectified thing gone, the re-check closes it, and it "returns"). Transition ids give the
    order in which things were committed, whatever the (replayed) media times say."""
    opened = {c.id: s.scalar(select(CaseTransition.id).where(CaseTransition.case_id == c.id,
                                                             CaseTransition.action == "open")) for c in cases}
    ended = {c.id: s.scalar(select(func.min(CaseTransition.id)).where(
        CaseTransition.case_id == c.id, CaseTransition.to_state.in_(["closed", "invalid"]))) for c in cases}
    by_thing: dict[tuple, list[Case]] = {}
    for c in cases:
        by_thing.setdefault(thing_of(c), []).append(c)
    bad = []
    for thing, group in by_thing.items():
        group.sort(key=lambda c: opened[c.id])
        for a, b in zip(group, group[1:]):
            if ended[a.id] is None or ended[a.id] > opened[b.id]:
                bad.append(f"thing {thing}: case {b.id} opened while case {a.id} ({a.state}) was open")
    return bad


def counts(ctx) -> tuple[int, int]:
    with ctx.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(CaseTransition)))


class Product:
    """``civicwatch run`` as a subprocess (own process group), its output in a log file."""

    def __init__(self, config: Path, log: Path):
        self.config, self.log, self.proc = config, log, None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        out = open(self.log, "a", encoding="utf-8")
        out.write(f"\n===== start {self.starts} =====\n")
        out.flush()
        self.proc = subprocess.Popen([str(CLI), "--config", str(self.config), "run"], stdout=out,
                                     stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        out.close()

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def test_sigkill_during_detection_and_workflow_actions_loses_and_duplicates_nothing(tmp_path, db_url):
    rng = random.Random(int(os.environ.get("CIVICWATCH_FAULT_SEED", "0")) or None)
    seed_note = f"random seed {rng.random():.6f}"
    start_s = time.time() - 3 * 3600  # the recording is from three hours ago: deadlines are due at once
    for k, code in enumerate(CAMERAS):
        render(tmp_path / "frames" / code, k)
    config = {
        "data_dir": str(tmp_path / "var"), "demo": True, "registry_seed_dir": None,
        "database": {"url": db_url},
        "server": {"host": "127.0.0.1", "port": free_port()},
        "simulator": {"enabled": False},
        "feeds": {"cameras": [{"code": code, "kind": "folder", "url": str(tmp_path / "frames" / code),
                               "sample_every_s": 0.25,
                               "options": {"step_s": STEP_S, "start_s": start_s, "loop": False}}
                              for code in CAMERAS]},
        "detection": {"evidence_min_free_mb": 0},
        "workflow": {"demo_responders": {"enabled": True, "min_delay_s": 0.5, "max_delay_s": 3,
                                         "fail_share": 0.3, "overdue_share": 0.3}},
    }
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    ctx = AppContext.from_config(make_config(tmp_path, db_url))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_fault_city(s, [(c, "folder", None, 0.25) for c in CAMERAS], dwell_s=6.0, deadline_hours=0.01)
    product = Product(cfg_path, tmp_path / "product.log")
    kills = []
    try:
        # 1: killed while detection raises cases
        product.start()
        wait_for(lambda: counts(ctx)[0] >= 2, 120, interval=0.1, what=f"the first cases ({seed_note})")
        time.sleep(rng.uniform(0.0, 3.0))
        product.kill()
        kills.append(("detection", counts(ctx)))
        # 2, 3: killed while workflow actions are applied (and, after the replayed learning, cases raised)
        for phase in range(2):
            product.start()
            c0, t0 = counts(ctx)
            wait_for(lambda: counts(ctx)[1] >= t0 + 3, 120, interval=0.05,
                     what=f"workflow transitions after restart {phase + 2} ({seed_note})")
            time.sleep(rng.uniform(0.0, 2.5 + 4 * phase))
            product.kill()
            kills.append(("workflow", counts(ctx)))
        # last run: to the end of the recording, then a normal stop
        product.start()
        wait_for(lambda: counts(ctx)[0] >= len(CAMERAS) * SLOTS, 180, interval=0.5,
                 what=f"a case for every thing after the restarts ({seed_note}; kills {kills})")
        time.sleep(8)  # the end of the recording: nothing more may be raised
        assert product.alive(), (tmp_path / "product.log").read_text()[-3000:]
        product.stop()

        with ctx.sessions() as s:
            cases = s.scalars(select(Case).order_by(Case.id)).all()
            assert duplicate_open_cases(s) == [], f"{seed_note}; kills {kills}"
            assert log_problems(s) == []
            assert never_open_twice(s, cases) == [], f"{seed_note}; kills {kills}"
            things = {thing_of(c) for c in cases}
            assert things == {(k, j) for k in range(len(CAMERAS)) for j in range(SLOTS)}
            actions = Counter(a for (a,) in s.execute(select(CaseTransition.action)))
            assert actions["rectify"] > 0 and actions["escalate"] > 0, actions
        audit = subprocess.run([str(CLI), "--config", str(cfg_path), "workflow", "audit"], capture_output=True,
                               text=True, cwd=ROOT, timeout=120)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        result = json.loads(audit.stdout.strip().splitlines()[-1])
        assert result["cases"] == len(cases) and result["mismatched_cases"] == 0
        assert result["summary_differences"] == {}
        log = (tmp_path / "product.log").read_text(encoding="utf-8")
        assert "Traceback" not in log.split("===== start 4 =====")[-1], log[-3000:]
    finally:
        product.stop()
        ctx.stop()
        sys.stdout.write(f"fault kills: {kills}\n")
