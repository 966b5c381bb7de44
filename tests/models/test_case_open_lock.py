"""Concurrent deliveries about the same new object open ONE case (batches, single alarms, both at once)."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

import models.edge_batch as edge_batch
import models.edge_events as edge_events
from models.case_open_lock import key_number
from models.cases import Case
from models.edge_batch import ingest_batch
from models.edge_events import ingest
from models.photo_intake import PhotoStore
from tests.models.test_edge_events import CFG, alarm

SLOW_OPEN_S = 0.3  # widen the window between "no open case found" and "case opened" to make the race certain


def _slow_open(monkeypatch):
    for module in (edge_batch, edge_events):
        real = module.open_case

        def slow(*args, _real=real, **kwargs):
            time.sleep(SLOW_OPEN_S)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "open_case", slow)


def _race(*calls):
    """Run the calls in threads released together; return their results (re-raising any error)."""
    start, out, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def run(i, call):
        start.wait()
        try:
            out[i] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]
    return out


def _cases(ctx):
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_two_batches_about_one_new_object_open_one_case(city, tmp_path, monkeypatch):
    _slow_open(monkeypatch)
    store = PhotoStore(tmp_path / "ev")
    a = [alarm("A1", device_code="GW-A"), alarm("A2", device_code="GW-A", camera_code="CAM-0002")]
    b = [alarm("B1", device_code="GW-B", box=[0.11, 0.59, 0.21, 0.71]),
         alarm("B2", device_code="GW-B", camera_code="CAM-0002", box=[0.11, 0.59, 0.21, 0.71])]
    first, second = _race(lambda: ingest_batch(city.sessions, store, a, CFG),
                          lambda: ingest_batch(city.sessions, store, b, CFG))
    assert _cases(city) == 2  # one per object (two cameras), not four
    for x, y in zip(first, second):
        assert x.result.case_id == y.result.case_id
        assert sorted((x.result.status, y.result.status)) == ["attached", "created"]


def test_single_alarms_and_a_batch_about_one_new_object_open_one_case(city, tmp_path, monkeypatch):
    _slow_open(monkeypatch)
    store = PhotoStore(tmp_path / "ev")
    results = _race(lambda: ingest(city.sessions, store, alarm("S1", device_code="GW-S"), CFG),
                    lambda: ingest(city.sessions, store, alarm("S2", device_code="GW-T"), CFG),
                    lambda: ingest_batch(city.sessions, store, [alarm("S3", device_code="GW-U")], CFG)[0].result)
    assert _cases(city) == 1
    assert sorted(r.status for r in results) == ["attached", "attached", "created"]
    assert len({r.case_id for r in results}) == 1


def test_different_objects_still_open_their_own_cases_concurrently(city, tmp_path, monkeypatch):
    _slow_open(monkeypatch)
    store = PhotoStore(tmp_path / "ev")
    results = _race(lambda: ingest(city.sessions, store, alarm("D1", camera_code="CAM-0001"), CFG),
                    lambda: ingest(city.sessions, store, alarm("D2", camera_code="CAM-0002"), CFG))
    assert [r.status for r in results] == ["created", "created"] and _cases(city) == 2


def test_a_case_closed_between_two_looks_makes_its_key_locked_before_opening(city, tmp_path, monkeypatch):
    store = PhotoStore(tmp_path / "ev")
    first = ingest(city.sessions, store, alarm("K1"), CFG)  # an open case for CAM-0001's box
    real_open_cases, real_lock, calls, locks = edge_batch._open_cases, edge_batch.lock_case_keys, [], []

    def open_cases_then_close(s, camera_ids):
        out = real_open_cases(s, camera_ids)
        calls.append(1)
        if len(calls) == 1:  # between the first look and the second, another transaction closes the case
            with city.sessions.begin() as other:
                other.get(Case, first.case_id).state = "closed"
        return out

    monkeypatch.setattr(edge_batch, "_open_cases", open_cases_then_close)
    monkeypatch.setattr(edge_batch, "lock_case_keys", lambda s, keys: locks.append(set(keys)) or real_lock(s, keys))
    items = ingest_batch(city.sessions, store, [alarm("K2"), alarm("K3", camera_code="CAM-0002")], CFG)
    if city.engine.dialect.name == "postgresql":
        # K3's new key made the batch look again; K2's case had gone, so its key was locked before opening one
        assert [i.result.status for i in items] == ["created", "created"]
        assert items[0].result.case_id != first.case_id
        assert [{key[0] for key in keys} for keys in locks] == [{_camera_id(city, "CAM-0002")},
                                                                {_camera_id(city, "CAM-0001")}]
    else:  # SQLite: one writer at a time, no second look; the alarm joins the case it matched
        assert [i.result.status for i in items] == ["attached", "created"]
        assert items[0].result.case_id == first.case_id


def _camera_id(ctx, code):
    from models.registry import Camera

    with ctx.sessions() as s:
        return s.scalar(select(Camera.id).where(Camera.code == code))


def test_key_numbers_are_stable_and_tell_zones_apart():
    assert key_number((1, 2, None)) == key_number((1, 2, None))
    assert len({key_number((1, 2, None)), key_number((1, 2, "fire_lane")), key_number((2, 1, None))}) == 3
    assert all(0 <= key_number((c, 7, None)) < 2 ** 31 for c in range(1000))
