"""The simulated users of ``civicwatch bench load`` (not a command: no ``register``).

Each client is a thread with its own keep-alive HTTP connection (``http.client``: light enough that the
load generator leaves CPU to the server on a 2-core machine) and records ``(kind, latency_ms, ok)``:

- :class:`WallClient` — a wall screen: the wall page's tick callback (``/_dash-update-component`` with every
  output of the tick, the ``wall-state`` it got last time) every ``tick_s``, as the browser's dcc.Interval does.
- :class:`SupervisorClient` — a supervisor browsing: the case grid API (a page, a sort), one case's detail,
  the KPI summary, the unit KPIs, and a unit page (Dash router callback for ``/units/<code>``), with
  ``think_s`` between requests.
- :class:`EdgeClient` — an AI edge box posting alarms to ``/api/v1/events`` (or a gateway posting batches to
  ``/api/v1/events/batch``) at a fixed rate (open loop: a late sender catches up without waiting, so the
  achieved rate shows whether the server kept up).
"""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


@dataclass
class Recorder:
    """Latencies and failures of every request, by client class and request kind (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict[str, list[float]] = field(default_factory=dict)
    kinds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def add(self, cls: str, kind: str, ms: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.samples.setdefault(cls, []).append(ms)
            self.kinds.setdefault(f"{cls}.{kind}", []).append(ms)
            if not ok:
                self.errors[cls] = self.errors.get(cls, 0) + 1
                if len(self.error_examples) < 10:
                    self.error_examples.append(f"{cls}.{kind}: {why}"[:300])


class Client(threading.Thread):
    """One simulated user: a thread with a keep-alive connection to the server."""

    cls = "client"

    def __init__(self, host: str, port: int, headers: dict[str, str], rec: Recorder, stop: threading.Event,
                 seed: int):
        super().__init__(daemon=True, name=f"{self.cls}-{seed}")
        self.host, self.port, self.headers, self.rec, self.stop_event = host, port, headers, rec, stop
        self.rnd = random.Random(seed)
        self.conn: http.client.HTTPConnection | None = None

    def call(self, kind: str, method: str, path: str, body: object | None = None) -> tuple[int, bytes]:
        """One request; records its latency; returns (status, body) — status 0 on a connection error."""
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        t = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                status = resp.status
                break
            except (OSError, http.client.HTTPException) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                # the server closed an idle keep-alive connection as we reused it: a browser retries that
                # once on a new connection (nothing reached the application), so do we
                stale = isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected))
                if attempt == 1 and reused and stale:
                    continue
                self.rec.add(self.cls, kind, (time.perf_counter() - t) * 1000, False, f"{type(exc).__name__}: {exc}")
                return 0, b""
        ok = 200 <= status < 300
        self.rec.add(self.cls, kind, (time.perf_counter() - t) * 1000, ok,
                     "" if ok else f"HTTP {status} {payload[:160]!r}")
        return status, payload

    def sleep_until(self, t: float) -> bool:
        """Wait until monotonic time ``t``; False when the run is over."""
        return not self.stop_event.wait(max(0.0, t - time.monotonic()))

    def run(self) -> None:
        try:
            self.loop()
        finally:
            if self.conn is not None:
                self.conn.close()

    def loop(self) -> None:
        raise NotImplementedError


def dash_body(dep: dict, inputs: list[dict], state: list[dict]) -> dict:
    """A ``/_dash-update-component`` body for the callback described by ``dep`` (from _dash-dependencies)."""
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": state}


class WallClient(Client):
    cls = "wall"

    def __init__(self, *args, tick_dep: dict, tick_s: float, **kw):
        super().__init__(*args, **kw)
        self.dep, self.tick_s = tick_dep, tick_s

    def loop(self) -> None:
        state, n = None, 0
        next_t = time.monotonic() + self.rnd.random() * self.tick_s  # screens are not in lock-step
        while self.sleep_until(next_t):
            n += 1
            body = dash_body(self.dep, [{"id": "wall-interval", "property": "n_intervals", "value": n}],
                             [{"id": "wall-state", "property": "data", "value": state}])
            status, payload = self.call("tick" if state is not None else "first_tick", "POST",
                                        "/_dash-update-component", body)  # the first answer is the whole wall
            if status == 200 and payload:
                try:
                    state = json.loads(payload)["response"].get("wall-state", {}).get("data", state)
                except (ValueError, KeyError, AttributeError):
                    pass
            next_t = max(next_t + self.tick_s, time.monotonic())


class SupervisorClient(Client):
    cls = "supervisor"

    def __init__(self, *args, router_dep: dict, units: list[str], think_s: float, **kw):
        super().__init__(*args, **kw)
        self.router, self.units, self.think_s = router_dep, units, think_s

    def _pause(self) -> bool:
        return self.sleep_until(time.monotonic() + self.think_s * (0.5 + self.rnd.random()))

    def loop(self) -> None:
        while self._pause():
            sort = self.rnd.choice(["-found_at", "deadline_at", "state", "-code"])
            status, payload = self.call("cases", "GET", f"/api/v1/cases?per_page=50&page={self.rnd.randint(1, 3)}"
                                                       f"&sort={sort}")
            ids = []
            if status == 200:
                try:
                    ids = [row["id"] for row in json.loads(payload)["items"]]
                except (ValueError, KeyError):
                    pass
            if ids and self._pause():
                self.call("case_detail", "GET", f"/api/v1/cases/{self.rnd.choice(ids)}")
            if not self._pause():
                return
            self.call("summary", "GET", "/api/v1/summary")
            if not self._pause():
                return
            self.call("unit_kpi", "GET", "/api/v1/kpi?group_by=unit&period=month")
            if not self._pause():
                return
            path = f"/units/{self.rnd.choice(self.units)}"
            self.call("unit_page", "POST", "/_dash-update-component", dash_body(
                self.router, [{"id": "_pages_location", "property": "pathname", "value": path},
                              {"id": "_pages_location", "property": "search", "value": ""}], []))


class EdgeClient(Client):
    """Posts ``rate`` alarms/s: one per request to ``/api/v1/events`` (``batch`` 1), or ``batch`` alarms per
    request to ``/api/v1/events/batch`` as an edge gateway does; counts alarms sent, accepted and refused."""

    cls = "edge"

    def __init__(self, *args, rate: float, cameras: list[str], type_name: str, image_b64: str | None,
                 device: str, batch: int = 1, **kw):
        super().__init__(*args, **kw)
        self.rate, self.cameras, self.type_name, self.image, self.device = rate, cameras, type_name, image_b64, device
        self.batch = max(1, batch)
        self.sent = self.accepted = self.refused = 0
        self.refused_example = ""

    def _alarm(self, k: int, boxes: list[list[float]]) -> dict:
        when = datetime.now(timezone.utc) - timedelta(seconds=1)
        body = {"event_id": f"{self.device}-{k}", "device_code": self.device,
                "camera_code": self.rnd.choice(self.cameras), "time": when.isoformat(), "type": self.type_name,
                "box": self.rnd.choice(boxes), "score": round(0.5 + self.rnd.random() / 2, 3)}
        if self.image is not None:
            body["image"] = self.image
        return body

    def loop(self) -> None:
        start, k = time.monotonic(), 0
        boxes = [[0.10, 0.60, 0.20, 0.72], [0.40, 0.62, 0.52, 0.75], [0.70, 0.58, 0.80, 0.70]]
        while self.sleep_until(start + k / self.rate):
            if self.batch == 1:
                k += 1
                self.sent += 1
                status, _ = self.call("event", "POST", "/api/v1/events", self._alarm(k, boxes))
                self.accepted += 200 <= status < 300
                continue
            events = [self._alarm(k + i + 1, boxes) for i in range(self.batch)]
            k += self.batch
            self.sent += len(events)
            status, payload = self.call("batch", "POST", "/api/v1/events/batch", {"events": events})
            if status != 200:
                continue
            try:
                results = json.loads(payload)["results"]
            except (ValueError, KeyError):
                continue
            ok = sum(1 for r in results if r.get("status") in ("created", "attached", "replay"))
            self.accepted += ok
            if ok < len(events):
                self.refused += len(events) - ok
                bad = next((r for r in results if r.get("status") == "error"), {})
                self.refused_example = f"edge.batch alarm refused: {bad.get('field')}: {bad.get('message')}"[:300]
