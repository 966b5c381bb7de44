"""Where detection gets problem types and camera zones: the database, or a registry directory (CSV/XLSX).

Benchmarks and ``civicwatch replay`` run without a database: they read the registry files through the
registry importer's own validation (:func:`models.registry_io.importer.validate_directory`).
"""
from __future__ import annotations

from pathlib import Path

from .types import TypeBook, TypeSpec


class _Row:
    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.id = None


def registry_from_directory(directory: str | Path) -> tuple[TypeBook, dict[str, list[dict]]]:
    """``(types, {camera code: zones})`` from a registry directory (validated like an import)."""
    from ..registry_io.importer import validate_directory

    tables = validate_directory(directory)
    book = TypeBook(TypeSpec.from_row(_Row(v)) for _, v in tables["problem_types"].rows)
    cameras = {v["code"]: list(v.get("zones") or []) for _, v in tables["cameras"].rows}
    return book, cameras


def registry_from_db(session) -> tuple[TypeBook, dict[str, list[dict]]]:
    """``(types, {camera code: zones})`` of the enabled cameras in the database."""
    from sqlalchemy import select

    from ..registry import Camera
    from .types import load_types

    cams = {c.code: list(c.zones or []) for c in session.scalars(select(Camera).where(Camera.enabled.is_(True)))}
    return load_types(session), cams
