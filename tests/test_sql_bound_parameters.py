"""SQL only through bound parameters: no statement text is built from values (f-strings, %, +, .format).

Walks the product's source (models, feeds, dashboard, civicwatch) and fails on any call of ``text()``,
``exec_driver_sql()``, ``execute()`` or ``executescript()`` whose statement is not a plain string literal (or
literals joined together). Values belong in bind parameters; an identifier that cannot be bound (a database
name in CREATE DATABASE) is composed by the driver (``psycopg.sql.Identifier``)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "feeds", "dashboard", "civicwatch")
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript"}


def _statement_arg(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in SQL_CALLS or not call.args:
        return None
    return call.args[0]


def _constant(node: ast.expr) -> bool:
    """A string made only of literals (concatenated, or chosen between literals by a condition)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return not any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _constant(node.left) and _constant(node.right)
    if isinstance(node, ast.IfExp):
        return _constant(node.body) and _constant(node.orelse)
    return False


def _built(node: ast.expr) -> bool:
    """True when the statement is built from parts and a value may reach its text."""
    if isinstance(node, (ast.JoinedStr, ast.BinOp, ast.IfExp)):
        return not _constant(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
    return False


def built_statements(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            arg = _statement_arg(node)
            if arg is not None and _built(arg):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append((node.lineno, f"{where}:{node.lineno}: {ast.unparse(arg)[:120]}"))
    return [text for _line, text in sorted(found)]


def test_no_sql_text_is_built_from_values():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += built_statements(path)
    assert found == [], "SQL built from values (use bind parameters):\n" + "\n".join(found)


def test_the_check_finds_built_statements(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text('from sqlalchemy import text\n'
                   'def a(s, name):\n    s.execute(text(f"SELECT * FROM t WHERE name = \'{name}\'"))\n'
                   'def b(c, v):\n    c.exec_driver_sql("DELETE FROM t WHERE id = %s" % v)\n'
                   'def c(c, v):\n    c.execute("SELECT " + v)\n'
                   'def d(s, v):\n    s.execute(text("SELECT {}".format(v)))\n'
                   'def ok(s, v):\n    s.execute(text("SELECT * FROM t WHERE id = :v"), {"v": v})\n'
                   'def ok2(s, lite):\n    s.execute(text("SELECT 1 " + ("FROM a" if lite else "FROM b")))\n',
                   encoding="utf-8")
    assert [line.split(":")[1] for line in built_statements(bad)] == ["3", "5", "7", "9"]
