"""Turning pydantic validation errors into messages that name key path, bad value and expectation."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ConfigError(ValueError):
    """The configuration is invalid; the message lists each problem on its own line."""


def _path(loc: tuple[Any, ...]) -> str:
    """``feeds.cameras[3].code``; a key that is not a plain name is quoted (``server[' ']``, ``['']``)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += ("." if out else "") + part
        else:
            out += f"[{str(part)!r}]"
    return out or "(top level)"


_OPS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _expectation(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _OPS:
        bound = next(iter(ctx.values())) if ctx else "?"
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {_OPS[kind]} {bound}"
    if kind == "extra_forbidden":
        return "unknown key (not part of the configuration; check the spelling)"
    if kind == "missing":
        return "required key is missing"
    if kind.startswith("int_"):
        return "must be a whole number"
    if kind.startswith("float_"):
        return "must be a number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind.startswith("string_too_short"):
        return "must not be empty"
    if kind.startswith("string"):
        return "must be text"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return {"list_type": "must be a list", "dict_type": "must be a mapping"}.get(kind, "must be a mapping")
    return err.get("msg", "invalid value").lower()


def _shown(value: Any, limit: int = 120) -> str:
    """The bad value as ``repr``, cut to ``limit`` characters (a whole pasted section stays one line)."""
    try:
        text = repr(value)
    except RecursionError:  # a YAML alias that contains itself
        text = f"<{type(value).__name__} that contains itself>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_validation_error(exc: ValidationError, *, source: str = "config") -> str:
    """One line per problem: ``source: key.path[3].name: must be > 0, got -2``."""
    lines = []
    for err in exc.errors():
        expectation = _expectation(err)
        line = f"{_path(err['loc'])}: {expectation}"
        if err["type"] != "missing":
            line += f", got {_shown(err.get('input'))}"
        lines.append(line)
    return f"{source}: invalid configuration\n" + "\n".join(f"  {line}" for line in lines)
