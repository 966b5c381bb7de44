"""Config loading: valid files load, bad keys and values are named with their path."""
from __future__ import annotations

import pytest

from models.config import ConfigError, load_config, parse_config


def test_shipped_config_is_valid_and_embedded():
    cfg = load_config("config.yaml")
    assert cfg.database_url.startswith("sqlite:///")
    assert cfg.simulator.enabled


def test_production_example_is_valid(monkeypatch):
    monkeypatch.delenv("CIVICWATCH_DATABASE_URL", raising=False)
    cfg = load_config("config.example-production.yaml")
    assert cfg.database_url.startswith("postgresql")
    assert cfg.scale.redis_url


def test_bad_value_names_path_value_and_expectation():
    cams = [{"code": f"CAM-{i}", "kind": "rtsp", "url": "rtsp://x"} for i in range(3)]
    cams.append({"code": "CAM-3", "kind": "rtsp", "sample_every_s": -2})
    with pytest.raises(ConfigError) as err:
        parse_config({"feeds": {"cameras": cams}})
    assert "feeds.cameras[3].sample_every_s: must be > 0, got -2" in str(err.value)


def test_unknown_key_rejected_with_its_path():
    with pytest.raises(ConfigError) as err:
        parse_config({"server": {"prot": 80}})
    assert "server.prot: unknown key" in str(err.value)


def test_wrong_type_and_missing_key():
    with pytest.raises(ConfigError) as err:
        parse_config({"server": {"port": "eighty"}, "feeds": {"cameras": [{"kind": "rtsp"}]}})
    msg = str(err.value)
    assert "server.port: must be a whole number, got 'eighty'" in msg
    assert "feeds.cameras[0].code: required key is missing" in msg


def test_yaml_syntax_error_names_line(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("server:\n  port: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(p) in str(err.value) and "line" in str(err.value)


def test_top_level_must_be_mapping(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(p)


def test_environment_overrides_database_url(monkeypatch):
    monkeypatch.setenv("CIVICWATCH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert parse_config({}).database_url == "postgresql+psycopg://u@h/db"
