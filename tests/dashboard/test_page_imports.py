"""Nothing imports a Dash page module by its package name: Dash registers ``dashboard/pages/*.py`` under its own
module names, so ``from dashboard.pages import units`` registers the page a second time and every later request
of that process fails ("duplicate paths"). Tests take page modules from ``dash.page_registry``
(``tests.dashboard.desktop_helpers.page_module``)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERN = re.compile(r"^\s*(from\s+dashboard\.pages(\.\w+)?\s+import|import\s+dashboard\.pages\.\w+|"
                     r"from\s+\.+pages(\.\w+)?\s+import)", re.MULTILINE)


def test_no_module_imports_a_page_module_directly():
    offenders = []
    for folder in ("dashboard", "tests", "civicwatch", "models", "feeds", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__).resolve():
                continue
            for m in PATTERN.finditer(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(0).strip()}")
    assert offenders == []


def test_the_pattern_catches_the_forms_that_break():
    for line in ("    from dashboard.pages import units", "import dashboard.pages.units",
                 "from dashboard.pages.units import grid_rows", "from .pages import wall"):
        assert PATTERN.search(line), line
    assert not PATTERN.search("from dashboard.page_helpers import x")
