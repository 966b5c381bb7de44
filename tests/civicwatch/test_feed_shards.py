"""Cameras sharded over several scheduler processes by a stable hash: each camera is sampled by exactly one."""
from __future__ import annotations

import logging

from civicwatch.workers import shard_of
from feeds.service import load_plans
from models.context import AppContext
from models.migrate import upgrade
from tests.civicwatch.cli_helpers import run, write_config
from tests.conftest import make_config
from tests.factories import make_registry


def test_each_camera_belongs_to_exactly_one_feed_shard(tmp_path, caplog):
    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/cw.db", feeds={"cameras": [
        {"code": c, "kind": "folder", "url": str(tmp_path)} for c in ("CAM-0001", "CAM-0004")]}))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    try:
        with caplog.at_level(logging.WARNING, logger="feeds.service"):
            shares = [[p.code for p in load_plans(ctx, lambda code, k=k: shard_of(code, 2) == k)] for k in (0, 1)]
        everything = [p.code for p in load_plans(ctx)]
    finally:
        ctx.stop()
    assert sorted(shares[0] + shares[1]) == everything == ["CAM-0001", "CAM-0002", "CAM-0003", "CAM-0004"]
    assert not set(shares[0]) & set(shares[1]) and shares[0] and shares[1]
    assert "override ignored" not in caplog.text  # an override of another shard's camera is not an error


def test_feed_shard_option_is_checked(tmp_path):
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/cw.db")
    for bad in ("2/2", "x", "1/0"):
        result = run(cfg, "scheduler", "--feed-shard", bad)
        assert result.exit_code == 2 and "--feed-shard" in result.output, (bad, result.output)
