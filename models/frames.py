"""The frame hand-off between ``feeds`` and detection: a small value type and a bounded queue.

``feeds`` produces :class:`FrameEvent` objects and puts them on a :class:`FrameQueue`; detection takes
them off. The queue never blocks the producer: when it is full the oldest frame is dropped and counted.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(frozen=True, slots=True)
class FrameEvent:
    """One sampled frame of one camera.

    ``image`` is a decoded BGR ``uint8`` array (H×W×3). ``capture_time`` is aware UTC; ``media_time_s``
    is the source's own clock when it has one (video position, simulated time), else ``None``.
    """

    camera_code: str
    capture_time: datetime
    image: np.ndarray
    sequence: int
    media_time_s: float | None = None
    scheduled_time: datetime | None = None


@dataclass
class FrameQueue:
    """Bounded, drop-oldest, thread-safe hand-off of frames to detection."""

    maxsize: int = 512
    _items: deque = field(default_factory=deque, init=False, repr=False)
    _cond: threading.Condition = field(default_factory=threading.Condition, init=False, repr=False)
    put_count: int = field(default=0, init=False)
    dropped: int = field(default=0, init=False)

    def put(self, event: FrameEvent) -> None:
        """Add a frame; if full, drop the oldest one (counted in ``dropped``). Never blocks."""
        with self._cond:
            if len(self._items) >= self.maxsize:
                self._items.popleft()
                self.dropped += 1
            self._items.append(event)
            self.put_count += 1
            self._cond.notify()

    def get(self, timeout: float | None = None) -> FrameEvent | None:
        """Take the oldest frame, waiting up to ``timeout`` seconds; ``None`` when none arrived."""
        with self._cond:
            if not self._items and not self._cond.wait_for(lambda: bool(self._items), timeout):
                return None
            return self._items.popleft()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
