"""Configuration as typed models, validated at load time (unknown keys rejected).

``load_config(path)`` reads a YAML file, applies the environment overrides and returns an
:class:`AppConfig`; any problem raises :class:`ConfigError` whose message names the key path, the
bad value and what is expected, e.g. ``feeds.cameras[3].sample_every_s: must be > 0, got -2``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from .auth import AuthConfig
from .base import Section
from .database import DatabaseConfig
from .detection import DetectionConfig, OnnxDetectorConfig
from .feeds import BackoffConfig, CameraSource, FeedsConfig, HealthConfig, SimulatorConfig
from .incentives import IncentiveConfig, IncentiveWeights
from .notify import ChannelConfig, NotifyConfig, Recipient
from .reporting import EdgeConfig, RateLimitConfig, ReportingConfig
from .server import ServerConfig
from .wall import ScaleConfig, WallConfig
from .workflow import DemoResponders, DocumentNames, ScoreWeights, WorkflowConfig
from .errors import ConfigError, format_validation_error

__all__ = [
    "AppConfig", "ConfigError", "load_config", "parse_config", "AuthConfig", "BackoffConfig", "CameraSource",
    "DatabaseConfig", "DetectionConfig", "DemoResponders", "DocumentNames", "FeedsConfig", "HealthConfig",
    "OnnxDetectorConfig", "ScaleConfig", "ScoreWeights", "ServerConfig", "SimulatorConfig", "WallConfig",
    "WorkflowConfig", "ReportingConfig", "RateLimitConfig", "EdgeConfig", "ChannelConfig", "NotifyConfig",
    "Recipient", "IncentiveConfig", "IncentiveWeights",
]

ENV_CONFIG = "CIVICWATCH_CONFIG"
ENV_DATABASE_URL = "CIVICWATCH_DATABASE_URL"


class AppConfig(Section):
    """The whole CivicWatch configuration (one YAML file)."""

    data_dir: str = Field("var", description="Directory for the SQLite database, evidence and secrets.")
    demo: bool = Field(
        True, description="Demo mode: the UI labels data as demo data (演示数据)."
    )
    registry_seed_dir: str | None = Field(
        "assets/registry",
        description="Registry CSV/XLSX directory imported on first start when the database is empty.",
    )
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    feeds: FeedsConfig = Field(default_factory=FeedsConfig)
    simulator: SimulatorConfig = Field(default_factory=SimulatorConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    workflow: WorkflowConfig = Field(default_factory=WorkflowConfig)
    wall: WallConfig = Field(default_factory=WallConfig)
    scale: ScaleConfig = Field(default_factory=ScaleConfig)
    reporting: ReportingConfig = Field(default_factory=ReportingConfig)
    incentives: IncentiveConfig = Field(default_factory=IncentiveConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)

    # Set by load_config: the directory relative paths are resolved against.
    base_dir: str = Field(".", exclude=True, description="(internal) directory of the config file.")

    def path(self, value: str) -> Path:
        """Resolve a configured path: ``{data_dir}`` substituted, relative paths against the config file."""
        text = value.replace("{data_dir}", self.data_dir)
        p = Path(text)
        return p if p.is_absolute() else (Path(self.base_dir) / p).resolve()

    @property
    def data_path(self) -> Path:
        return self.path(self.data_dir)

    @property
    def database_url(self) -> str:
        """The database URL with ``{data_dir}`` resolved to an absolute path."""
        url = self.database.url
        if "{data_dir}" in url:
            url = url.replace("{data_dir}", str(self.data_path))
        return url


def parse_config(data: Any, *, source: str = "config", base_dir: str | Path = ".") -> AppConfig:
    """Validate an already-parsed mapping; raise :class:`ConfigError` naming every bad key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}")
    data = dict(data)
    env_url = os.environ.get(ENV_DATABASE_URL)
    if env_url:
        section = data.get("database") or {}
        if not isinstance(section, dict):
            raise ConfigError(f"{source}: invalid configuration\n  database: must be a mapping, "
                              f"got {type(section).__name__} (with {ENV_DATABASE_URL} set)")
        data["database"] = {**section, "url": env_url}
    try:
        cfg = AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source=source)) from None
    except RecursionError:  # a YAML alias that contains itself
        raise ConfigError(f"{source}: invalid configuration\n  (top level): a value contains itself "
                          "(recursive YAML alias)") from None
    cfg.base_dir = str(Path(base_dir).resolve())
    return cfg


def load_config(path: str | Path | None = None) -> AppConfig:
    """Load and validate a YAML config file (default: $CIVICWATCH_CONFIG, else ./config.yaml)."""
    path = Path(path or os.environ.get(ENV_CONFIG) or "config.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1} is {exc.object[exc.start]:#04x}); "
                          "save the file as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, yaml.reader.ReaderError):
            where = f" (character {exc.position + 1})"
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
    return parse_config(data, source=str(path), base_dir=path.parent)
