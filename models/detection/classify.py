"""Which problem type a stationary region is, by zone kind and simple features — the documented rules.

Every type raised by the ``stationary_object`` or ``wall_change`` signal has a *profile*: hard gates
(size and shape ranges a thing of that type has at street-camera scale) and soft cues (colour, texture)
that add to its score. A region is classified among the types its zone checks; the best-scoring type
wins if its score reaches ``MIN_SCORE``; otherwise the region is not a problem (e.g. a person standing).

Built-in profiles (override per type with ``ProblemType.params["profile"]``, same keys):

| type | gates | cues |
|---|---|---|
| 机动车乱停放 / 占用消防通道 / 废弃车辆 | width ≥ 12 % of frame, aspect 0.25–0.9 | high fill, plain (no stripes), smooth |
| 占道经营 / 店外经营 | width ≥ 7 %, aspect 0.35–1.1, striped awning required | stripes (colour flips along the top), fill |
| 非机动车乱停放 | width ≥ 10 %, aspect 0.25–0.9 | low fill (wheels and thin frames), many edges |
| 乱堆物料 / 施工废弃料 | width 3.5–14 %, aspect 0.35–1.2, ≥ 30 % brown required | brown/grey, high fill, no stripes |
| 暴露垃圾 | width 3–12 %, aspect 0.25–1.0, ≤ 25 % brown required; not a holed piece with static neighbours | dark bags, not brown, mixed fill |
| 违规悬挂横幅 | width ≥ 12 %, aspect ≤ 0.3 (long strip) | red |
| 非法小广告 | width 2.5–15 %, aspect 0.5–2 | pale sheets |
| anything else (generic) | width ≥ 3 %, aspect ≤ 1.4 | — (raised only where a zone checks it alone) |

Ties (types sharing a profile, e.g. 机动车乱停放 and 废弃车辆) go to the type specific to fewer zone
kinds, then to the one with the shorter dwell: the rule that fires first (a car left for days is first
a parking violation).

``exclude`` lists feature ranges that together rule a type out: a region with holes (≥ 10 %: wheels,
frames) *and* other static foreground beside it (≥ 5 %) is a piece of a heap (bikes), not a garbage pile,
which is compact and stands alone.

Person-like regions (aspect > 1.5, i.e. taller than wide) fail every gate but the generic one's
aspect too: a standing person is never a stationary problem. A thin line (under 3 % of the frame high
and 4 × wider than high: the edge of a thing across a zone border, a kerb, a cable, a flapping tape)
fails every rule too: it met the banner's gates (long strip) with no cue, which alone scores 0.5.

**Never drop** (:func:`fallback`): the rules fit the simulator's sprites; on real pixels a thing plainly
left in a zone may fit none of them. The caller has already established that the region is a thing left
there (size, stillness, not a ghost, not people); such a region is never discarded for failing the type
rules. When the zone names exactly one type it is raised as that type; otherwise as the allowed type
whose cues it meets best (gates ignored, distance to the size/aspect ranges as a tie-breaker) and marked
*type to be confirmed* (类型待确认): the supervisor confirms or changes the type at 立案. The rules may
still veto a clear non-match: a person-like region (taller than 1.5 × its width), a thin line (a flapping
tape, a kerb or shadow edge) and a holed piece with other static parts beside it (a piece of a larger heap,
raised as that heap).
"""
from __future__ import annotations

from typing import Any

from .features import RegionFeatures
from .types import TypeSpec

MIN_SCORE = 0.5


def _p(**kw) -> dict[str, Any]:
    return kw


CAR = _p(min_w=0.12, max_w=0.45, aspect=(0.25, 0.9),
         cues={"fill": (0.6, 1.0, 1.0), "stripes": (0.0, 1.5, 2.0), "brownish": (0.0, 0.3, 0.5),
               "edges": (0.0, 2.5, 1.0)})
STALL = _p(min_w=0.07, max_w=0.4, aspect=(0.35, 1.1), require=("stripes",),
           cues={"stripes": (3.5, 99.0, 3.0), "top_colour": (0.25, 1.0, 1.0), "fill": (0.55, 1.0, 0.5)})
BIKES = _p(min_w=0.1, max_w=0.4, aspect=(0.25, 0.9),
           cues={"fill": (0.0, 0.5, 2.0), "edges": (1.5, 99.0, 2.0), "stripes": (0.0, 2.0, 0.5)})
MATERIALS = _p(min_w=0.035, max_w=0.14, aspect=(0.35, 1.2), require=("brownish",),
               cues={"brownish": (0.3, 1.0, 1.5), "fill": (0.75, 1.0, 1.0), "dark": (0.0, 0.25, 0.5),
                     "stripes": (0.0, 2.0, 1.0)})
GARBAGE = _p(min_w=0.03, max_w=0.12, aspect=(0.25, 1.0), require=("brownish",),
             cues={"dark": (0.25, 1.0, 1.5), "fill": (0.45, 0.9, 1.0), "brownish": (0.0, 0.25, 1.0),
                   "top_colour": (0.0, 0.2, 0.3)},
             exclude=({"holes": (0.1, 99.0), "neighbours": (0.05, 99.0)},))
BANNER = _p(min_w=0.12, max_w=1.0, aspect=(0.0, 0.3), cues={"red": (0.3, 1.0, 2.0), "sat": (0.4, 1.0, 0.5)})
POSTERS = _p(min_w=0.025, max_w=0.15, aspect=(0.5, 2.0), cues={"pale": (0.3, 1.0, 2.0), "red": (0.0, 0.2, 0.5)})
GENERIC = _p(min_w=0.03, max_w=0.6, aspect=(0.0, 1.4), cues={})

BUILTIN: dict[str, dict[str, Any]] = {
    "机动车乱停放": CAR, "占用消防通道": CAR, "废弃车辆": CAR,
    "占道经营": STALL, "店外经营": STALL,
    "非机动车乱停放": BIKES,
    "乱堆物料": MATERIALS, "施工废弃料": MATERIALS,
    "暴露垃圾": GARBAGE,
    "违规悬挂横幅": BANNER, "非法小广告": POSTERS,
}


def profile_of(t: TypeSpec) -> dict[str, Any]:
    prof = dict(BUILTIN.get(t.name, GENERIC))
    prof.update((t.params or {}).get("profile", {}))
    return prof


def score_type(t: TypeSpec, f: RegionFeatures, alone: bool = True) -> float:
    """0 when a gate fails; else 0.5 + 0.5 × the weighted share of cues met.

    A type without a profile of its own (generic) scores 0.5 only when it is the zone's only candidate,
    else 0.3: it is raised where a zone names it alone, never guessed among others. Types specific to
    fewer zone kinds win ties (a car in a fire lane is 占用消防通道 before 机动车乱停放).
    """
    p = profile_of(t)
    generic = t.name not in BUILTIN and "profile" not in (t.params or {})
    lo, hi = p.get("aspect", (0.0, 99.0))
    if not (p.get("min_w", 0.0) <= f.rel_w <= p.get("max_w", 1.0)) or not (lo <= f.aspect <= hi):
        return 0.0
    if f.aspect > 1.5 or _thin_line(f):  # person-like (taller than wide), or a thin line
        return 0.0
    if generic:
        return 0.5 if alone else 0.3
    cues = p.get("cues", {})
    for k in p.get("require", ()):
        a, b, _w = cues[k]
        if not a <= getattr(f, k) <= b:
            return 0.0
    for ranges in p.get("exclude", ()):
        if all(a <= getattr(f, k) <= b for k, (a, b) in ranges.items()):
            return 0.0
    total = sum(w for _, _, w in cues.values())
    met = sum(w for k, (a, b, w) in cues.items() if a <= getattr(f, k) <= b)
    return 0.5 + 0.5 * (met / total if total else 0.0)


def vetoed(f: RegionFeatures) -> bool:
    """A clear non-match for every stationary type: a person-like upright region, a thin line (under 3 % of
    the frame high and 4 × wider than high: a flapping tape, a kerb or shadow edge, a cable), or a holed
    piece of a larger heap (other static parts beside it)."""
    return f.aspect > 1.5 or _thin_line(f) or (f.holes >= 0.1 and f.neighbours >= 0.05)


def _thin_line(f: RegionFeatures) -> bool:
    """Under 3 % of the frame high and 4 × wider than high: an edge, not a thing (a banner at street scale
    is several times higher)."""
    return f.aspect < 0.25 and f.rel_h < 0.03


def _soft_score(t: TypeSpec, f: RegionFeatures) -> float:
    """0–1: share of the type's cues met, less a penalty for distance outside its size/aspect gates."""
    p = profile_of(t)
    cues = p.get("cues", {})
    total = sum(w for _, _, w in cues.values())
    met = sum(w for k, (a, b, w) in cues.items() if a <= getattr(f, k) <= b)
    share = met / total if total else 0.5
    lo, hi = p.get("aspect", (0.0, 99.0))
    off = max(0.0, p.get("min_w", 0.0) - f.rel_w) + max(0.0, f.rel_w - p.get("max_w", 1.0)) \
        + 0.2 * (max(0.0, lo - f.aspect) + max(0.0, f.aspect - hi))
    return max(0.0, share - off)


def fallback(types: list[TypeSpec], f: RegionFeatures) -> tuple[TypeSpec | None, float, bool]:
    """Never drop: ``(type, score, type_unconfirmed)`` for a thing left in a zone that no type rule took.

    One type named by the zone: that type (confirmed: the zone says what is checked there). Several: the
    best soft score (ties as in :func:`classify`), ``type_unconfirmed=True``. ``(None, 0, False)`` only
    for a vetoed region (:func:`vetoed`) or when no type is checked.
    """
    if not types or vetoed(f):
        return None, 0.0, False
    if len(types) == 1:
        return types[0], 0.3, False
    best = max(types, key=lambda t: (round(_soft_score(t, f), 6), -len(t.zone_kinds), -t.dwell_s))
    return best, round(0.2 + 0.2 * _soft_score(best, f), 3), True


def classify(types: list[TypeSpec], f: RegionFeatures) -> tuple[TypeSpec | None, float]:
    """The best-scoring type for a region among ``types`` (with its score), or ``(None, 0)``."""
    best, best_s, best_key = None, 0.0, None
    for t in types:
        s = score_type(t, f, alone=len(types) == 1)
        key = (round(s, 6), -len(t.zone_kinds), -t.dwell_s)
        if s > 0 and (best_key is None or key > best_key):
            best, best_s, best_key = t, s, key
    if best is None or best_s < MIN_SCORE:
        return None, 0.0
    return best, best_s
