"""Text that is safe to put in a spreadsheet cell (formula injection, "CSV injection").

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, WPS
and LibreOffice as a formula (``=HYPERLINK(...)`` in a citizen's description became a live link in the 四单
workbook). Following the OWASP rule, such text is written with a leading ``'``: the program shows it as
text and evaluates nothing. Numbers, dates and empty cells are left as they are. Every XLSX/CSV writer of
the project passes its cells through :func:`safe_cell` (or :func:`safe_row`); the registry importer
reads the ``'`` back off (:func:`unescape_cell`) so an export → import round trip keeps the text.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would take for a formula, else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` of every value of a row."""
    return [safe_cell(v) for v in values]


def unescape_cell(text: str) -> str:
    """The text :func:`safe_cell` was given (removes its ``'`` in front of a formula character)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
