"""Camera feeds: everything between a camera and a decoded frame handed to ``models`` (前端监控接入).

- :mod:`feeds.base` — the adapter interface (:class:`~feeds.base.CameraAdapter`) and feed errors.
- :mod:`feeds.registry` — adapters register by kind name; ``make_adapter(code, spec)`` builds one.
- one module per adapter kind: ``rtsp``, ``http_snapshot``, ``mjpeg``, ``file``, ``folder``, ``simulated``.
- :mod:`feeds.scheduler` — APScheduler sampling of every camera onto the bounded frame queue.
- :mod:`feeds.health` — camera health classification (offline, frozen, black, blurred, tampered …).
- :mod:`feeds.service` — ``start_feeds(ctx)``: wires the above for the running application.

``feeds`` knows nothing of problem types: it produces :class:`models.frames.FrameEvent` only.
"""
import os as _os

# OpenCV's FFmpeg backend reads these once, when first used: set them before any adapter opens a source.
# RTSP over TCP with a short stream probe; FFmpeg's own log quiet, as its lines could echo a camera URL
# with credentials (our messages say what failed, credentials masked). Set the variables to override.
_os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp|analyzeduration;1000000|probesize;500000")
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
