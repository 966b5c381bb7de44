"""Run the real scheduler over one or a few cameras with short intervals, recording health changes."""
from __future__ import annotations

import threading

from feeds.base import CameraAdapter
from feeds.health import OFFLINE, ONLINE, HealthChange, HealthThresholds
from feeds.scheduler import FeedScheduler, SchedulerOptions
from models.frames import FrameQueue

from .sources import wait_for


class Harness:
    """A started :class:`FeedScheduler` plus the list of health changes it reported."""

    def __init__(self, adapters: dict[str, CameraAdapter], *, interval_s: float = 0.25, offline_after_s: float = 1.5,
                 backoff=(0.2, 0.8, 2.0), queue_size: int = 64, threads: int = 8, frozen_after_frames: int = 50,
                 **options):
        self.queue = FrameQueue(maxsize=queue_size)
        self.changes: list[HealthChange] = []
        self._lock = threading.Lock()
        thresholds = HealthThresholds(offline_after_s=offline_after_s, frozen_after_frames=frozen_after_frames)
        self.sched = FeedScheduler(self.queue, thresholds=thresholds,
                                   options=SchedulerOptions(threads=threads, backoff=backoff, start_delay_s=0.05,
                                                            **options),
                                   on_change=self._changed)
        for code, adapter in adapters.items():
            self.sched.add_camera(code, adapter, interval_s)

    def _changed(self, change: HealthChange) -> None:
        with self._lock:
            self.changes.append(change)

    def __enter__(self) -> "Harness":
        self.sched.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sched.stop()

    def runner(self, code: str = "CAM-T"):
        return self.sched.runners[code]

    def states(self, code: str = "CAM-T") -> list[str]:
        with self._lock:
            return [c.to_state for c in self.changes if c.camera_code == code]

    def wait_state(self, state: str, code: str = "CAM-T", timeout: float = 15.0) -> None:
        wait_for(lambda: self.runner(code).health.state == state, timeout,
                 what=f"{code} {state} (now {self.runner(code).health.state}: {self.runner(code).health.detail}; "
                      f"last error {self.runner(code).counters.last_error!r})")

    def wait_frames(self, n: int, code: str = "CAM-T", timeout: float = 15.0) -> None:
        start = self.runner(code).counters.frames
        wait_for(lambda: self.runner(code).counters.frames >= start + n, timeout, what=f"{n} more frames of {code}")


def kill_and_restart(h: Harness, kill, restart, code: str = "CAM-T") -> None:
    """The "Done means" cycle: online → (kill) offline → (restart) reconnect → online, counters keep counting."""
    h.wait_state(ONLINE, code)
    h.wait_frames(3, code)
    c = h.runner(code).counters
    frames_before, errors_before = c.frames, c.errors
    kill()
    h.wait_state(OFFLINE, code)
    assert c.frames >= frames_before  # not reset
    assert c.errors > errors_before
    offline_frames = c.frames
    restart()
    h.wait_state(ONLINE, code, timeout=30)
    h.wait_frames(3, code)
    assert c.frames > offline_frames >= frames_before  # kept counting from where it was
    assert c.reconnects >= 1
    states = h.states(code)
    assert states[:1] == [ONLINE] and OFFLINE in states and states[-1] == ONLINE, states
    i = states.index(OFFLINE)
    assert ONLINE in states[i:], states
