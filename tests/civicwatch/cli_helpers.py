"""Running the ``civicwatch`` command in-process against a config file pointing at a test database."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from civicwatch.cli import cli


def write_config(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"data_dir: {tmp_path / 'var'}\nregistry_seed_dir: null\ndatabase:\n  url: \"{db_url}\"\n",
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=input, catch_exceptions=False)
