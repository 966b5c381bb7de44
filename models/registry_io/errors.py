"""The one error the registry importer raises, and the collector that builds it."""
from __future__ import annotations

MAX_LISTED = 30


class RegistryImportError(ValueError):
    """A registry file is invalid (or cannot be written); nothing was imported.

    The message names file, row (as a spreadsheet counts it: header = row 1) and column, one problem a line,
    e.g. ``points.csv row 17, column lon: must be a number between 115 and 119, got 'abc'``.
    ``problems`` holds every line (the message lists the first 30).
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


class Problems:
    """Collects validation problems so one run reports all of them, not just the first."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, label: str, row: int | None, column: str | None, text: str) -> None:
        where = label
        if row is not None:
            where += f" row {row}"
        if column:
            where += f", column {column}"
        self.lines.append(f"{where}: {text}")

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:MAX_LISTED]
        message = "\n".join(shown)
        if len(self.lines) > MAX_LISTED:
            message += f"\n… and {len(self.lines) - MAX_LISTED} more problem(s)"
        raise RegistryImportError(message, list(self.lines))
