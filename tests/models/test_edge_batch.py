"""Batches of edge alarms: one result per alarm in order, invalid ones skipped, one transaction, idempotent replays."""
from __future__ import annotations

import pytest

from models.cases import Case
from models.edge_batch import EdgeBatchUnavailable, count_by_status, ingest_batch
from models.edge_events import EdgeError, ingest
from models.photo_intake import PhotoStore
from tests.db_faults import failing_inserts
from tests.models.test_edge_events import CFG, alarm, counts


def statuses(items):
    return [i.result.status if i.result else ("error", i.error.field) for i in items]


def test_batch_results_in_order_mixed_valid_and_invalid(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    batch = [alarm("B1"), alarm("B2", box=[0.11, 0.59, 0.21, 0.71]), alarm("B3", camera_code="CAM-9999"),
             "not an object", alarm("B4", camera_code="CAM-0002"), alarm("B5", box=[0.5, 0.5, 0.4, 0.6]),
             alarm("B1"), alarm("B6", type="unicorn", image=None)]
    before = counts(city)
    items = ingest_batch(city.sessions, store, batch, CFG)
    assert [i.index for i in items] == list(range(len(batch)))
    assert statuses(items) == ["created", "attached", ("error", "camera_code"), ("error", "body"), "created",
                               ("error", "box"), "replay", ("error", "image")]
    assert items[1].result.case_id == items[0].result.case_id != items[4].result.case_id
    assert items[6].result.case_id == items[0].result.case_id  # the repeat inside the batch is a replay
    assert items[2].error.status == 422 and items[2].as_dict()["error"] == "unprocessable"
    assert items[5].as_dict() == {"index": 5, "event_id": "B5", "status": "error", "error": "bad_request",
                                  "http_status": 400, "message": items[5].error.message, "field": "box"}
    assert count_by_status(items) == {"created": 2, "attached": 1, "replay": 1, "error": 4}
    after = counts(city)
    assert after[0] == before[0] + 2 and after[2:] == (before[2] + 3, before[3] + 3, before[4] + 3)
    with city.sessions() as s:
        assert s.get(Case, items[0].result.case_id).external_ref == "B1"


def test_batch_replay_stores_nothing_twice_and_matches_the_single_route(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    single = ingest(city.sessions, store, alarm("S1"), CFG)
    batch = [alarm("S1"), alarm("S2", camera_code="CAM-0002")]
    first = ingest_batch(city.sessions, store, batch, CFG)
    assert statuses(first) == ["replay", "created"] and first[0].result.case_id == single.case_id
    stored = counts(city)
    files = sorted(p for p in store.root.rglob("*") if p.is_file())
    again = ingest_batch(city.sessions, store, batch, CFG)  # the gateway retries the whole batch
    assert statuses(again) == ["replay", "replay"]
    assert [i.result.case_id for i in again] == [single.case_id, first[1].result.case_id]
    assert counts(city) == stored and sorted(p for p in store.root.rglob("*") if p.is_file()) == files
    assert ingest(city.sessions, store, alarm("S2", camera_code="CAM-0002"), CFG).status == "replay"


def test_database_failure_stores_nothing_of_the_batch(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    before = counts(city)
    with failing_inserts(city.engine, "edge_events", "disk I/O error (simulated)"):
        with pytest.raises(EdgeBatchUnavailable):
            ingest_batch(city.sessions, store, [alarm("F1"), alarm("F2", camera_code="CAM-0002")], CFG)
    assert counts(city) == before  # cases, transitions, observations, evidence: nothing half-written
    assert not (store.root.exists() and any(p.is_file() for p in store.root.rglob("*")))  # photos removed
    items = ingest_batch(city.sessions, store, [alarm("F1"), alarm("F2", camera_code="CAM-0002")], CFG)
    assert statuses(items) == ["created", "created"]  # the retry stores them, once


def test_batch_without_images_when_not_required_and_refusals_match_single(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    cfg = CFG.model_copy(update={"require_image": False})
    items = ingest_batch(city.sessions, store, [alarm("N1", image=None), alarm("N2", score=7)], cfg)
    assert statuses(items) == ["created", ("error", "score")]
    with pytest.raises(EdgeError) as exc:
        ingest(city.sessions, store, alarm("N3", score=7), cfg)
    assert exc.value.message == items[1].error.message
    assert ingest_batch(city.sessions, store, [], cfg) == []
