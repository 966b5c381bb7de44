"""From observations to problems: one open problem per thing, dwell and confirmation, de-duplication.

Observations (one detector hit on one frame: type, zone, box, score) of the same camera, same zone and
an overlapping box update one :class:`Problem` instead of creating new ones. A problem is *confirmed*
when it has been seen for its dwell time (counted from its first sight: the observation's ``since`` when the
detector knows when the thing started to look as it does) (the zone's override or the type's ``dwell_s``), on at
least ``confirm_frames`` samples and in most samples since (passers-by hiding it in the others neither restart
its dwell nor split it: a partly hidden view that shares most of its box is the same problem); its type is the majority vote, marked 类型待确认 when under 60 % of the
observations agree or most came from no type rule; a problem that disappears before its dwell time is dropped. A confirmed
problem stays known (``raised``) while it is seen and for the type's de-dup window after it was last
seen, so the same thing is not raised twice; a problem confirmed again after its earlier case was closed
is linked to it (``previous_case_id``). A part of a larger thing being tracked (most of its box inside the
larger one's) is never raised on its own: a bike heap or a poster group seen in fragments is one problem.
An observation overlapping problems of both kinds (a crowd, a thing left) belongs to the one of its own
kind (:func:`same_kind`): a stall seen merged with the people around it stays the stall already tracked,
not a second problem grown from the crowd's box.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from .types import TypeSpec

_ids = itertools.count(1)


def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _inside(a, b) -> float:
    """Share of box ``a`` covered by box ``b``."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / _area(a) if _area(a) > 0 else 0.0


def same_kind(signal_a: str, signal_b: str) -> bool:
    """Observations of these two signals are of the same kind: a crowd (people, 人群聚集) is one kind, the
    static signals (a stationary object, a wall change: a thing across a ground/wall border is one thing)
    the other. When an observation overlaps problems of both kinds it belongs to the one of its kind."""
    return (signal_a.split(":")[0] == "crowd") == (signal_b.split(":")[0] == "crowd")


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Observation:
    """One detector hit on one frame (relative box)."""

    type: TypeSpec
    zone: str
    box: tuple[float, float, float, float]
    score: float
    t: float
    signal: str = "stationary_object"
    since: float | None = None  # the thing has looked like this since (its first sight), if the detector knows
    type_unconfirmed: bool = False  # no type rule took it: the best allowed type, 类型待确认 (never dropped)
    fallback: bool = False  # no type rule took it (never dropped): it never starts a problem beside a known one


@dataclass
class Problem:
    """One thing on one camera, seen over time."""

    camera_code: str
    zone: str
    box: tuple[float, float, float, float]
    first_seen: float
    last_seen: float
    votes: Counter = field(default_factory=Counter)
    types: dict[str, TypeSpec] = field(default_factory=dict)
    hits: int = 0
    score: float = 0.0
    confirmed_at: float | None = None
    case_id: int | None = None
    previous_case_id: int | None = None
    id: int = field(default_factory=lambda: next(_ids))
    first_frame: object = None  # evidence: the frame of first sight (analysis size), kept until confirmed
    first_box: tuple | None = None
    unconfirmed_hits: int = 0  # observations whose type no rule confirmed (fallback)
    samples: int = 0  # analysed samples since it was first observed (pending problems): hits / samples = presence
    appearance: object = None  # its pixels when last observed (analysis size), to recognise it when uncovered
    signal: str = "stationary_object"  # the signal that first saw it (a crowd, or a thing left: see same_kind)

    @property
    def type(self) -> TypeSpec:
        code = self.votes.most_common(1)[0][0]
        return self.types[code]

    @property
    def type_unconfirmed(self) -> bool:
        """类型待确认: most sightings fit no type rule, or the sightings disagree on the type."""
        observed = sum(self.votes.values())  # hits also count samples it was recognised without a vote
        return self.unconfirmed_hits * 2 > observed or self.votes[self.type.code] < 0.6 * observed


@dataclass
class TrackerSettings:
    match_iou: float = 0.3
    lost_after_s: float = 12.0  # unseen this long before dwell: dropped (a person who stood, then left)
    forget_after_s: float = 3600.0  # a confirmed problem unseen this long is forgotten (de-dup default)
    min_presence: float = 0.5  # seen in at least this share of the samples since first observed
    same_thing: float = 0.5  # an observation with this share of its box inside a larger problem's box is that thing


class ProblemTracker:
    """The open problems of one camera."""

    def __init__(self, camera_code: str, settings: TrackerSettings | None = None):
        self.camera_code = camera_code
        self.settings = settings or TrackerSettings()
        self.problems: list[Problem] = []
        self.closed: list[tuple] = []  # (zone, box, case_id, closed_t) of closed cases, for recurrence links

    def _match(self, ob: Observation) -> Problem | None:
        """The problem an observation updates: the best box overlap (IoU ≥ ``match_iou``) in its zone, one of
        the same kind first (:func:`same_kind`: a stall seen merged with the people around it overlaps the
        crowd's box as well as its own — it is the stall); else a larger thing holding it."""
        best, best_key = None, None
        for p in self.problems:
            if p.zone != ob.zone:
                continue
            v = iou(p.box, ob.box)
            key = (same_kind(p.signal, ob.signal), v)
            if v >= self.settings.match_iou and (best_key is None or key > best_key):
                best, best_key = p, key
        return best if best is not None else (self._container(ob.zone, ob.box, ob.t)
                                              or self._overlapping(ob.zone, ob.box, ob.t)
                                              or (self._touching(ob.box, ob.t) if ob.fallback else None))

    def _touching(self, box, t: float) -> Problem | None:
        """A problem sharing a tenth of the smaller box with ``box``: a view that no type rule took (a
        stall with its awning hidden, a thing with a person merged) of a thing already raised or tracked with
        good evidence (seen on 5+ samples and in 60 % of them)."""
        for q in self.problems:
            if q.confirmed_at is None and (t - q.last_seen > self.settings.lost_after_s
                                           or q.hits < 5 or q.hits < 0.6 * max(1, q.samples)):
                continue  # a raised thing is known until it is forgotten (its de-dup window)
            ix = max(0.0, min(box[2], q.box[2]) - max(box[0], q.box[0]))
            iy = max(0.0, min(box[3], q.box[3]) - max(box[1], q.box[1]))
            if ix * iy >= 0.1 * max(1e-9, min(_area(box), _area(q.box))):
                return q
        return None

    def _overlapping(self, zone: str, box, t: float) -> Problem | None:
        """A live problem at least as large whose box holds most of ``box``: the same thing seen partly hidden
        or shifted by a passer-by's legs — never a second problem. In any zone: a thing lying across a zone
        border is one thing. (A larger view holding a smaller problem is a new problem: the heap whose first
        piece was seen first; the piece then waits for it.)"""
        best, best_share = None, self.settings.same_thing
        for q in self.problems:
            if t - q.last_seen > self.settings.lost_after_s or _area(q.box) < _area(box):
                continue
            ix = max(0.0, min(box[2], q.box[2]) - max(box[0], q.box[0]))
            iy = max(0.0, min(box[3], q.box[3]) - max(box[1], q.box[1]))
            share = ix * iy / max(1e-9, min(_area(box), _area(q.box)))
            if share >= best_share:
                best, best_share = q, share
        return best

    def _container(self, zone: str, box, t: float, exclude: Problem | None = None) -> Problem | None:
        """A live, larger problem whose box holds most (70 %) of ``box``: ``box`` is a part of that thing."""
        area = _area(box)
        for q in self.problems:
            if q is exclude or q.zone != zone or t - q.last_seen > self.settings.lost_after_s:
                continue
            if _area(q.box) > 1.2 * area and _inside(box, q.box) >= 0.7:
                return q
        return None

    def observe(self, ob: Observation, frame=None) -> Problem:
        """Add one observation; returns the problem it belongs to (new or existing).

        A part of a larger thing already tracked (a fragment of a bike heap, one sheet of a poster group)
        only keeps that thing alive: it neither votes on its type nor moves its box.
        """
        p = self._match(ob)
        if p is not None and iou(p.box, ob.box) < self.settings.match_iou:
            p.last_seen = ob.t
            return p
        if p is None:
            first = min(ob.t, ob.since) if ob.since is not None else ob.t
            p = Problem(self.camera_code, ob.zone, ob.box, first, ob.t, first_frame=frame, first_box=ob.box,
                        signal=ob.signal)
            self.problems.append(p)
        elif p.confirmed_at is None:
            # pending: follow the thing's extent (smoothed)
            p.box = tuple(0.7 * a + 0.3 * b for a, b in zip(p.box, ob.box))
        p.last_seen = ob.t
        p.hits += 1
        p.votes[ob.type.code] += 1
        p.types[ob.type.code] = ob.type
        p.unconfirmed_hits += ob.type_unconfirmed
        p.score = max(p.score * 0.9, ob.score) if p.hits > 1 else ob.score
        return p

    def seen_again(self, p: Problem, t: float) -> None:
        """``p`` was recognised on the sample at ``t`` without an observation (uncovered: its last look)."""
        p.last_seen = t
        if p.confirmed_at is None:
            p.hits += 1

    def due(self, t: float, dwell_of) -> list[Problem]:
        """Pending problems that reach confirmation at ``t``; ``dwell_of(problem)`` gives the dwell.

        Call once per analysed sample: it also counts the samples of each pending problem. A problem is due
        when its dwell has passed since first sight, it is seen now and in at least ``min_presence`` of the
        samples since it was first observed (people passing in front hide it in the others: they neither
        restart nor split it; a flapping tape or a shadow that comes and goes is not seen in most), observed
        by a detector on at least ``confirm_frames`` samples (recognised-when-uncovered samples count for
        presence only), and it is not a part of a larger thing. The type is the majority
        vote; with less than 60 % agreement the problem is still raised, marked 类型待确认.
        """
        out = []
        for p in self.problems:
            if p.confirmed_at is not None:
                continue
            p.samples += 1
            if p.last_seen == t and t - p.first_seen >= dwell_of(p) \
                    and sum(p.votes.values()) >= p.type.confirm_frames \
                    and p.hits >= self.settings.min_presence * p.samples \
                    and self._container(p.zone, p.box, t, exclude=p) is None:  # not a part of a larger thing
                out.append(p)
        return out

    def expire(self, t: float) -> list[Problem]:
        """Drop pending problems not seen lately and forget old confirmed ones; returns the dropped."""
        keep, dropped = [], []
        for p in self.problems:
            if p.confirmed_at is None:
                gone = t - p.last_seen > self.settings.lost_after_s
            else:
                gone = t - p.last_seen > max(p.type.dedup_window_s, self.settings.lost_after_s)
            (dropped if gone else keep).append(p)
        self.problems = keep
        return dropped

    def add_known(self, type_: TypeSpec, zone: str, box, t: float, case_id: int) -> Problem:
        """A problem that already has a case (reloaded after a restart): matched, never raised again."""
        p = Problem(self.camera_code, zone, tuple(box), t, t, confirmed_at=t, case_id=case_id,
                    signal=type_.signals[0] if type_.signals else "stationary_object")
        p.votes[type_.code] += 1
        p.types[type_.code] = type_
        p.hits = 1
        self.problems.append(p)
        return p

    def close_case(self, case_id: int, t: float) -> None:
        """The case of a problem was closed (销号): a recurrence there becomes a new, linked problem."""
        for p in [p for p in self.problems if p.case_id == case_id]:
            self.problems.remove(p)
            self.closed.append((p.zone, p.box, case_id, t))

    def recurrence_of(self, p: Problem) -> int | None:
        """The closed case this problem repeats (same zone, overlapping box, within the de-dup window)."""
        window = p.type.dedup_window_s
        best = None
        for zone, box, case_id, t in self.closed:
            if zone == p.zone and iou(box, p.box) >= self.settings.match_iou and p.first_seen - t <= window * 24:
                best = case_id
        return best
