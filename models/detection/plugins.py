"""Detector plugins, registered by name: ``@register_detector("stationary")``.

A detector is built per camera (``cls(zones, config)``) and called once per analysed frame with a
:class:`FrameContext`; it returns :class:`~models.detection.problems.Observation` objects. Built-ins:
``crowd``, ``stationary`` (stationary_object), ``wall_change`` and ``onnx`` (one per configured model).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import numpy as np

from .background import BackgroundModel
from .zones import ZoneMap

_DETECTORS: dict[str, type] = {}


def register_detector(name: str) -> Callable[[type], type]:
    """Class decorator: register a detector plugin under ``name``."""

    def deco(cls: type) -> type:
        existing = _DETECTORS.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"detector {name!r} already registered by {existing.__module__}.{existing.__qualname__}")
        cls.name = name
        _DETECTORS[name] = cls
        return cls

    return deco


def detector_class(name: str) -> type:
    if name not in _DETECTORS:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(sorted(_DETECTORS))}")
    return _DETECTORS[name]


def known_detectors() -> list[str]:
    return sorted(_DETECTORS)


@dataclass
class FrameContext:
    """What every detector sees of one analysed frame."""

    camera_code: str
    t: float
    local: datetime
    frame: np.ndarray        # BGR uint8 at analysis size
    bg: BackgroundModel
    zones: ZoneMap
    original: np.ndarray | None = None
    crowd_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # pixel boxes claimed by crowds
    notes: dict[str, Any] = field(default_factory=dict)
