"""Real RTSP cameras on loopback for ``civicwatch bench rtsp``: GStreamer's RTSP server in a subprocess.

Not a command (no ``register``). :class:`LoopbackCameras` runs ``scripts/rtsp_test_server.py`` (Debian's
``/usr/bin/python3`` with GI; ``scripts/setup.sh --test`` installs it) serving N mount points
``/cam1`` … ``/camN`` that share one encoder (H.264 x264enc or H.265 x265enc at the wanted size, fps,
bitrate and GOP), from real footage (a video file, looped) when one is given. The server encodes live: on
a loaded 2-core machine x265 cannot keep 25 fps at 1280×720 (the bench reports the stream's measured fps).
Binds 127.0.0.1 only.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "rtsp_test_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"
FOOTAGE = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")  # Debian opencv-doc: a real street scene


class StreamServerError(RuntimeError):
    """The loopback RTSP server could not start (message says why)."""


class LoopbackCameras:
    """``urls``: one RTSP URL per camera, after :meth:`start`; :meth:`stop` kills the server."""

    def __init__(self, cameras: int, *, codec: str, width: int, height: int, fps: int, gop_s: float,
                 video: Path | None, bitrate_kbps: int | None = None):
        self.cameras, self.codec, self.width, self.height, self.fps, self.gop_s = cameras, codec, width, height, fps, gop_s
        self.video, self.bitrate_kbps = video, bitrate_kbps
        self.proc: subprocess.Popen | None = None
        self.urls: list[str] = []

    def start(self) -> LoopbackCameras:
        if not (os.path.exists(SYSTEM_PYTHON) and SCRIPT.exists()):
            raise StreamServerError(f"needs {SYSTEM_PYTHON} and {SCRIPT} (run scripts/setup.sh --test)")
        cmd = [SYSTEM_PYTHON, str(SCRIPT), "--port", "0", "--path", "/cam", "--mounts", str(self.cameras),
               "--codec", self.codec, "--width", str(self.width), "--height", str(self.height),
               "--fps", str(self.fps), "--gop-s", str(self.gop_s)]
        if self.bitrate_kbps:
            cmd += ["--bitrate-kbps", str(self.bitrate_kbps)]
        if self.video is not None:
            cmd += ["--video", str(self.video)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "GST_DEBUG": "0"})
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            err = self.proc.stderr.read()[-500:]
            self.proc = None
            raise StreamServerError(f"the RTSP server did not start: {line.strip()} {err.strip()}")
        first = line.split()[1]  # rtsp://127.0.0.1:PORT/cam1
        base = first[: -len("1")]
        self.urls = [f"{base}{i}" for i in range(1, self.cameras + 1)]
        return self

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        self.proc = None
