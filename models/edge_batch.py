"""Batches of edge alarms (边缘设备批量告警): many alarms, one transaction, one result per alarm in order.

Edge gateways forward the alarms of many cameras together. :func:`ingest_batch` validates every alarm as
:func:`models.edge_events.ingest` does, then, for the valid ones, loads what it needs once per batch (the
already-seen event ids, the cameras, the problem types, the open cases of those cameras) and stores them
in ONE transaction: either every valid alarm of the batch is stored or none is. An invalid alarm is
reported in its place (field and message) and skipped; the others are stored. A replayed event id (already
stored, or twice in the same batch) answers ``replay`` with the case of the first delivery and stores nothing,
so a gateway that retries a whole batch after a failure stores nothing twice. A database failure raises
:class:`EdgeBatchUnavailable` (the API answers 503 and the gateway retries).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, tuple_
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .case_open_lock import CaseKey, lock_case_keys, sqlite_writers
from .cases import Case, CaseSource, Evidence, Observation
from .clock import utcnow
from .config.reporting import EdgeConfig
from .edge_events import (MAX_ID_LEN, OPEN_STATES, EdgeError, EdgeEvent, EdgeResult, ParsedAlarm, iou,
                          check_camera_scope, replay_device,
                          parse_alarm, parse_ids, zone_name_for)
from .photo_intake import PhotoStore, StoredPhoto
from .registry import Camera, ProblemType
from .workflow import open_case

ATTEMPTS = 3  # a concurrent batch delivering the same event ids wins the race: retry, those become replays


class EdgeBatchUnavailable(RuntimeError):
    """The database failed while storing a batch: nothing of it was stored (retry the whole batch)."""


@dataclass
class BatchItem:
    """The answer for one alarm of a batch: a result, or the error that refused it."""

    index: int
    event_id: str | None
    result: EdgeResult | None = None
    error: EdgeError | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "event_id": self.event_id}
        if self.result is not None:
            r = self.result
            out.update(status=r.status, case_id=r.case_id, case_code=r.case_code, observation_id=r.observation_id,
                       device_code=r.device_code)
        else:
            e = self.error
            out.update(status="error", error={400: "bad_request", 403: "forbidden"}.get(e.status, "unprocessable"),
                       http_status=e.status, message=e.message, field=e.field)
        return out


@dataclass
class _Pending:
    index: int
    alarm: ParsedAlarm
    camera_id: int
    ptype_id: int
    zone: str | None

    @property
    def key(self) -> CaseKey:
        return (self.camera_id, self.ptype_id, self.zone)


def _seen(s: Session, keys: set[tuple[str, str]], token_id: int | None = None) -> dict[tuple[str, str], EdgeResult]:
    """Already-stored (device, event id) of this token → the result of their first delivery (``replay``)."""
    out: dict[tuple[str, str], EdgeResult] = {}
    plain = {(replay_device(token_id, dev), eid): dev for dev, eid in keys}
    key_list = sorted(plain)
    for i in range(0, len(key_list), 200):
        chunk = key_list[i:i + 200]
        rows = s.execute(select(EdgeEvent.device_code, EdgeEvent.event_id, EdgeEvent.case_id, EdgeEvent.observation_id,
                                Case.code).join(Case, Case.id == EdgeEvent.case_id)
                         .where(tuple_(EdgeEvent.device_code, EdgeEvent.event_id).in_(chunk)))
        for stored_dev, eid, case_id, obs_id, code in rows:
            dev = plain[(stored_dev, eid)]
            out[(dev, eid)] = EdgeResult(case_id, code, "replay", obs_id, eid, dev)
    return out


class _TypeResolver:
    """Problem type by code (any case) or Chinese name, after ``type_map``: the table is loaded once."""

    def __init__(self, s: Session, cfg: EdgeConfig):
        self.cfg = cfg
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for pid, code, name in s.execute(select(ProblemType.id, ProblemType.code, ProblemType.name)):
            self.by_code.setdefault(code.upper(), pid)
            self.by_name.setdefault(name, pid)

    def __call__(self, value: str) -> int:
        mapped = self.cfg.type_map.get(value, value)
        pid = self.by_code.get(mapped.upper(), self.by_name.get(mapped))
        if pid is None:
            raise EdgeError("type", f"unknown problem type or unmapped vendor class {value!r} "
                                    f"(map it in reporting.edge.type_map)", status=422)
        return pid


def _resolve(sessions: sessionmaker[Session], payloads: list[Any], cfg: EdgeConfig, now: datetime,
             items: list[BatchItem], refused: dict[int, EdgeError], token_id: int | None = None,
             token_name: str | None = None) -> list[_Pending]:
    """Fill ``items`` with replays and errors; return the alarms to store (in order)."""
    ids: dict[int, tuple[str, str, str]] = {}
    for i, payload in enumerate(payloads):
        if i in refused:
            items[i].error = refused[i]
            if isinstance(payload, dict) and isinstance(payload.get("event_id"), (str, int)):
                items[i].event_id = str(payload["event_id"])[:MAX_ID_LEN]
            continue
        try:
            parsed = parse_ids(payload)
            items[i].event_id = parsed[0]
            check_camera_scope(cfg, token_name, parsed[2])
            ids[i] = parsed
        except EdgeError as exc:
            items[i].error = exc
    with sessions() as s:
        seen = _seen(s, {(dev, eid) for eid, dev, _cam in ids.values()}, token_id)
        codes = {cam for _eid, _dev, cam in ids.values()}
        cameras = {code: (cid, zones) for cid, code, zones in
                   s.execute(select(Camera.id, Camera.code, Camera.zones).where(Camera.code.in_(sorted(codes))))} \
            if codes else {}
        type_of = _TypeResolver(s, cfg)
    pending: list[_Pending] = []
    first: set[tuple[str, str]] = set()
    for i, (eid, dev, _cam) in ids.items():
        if (dev, eid) in seen:
            items[i].result = seen[(dev, eid)]
            continue
        if (dev, eid) in first:  # twice in this batch: answered as a replay of the first once it is stored
            continue
        try:
            alarm = parse_alarm(payloads[i], cfg, now)
            cam = cameras.get(alarm.camera_code)
            if cam is None:
                raise EdgeError("camera_code", f"unknown camera {alarm.camera_code!r}", status=422)
            pending.append(_Pending(i, alarm, cam[0], type_of(alarm.type_value), zone_name_for(alarm, cam[1])))
            first.add((dev, eid))
        except EdgeError as exc:
            items[i].error = exc
    return pending


def _open_cases(s: Session, camera_ids: list[int]) -> dict[CaseKey, list[list]]:
    """The open cases of these cameras: (camera, type, zone) → [[case id, code, box], …]."""
    out: dict[CaseKey, list[list]] = {}
    for i in range(0, len(camera_ids), 500):
        rows = s.execute(select(Case.id, Case.code, Case.camera_id, Case.problem_type_id, Case.zone, Case.box)
                         .where(Case.camera_id.in_(camera_ids[i:i + 500]), Case.state.in_(OPEN_STATES))
                         .order_by(Case.id))
        for cid, code, cam, pt, zone, box in rows:
            out.setdefault((cam, pt, zone), []).append([cid, code, box])
    return out


def _best(open_cases: dict[CaseKey, list[list]], p: _Pending, cfg: EdgeConfig) -> list | None:
    """The open case the alarm's box overlaps most (≥ ``dedup_iou``), or ``None``."""
    best = None
    for cand in open_cases.get(p.key, []):
        overlap = iou(cand[2], p.alarm.box)
        if overlap >= cfg.dedup_iou and (best is None or overlap > best[0]):
            best = (overlap, cand)
    return None if best is None else best[1]


def _insert_with_ids(s: Session, model, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids in order.

    PostgreSQL: the ids are drawn from the table's sequence first and the rows sent as one executemany (a
    short statement the driver prepares once); a RETURNING insert of a hundred rows is one long statement
    whose parsing in the driver cost more than the insert. Elsewhere: INSERT … RETURNING."""
    if s.get_bind().dialect.name == "postgresql":
        ids = list(s.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                             {"table": model.__tablename__, "n": len(rows)}))
        s.execute(insert(model), [{**row, "id": i} for row, i in zip(rows, ids)])
        return ids
    return list(s.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _store(s: Session, pending: list[_Pending], stored: dict[int, StoredPhoto], cfg: EdgeConfig, now: datetime,
           token_id: int | None) -> dict[int, EdgeResult]:
    """Store the pending alarms in the open transaction ``s``; returns index → result.

    Two passes: first every alarm is placed on an open case (opening the new ones through the workflow,
    with nothing else pending in the session, so each opening flushes only its own rows); then the
    observations, evidence rows and event records of the whole batch go in as three bulk INSERTs."""
    camera_ids = sorted({p.camera_id for p in pending})
    open_cases = _open_cases(s, camera_ids)
    fresh = {p.key for p in pending if _best(open_cases, p, cfg) is None}
    locked = fresh if lock_case_keys(s, fresh) else set()
    if locked:  # some alarms may open cases: we waited for concurrent openers, look again
        open_cases = _open_cases(s, camera_ids)
    placed: list[tuple[_Pending, list, bool]] = []  # (alarm, [case id, code, box], created)
    rows: dict[type, dict[int, Any]] = {}  # cameras and types of the batch, loaded at the first opening

    def row(model, ident: int):
        if not rows:
            rows[Camera] = {c.id: c for c in s.scalars(select(Camera).where(Camera.id.in_(camera_ids)))}
            rows[ProblemType] = {t.id: t for t in s.scalars(select(ProblemType).where(
                ProblemType.id.in_(sorted({p.ptype_id for p in pending}))))}
        return rows[model][ident]

    for p in pending:
        a = p.alarm
        best = _best(open_cases, p, cfg)
        if best is None and p.key not in locked and lock_case_keys(s, [p.key]):
            locked.add(p.key)  # rare: the case it matched at first was closed meanwhile; lock its key too
            open_cases.update(_open_cases(s, [p.camera_id]))
            best = _best(open_cases, p, cfg)
        if best is not None:
            placed.append((p, best, False))
            continue
        case = open_case(s, source=CaseSource.EDGE.value, problem_type=row(ProblemType, p.ptype_id),
                         found_at=a.at, actor=a.device[:64], actor_role="edge", camera=row(Camera, p.camera_id),
                         zone=p.zone, box=a.box, score=a.score, external_ref=a.event_id)
        cand = [case.id, case.code, a.box]
        if case.state in OPEN_STATES:
            open_cases.setdefault(p.key, []).append(cand)
        placed.append((p, cand, True))
    s.flush()
    observations = [{"camera_id": p.camera_id, "problem_type_id": p.ptype_id, "case_id": cand[0], "zone": p.zone,
                     "observed_at": p.alarm.at, "score": p.alarm.score, "x1": p.alarm.box[0], "y1": p.alarm.box[1],
                     "x2": p.alarm.box[2], "y2": p.alarm.box[3]} for p, cand, _created in placed]
    obs_ids = _insert_with_ids(s, Observation, observations)
    evidence = [{"sha256": sp.sha256, "path": str(sp.path), "kind": "edge", "case_id": cand[0],
                 "camera_id": p.camera_id, "width": sp.width, "height": sp.height, "created_at": now}
                for p, cand, _created in placed if (sp := stored.get(p.index)) is not None]
    if evidence:
        s.execute(insert(Evidence), evidence)
    s.execute(insert(EdgeEvent), [
        {"device_code": replay_device(token_id, p.alarm.device), "event_id": p.alarm.event_id, "camera_id": p.camera_id,
         "problem_type_id": p.ptype_id, "case_id": cand[0], "observation_id": obs_id, "created_case": created,
         "event_time": p.alarm.at, "received_at": now, "token_id": token_id}
        for (p, cand, created), obs_id in zip(placed, obs_ids)])
    return {p.index: EdgeResult(cand[0], cand[1], "created" if created else "attached", obs_id, p.alarm.event_id,
                                p.alarm.device)
            for (p, cand, created), obs_id in zip(placed, obs_ids)}


def ingest_batch(sessions: sessionmaker[Session], store: PhotoStore, payloads: list[Any], cfg: EdgeConfig,
                 token_id: int | None = None, now: datetime | None = None,
                 refused: dict[int, EdgeError] | None = None, token_name: str | None = None) -> list[BatchItem]:
    """Store a batch of alarms (see the module docstring); one :class:`BatchItem` per payload, in order.

    ``refused``: index → error for alarms the caller already refused (e.g. NUL characters in the JSON)."""
    now = now or utcnow()
    for attempt in range(1, ATTEMPTS + 1):
        items = [BatchItem(i, None) for i in range(len(payloads))]
        try:
            pending = _resolve(sessions, payloads, cfg, now, items, refused or {}, token_id, token_name)
        except SQLAlchemyError as exc:
            raise EdgeBatchUnavailable(f"database: {type(exc).__name__}") from exc
        stored: dict[int, StoredPhoto] = {}
        try:
            for p in pending:
                if p.alarm.photo is not None:
                    stored[p.index] = store.write(p.alarm.photo)
            results: dict[int, EdgeResult] = {}
            if pending:
                with sqlite_writers(sessions), sessions.begin() as s:
                    results = _store(s, pending, stored, cfg, now, token_id)
        except IntegrityError as exc:
            PhotoStore.discard(list(stored.values()))
            if attempt == ATTEMPTS:
                raise EdgeBatchUnavailable("database: concurrent deliveries of the same events") from exc
            continue  # another delivery stored some of these event ids first: they are replays now
        except SQLAlchemyError as exc:
            PhotoStore.discard(list(stored.values()))
            raise EdgeBatchUnavailable(f"database: {type(exc).__name__}") from exc
        except BaseException:
            PhotoStore.discard(list(stored.values()))
            raise
        by_key = {(r.device_code, r.event_id): r for r in results.values()}
        for item in items:
            if item.index in results:
                item.result = results[item.index]
            elif item.result is None and item.error is None:  # a repeat inside the batch of a stored alarm
                _eid, dev, _cam = parse_ids(payloads[item.index])
                first = by_key[(dev, item.event_id)]
                item.result = EdgeResult(first.case_id, first.case_code, "replay", first.observation_id,
                                         first.event_id, first.device_code)
        return items
    raise AssertionError("unreachable")


def count_by_status(items: list[BatchItem]) -> dict[str, int]:
    """How many alarms of a batch were created / attached / replay / error."""
    out = {"created": 0, "attached": 0, "replay": 0, "error": 0}
    for item in items:
        out["error" if item.result is None else item.result.status] += 1
    return out

