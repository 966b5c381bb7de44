"""``civicwatch registry import|export|check`` on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil


from tests.models.registry_io.helpers import DEMO_DIR, copy_demo, set_cell

from .cli_helpers import run, write_config

HEADLINE = "points 209, cameras 210, units 116, indicators 130, problem_types 36"


def test_import_then_export_prints_the_counts(tmp_path, db_url):
    config = write_config(tmp_path, db_url)
    result = run(config, "registry", "import", str(DEMO_DIR))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith(f"imported: {HEADLINE}")
    result = run(config, "registry", "export", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(HEADLINE)
    assert (tmp_path / "out" / "points.csv").read_text(encoding="utf-8") == \
        (DEMO_DIR / "points.csv").read_text(encoding="utf-8")
    # a second import without --replace is refused, with --replace it updates by code
    result = run(config, "registry", "import", str(DEMO_DIR))
    assert result.exit_code == 1 and "--replace" in result.stderr
    result = run(config, "registry", "import", str(tmp_path / "out"), "--replace")
    assert result.exit_code == 0, result.output
    assert HEADLINE in result.stdout


def test_bad_file_exits_non_zero_names_the_row_and_imports_nothing(tmp_path, db_url):
    config = write_config(tmp_path, db_url)
    reg = copy_demo(tmp_path)
    set_cell(reg / "points.csv", 17, "lon", "abc")
    result = run(config, "registry", "import", str(reg))
    assert result.exit_code == 1
    assert "points.csv row 17, column lon: must be a number between 115 and 119, got 'abc'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    result = run(config, "registry", "export", str(tmp_path / "out"))
    assert result.stdout.startswith("points 0, cameras 0, units 0, indicators 0, problem_types 0")


def test_check_validates_without_a_database(tmp_path):
    reg = copy_demo(tmp_path)
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/never.db")
    result = run(config, "registry", "check", str(reg))
    assert result.exit_code == 0 and HEADLINE in result.stdout
    shutil.move(reg / "units.csv", tmp_path / "units.csv")
    result = run(config, "registry", "check", str(reg))
    assert result.exit_code == 1 and "missing registry file(s) units.csv" in result.stderr
    assert not (tmp_path / "never.db").exists()
