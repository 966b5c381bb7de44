"""Helpers of the registry import tests: copy the shipped demo registry and edit one of its CSV cells."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.registry_io import registry_counts

DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "registry"


def copy_demo(tmp_path: Path, name: str = "registry") -> Path:
    target = tmp_path / name
    shutil.copytree(DEMO_DIR, target)
    (target / "README.md").unlink()
    return target


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> str:
    """Set the cell at spreadsheet ``row`` (header = 1) and ``column``; return the old value."""
    rows = read_rows(path)
    index = rows[0].index(column)
    old = rows[row - 1][index]
    rows[row - 1][index] = value
    write_rows(path, rows)
    return old


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return registry_counts(session)
