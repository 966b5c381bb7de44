"""docs/config-reference.md is generated from the config models and documents every shipped key."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "config-reference.md"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_config_reference", ROOT / "scripts" / "gen_config_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_keys(text: str) -> dict[str, str]:
    """Key path → type column of every row of the reference tables."""
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", text, flags=re.M)
    return {key: kind.strip() for key, kind in rows}


def undocumented(data: dict, documented: dict[str, str], prefix: str = "") -> list[str]:
    """Key paths of ``data`` (a parsed config file) missing from the reference."""
    missing = []
    for key, value in (data or {}).items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path not in documented:
            missing.append(path)
            continue
        kind = documented[path]
        if kind == "section" and isinstance(value, dict):
            missing += undocumented(value, documented, path)
        elif kind.startswith("list of sections") and isinstance(value, list):
            for item in value:
                missing += undocumented(item, documented, f"{path}[]")
    return missing


def test_committed_reference_equals_freshly_generated():
    fresh = _generator().render()
    assert DOC.read_text(encoding="utf-8") == fresh, (
        "docs/config-reference.md is out of date: run .venv/bin/python scripts/gen_config_reference.py")


def test_reference_lists_every_model_field_with_type_default_and_constraint():
    from models.config import AppConfig

    documented = documented_keys(DOC.read_text(encoding="utf-8"))
    for name in AppConfig.model_fields:
        if name != "base_dir":
            assert name in documented
    assert "base_dir" not in documented
    text = DOC.read_text(encoding="utf-8")
    assert "| `server.port` | integer | `8050` | > 0, < 65536 | TCP port to listen on. |" in text
    assert "| `feeds.cameras[].code` | text | **required** |" in text


@pytest.mark.parametrize("name", ["config.yaml", "config.example-production.yaml"])
def test_shipped_config_keys_are_all_documented(name):
    documented = documented_keys(DOC.read_text(encoding="utf-8"))
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert undocumented(data, documented) == []
    assert len(documented) > 50


def test_an_undocumented_key_would_be_caught():
    documented = documented_keys(DOC.read_text(encoding="utf-8"))
    assert undocumented({"database": {"url": "x", "colour": 1}, "feeds": {"cameras": [{"code": "C", "nope": 2}]}},
                        documented) == ["database.colour", "feeds.cameras[].nope"]
