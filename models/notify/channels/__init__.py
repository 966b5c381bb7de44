"""Delivery channels, one plugin module per kind, registered by ``kind`` (like camera adapters).

Adding a channel is one new file here defining a :class:`~.base.Channel` subclass decorated with
``@register("kind")`` (and the kind added to ``ChannelConfig.kind``).
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import CHANNELS, Channel, DeliveryError, OutMessage, build_channels, register

for _m in pkgutil.iter_modules(__path__):
    if _m.name != "base":
        importlib.import_module(f"{__name__}.{_m.name}")

__all__ = ["CHANNELS", "Channel", "DeliveryError", "OutMessage", "build_channels", "register"]
