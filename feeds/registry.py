"""Adapter plugins register by kind name; :func:`make_adapter` builds the adapter a camera's source names.

A new source kind is one new file ``feeds/<kind>.py``::

    from feeds.base import CameraAdapter
    from feeds.registry import register_adapter

    @register_adapter("mykind")
    class MyAdapter(CameraAdapter): ...

:func:`make_adapter` imports ``feeds.<kind>`` on first use, so no central list needs editing.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
import time
from typing import Callable, TypeVar

from .base import CameraAdapter, CameraSourceSpec, Clock, UnknownAdapterKind

_ADAPTERS: dict[str, type[CameraAdapter]] = {}
_LOCK = threading.Lock()
A = TypeVar("A", bound=type[CameraAdapter])

# Modules of this package that are infrastructure, not adapters (skipped when listing the known kinds).
_NOT_ADAPTERS = {"base", "registry", "scheduler", "health", "service", "stats", "scene", "sample_decoder",
                 "onvif_probe"}


def register_adapter(kind: str) -> Callable[[A], A]:
    """Class decorator: register ``cls`` as the adapter for source kind ``kind``."""

    def deco(cls: A) -> A:
        if not (isinstance(cls, type) and issubclass(cls, CameraAdapter)):
            raise TypeError(f"@register_adapter({kind!r}) needs a CameraAdapter subclass, got {cls!r}")
        with _LOCK:
            existing = _ADAPTERS.get(kind)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                where = f"{existing.__module__}.{existing.__qualname__}"
                raise ValueError(f"adapter kind {kind!r} already registered by {where}")
            cls.kind = kind
            _ADAPTERS[kind] = cls
        return cls

    return deco


def _import_kind(kind: str) -> None:
    if not kind.isidentifier() or kind in _NOT_ADAPTERS:
        return
    try:
        importlib.import_module(f"{__package__}.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{kind}":
            raise


def adapter_class(kind: str) -> type[CameraAdapter] | None:
    """The adapter class registered for ``kind`` (importing ``feeds.<kind>`` if needed), else ``None``."""
    if kind not in _ADAPTERS:
        _import_kind(kind)
    return _ADAPTERS.get(kind)


def known_kinds() -> list[str]:
    """Every registered kind, after importing each adapter module of this package."""
    from . import __path__ as pkg_path

    for mod in pkgutil.iter_modules(pkg_path):
        if mod.name not in _NOT_ADAPTERS and mod.name not in _ADAPTERS:
            try:
                _import_kind(mod.name)
            except Exception:  # noqa: BLE001 - a broken plugin must not hide the others
                continue
    return sorted(_ADAPTERS)


def make_adapter(camera_code: str, source: CameraSourceSpec, clock: Clock = time.time) -> CameraAdapter:
    """The adapter for ``source.kind``; :class:`UnknownAdapterKind` names the camera and the known kinds."""
    cls = adapter_class(source.kind)
    if cls is None:
        raise UnknownAdapterKind(
            camera_code,
            f"unknown source kind {source.kind!r}; known kinds: {', '.join(known_kinds())}",
        )
    return cls(camera_code, source, clock=clock)
