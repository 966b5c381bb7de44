"""Cell-level validation: header columns and each value's type, range, length, choices and pattern."""
from __future__ import annotations

import json
import math
import re

from .errors import Problems
from .schema import Column, ParsedTable, Table
from .sources import RawTable

TRUE = {"true", "1", "yes", "y", "是", "t"}
FALSE = {"false", "0", "no", "n", "否", "f"}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_text(col: Column) -> str:
    if col.lo is not None and col.hi is not None:
        if col.lo_open:
            return f" > {_fmt(col.lo)} and <= {_fmt(col.hi)}"
        return f" between {_fmt(col.lo)} and {_fmt(col.hi)}"
    if col.lo is not None:
        return f" {'>' if col.lo_open else '>='} {_fmt(col.lo)}"
    return ""


class CellError(ValueError):
    """A single value is invalid; the message says what is expected."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise CellError("numbers in JSON must be finite")
    return number


def _reject_constant(name: str) -> None:
    raise CellError(f"{name} is not allowed in JSON (numbers must be finite)")


def _json_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_nul(k) or _json_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_nul(v) for v in value)
    return False


def _parse_json(text: str) -> object:
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CellError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
    except RecursionError:
        raise CellError("JSON nested too deeply") from None
    if _json_nul(value):
        raise CellError("JSON text must not contain NUL characters (\\u0000)")
    return value


def parse_value(col: Column, text: str) -> object:
    """Turn one non-empty cell into its typed value or raise :class:`CellError`."""
    if "\x00" in text:
        raise CellError("must not contain NUL characters")
    if col.kind in ("float", "int"):
        noun = "a number" if col.kind == "float" else "a whole number"
        expectation = f"must be {noun}{_range_text(col)}"
        try:
            number = float(text)
        except ValueError:
            raise CellError(expectation) from None
        if not math.isfinite(number):
            raise CellError(expectation)
        if col.kind == "int":
            if not number.is_integer():
                raise CellError(expectation)
            number = int(number)
        if col.lo is not None and (number < col.lo or (col.lo_open and number <= col.lo)):
            raise CellError(expectation)
        if col.hi is not None and number > col.hi:
            raise CellError(expectation)
        return number
    if col.kind == "bool":
        low = text.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise CellError("must be true or false")
    if col.kind == "list":
        items = [item.strip() for item in text.split(";")]
        items = [item for item in items if item]
        if len(set(items)) != len(items):
            raise CellError("lists the same item twice")
        if col.choices:
            bad = [item for item in items if item not in col.choices]
            if bad:
                raise CellError(f"{bad[0]!r} is not one of: {', '.join(col.choices)}")
        return items
    if col.kind == "json":
        return _parse_json(text)
    # text
    if col.max_len is not None and len(text) > col.max_len:
        raise CellError(f"must be at most {col.max_len} characters (has {len(text)})")
    if col.choices and text not in col.choices:
        raise CellError(f"must be one of: {', '.join(col.choices)}")
    if col.pattern and not re.fullmatch(col.pattern, text):
        raise CellError(f"must be {col.pattern_help or 'of the form ' + col.pattern}")
    return text


def parse_table(raw: RawTable, table: Table, problems: Problems) -> ParsedTable:
    """Check the header and parse every cell; problems are collected, bad cells left out."""
    parsed = ParsedTable(table=table, label=raw.label)
    known = set(table.column_names)
    seen: set[str] = set()
    header_ok = True
    for index, name in enumerate(raw.header, start=1):
        if not name:
            problems.add(raw.label, 1, f"#{index}", "column has no name")
            header_ok = False
        elif name in seen:
            problems.add(raw.label, 1, name, "column appears twice")
            header_ok = False
        elif name not in known:
            problems.add(raw.label, 1, name, f"unknown column (expected: {', '.join(table.column_names)})")
            header_ok = False
        seen.add(name)
    for col in table.columns:
        if col.required and col.name not in seen:
            problems.add(raw.label, 1, col.name, "required column is missing")
            header_ok = False
    if not header_ok:
        return parsed
    for row_number, cells in raw.rows:
        values: dict[str, object] = {}
        by_name = dict(zip(raw.header, cells))
        for col in table.columns:
            text = by_name.get(col.name)
            if text is None:
                if col.required:
                    problems.add(raw.label, row_number, col.name, "a value is required")
                values[col.name] = list(col.default) if isinstance(col.default, tuple) else col.default
                continue
            try:
                values[col.name] = parse_value(col, text)
            except CellError as exc:
                problems.add(raw.label, row_number, col.name, f"{exc}, got {text!r}")
        parsed.rows.append((row_number, values))
    return parsed
