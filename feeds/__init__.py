"""Camera feeds: everything between a camera and a decoded frame handed to ``models`` (前端监控接入).

- :mod:`feeds.base` — the adapter interface (:class:`~feeds.base.CameraAdapter`) and feed errors.
- :mod:`feeds.registry` — adapters register by kind name; ``make_adapter(code, spec)`` builds one.
- one module per adapter kind: ``rtsp``, ``http_snapshot``, ``mjpeg``, ``file``, ``folder``, ``simulated``.
- :mod:`feeds.scheduler` — APScheduler sampling of every camera onto the bounded frame queue.
- :mod:`feeds.health` — camera health classification (offline, frozen, black, blurred, tampered …).
- :mod:`feeds.service` — ``start_feeds(ctx)``: wires the above for the running application.

``feeds`` knows nothing of problem types: it produces :class:`models.frames.FrameEvent` only.
"""
