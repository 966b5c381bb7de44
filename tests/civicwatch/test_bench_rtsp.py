"""``civicwatch bench rtsp`` briefly, on real RTSP servers on loopback: the JSON has the figures issue 23 names
and they describe what ran (no speed is asserted: benchmarks measure, tests check they work)."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from civicwatch.cli import cli

pytestmark = pytest.mark.rtsp


@pytest.mark.parametrize("codec,decoder", [("h264", "h264"), ("h265", "hevc")])
def test_bench_rtsp_measures_the_product_and_the_floor_on_real_streams(tmp_path, codec, decoder):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'var'}\nregistry_seed_dir: {os.path.abspath('assets/registry')}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "bench", "rtsp", "--cameras", "3", "--seconds", "6",
                                      "--codec", codec, "--fps", "10", "--size", "640x360", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert (out["cameras"], out["codec"], out["width"], out["height"], out["kind"]) == (3, codec, 640, 360, "rtsp")
    assert out["footage"] == "vtest.avi"  # real street footage (Debian opencv-doc), not a test pattern
    assert out["cameras_delivering_at_start"] == 3 and out["errors"] == 0 and out["floor_errors"] == 0
    # every camera sampled on its 2 s interval during the 6 s (±1 for the window's edges)
    assert out["samples_per_camera"]["expected"] == pytest.approx(3, abs=0.2)
    assert out["samples_per_camera"]["min"] >= 2 and out["floor_samples_per_camera"] >= 2
    # keyframe sampling: one decoded picture per sample at most (a late keyframe: "not ready", no repeat)
    assert 1 <= out["decoded_per_camera"] <= out["samples_per_camera"]["mean"]
    assert out["cpu_ms_per_camera_s"] > 0 and out["floor_ms_per_camera_s"] > 0
    assert abs(out["ratio_to_floor"] - out["cpu_ms_per_camera_s"] / out["floor_ms_per_camera_s"]) < 0.01
    assert out["projected_cores_210"] == pytest.approx(out["cpu_ms_per_camera_s"] * 210 / 1000, abs=0.001)
    assert out["lateness_p95_ms"] >= out["lateness_p50_ms"] >= 0
    stream = out["stream"]  # the facts the adapter measured on the live stream
    assert (stream["codec"], stream["width"], stream["height"]) == (decoder, 640, 360)
    assert stream["fps"] == pytest.approx(10, abs=1) and stream["decode"] == "keyframes"
    assert stream["decoded"] <= stream["keyframes"] < stream["packets"]
    assert set(out["targets"]) == {"ratio_to_floor<=1.3", "errors==0", "lateness_p95_ms<250",
                                   "every_camera_every_interval"}


def test_bench_rtsp_refuses_a_bad_size(tmp_path):
    result = CliRunner().invoke(cli, ["bench", "rtsp", "--size", "640by360"])
    assert result.exit_code != 0 and "640by360" in result.output and "WIDTHxHEIGHT" in result.output
