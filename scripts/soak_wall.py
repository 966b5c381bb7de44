#!/usr/bin/env python3
"""Soak the wall display: keep /wall open in headless Chromium for N minutes while problems keep arriving,
sample the browser's JS heap (CDP, after a forced GC) and the server's RSS, and print their growth.

    .venv/bin/python scripts/soak_wall.py --minutes 30            # in-process server on a synthetic city
    .venv/bin/python scripts/soak_wall.py --url http://127.0.0.1:8050 --token cw_… --server-pid 1234

Prints ONE JSON object on stdout (samples and growth in percent; target < 20 %); progress on stderr.
Growth compares the median of the first three samples after the warm-up with the median of the last three.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def local_server(cases: int):
    """A synthetic city on SQLite served in this process, with a thread opening a problem every 5 s."""
    from waitress.server import create_server

    from dashboard.app import create_app
    from dashboard.wall.synthetic import fill
    from models.accounts import Role
    from models.clock import utcnow
    from models.config import parse_config
    from models.context import AppContext
    from models.migrate import upgrade
    from models.security import create_token
    from models.workflow import open_case

    tmp = tempfile.mkdtemp(prefix="cw-soak-")
    ctx = AppContext.from_config(parse_config({"data_dir": tmp, "database": {"url": f"sqlite:///{tmp}/soak.db"}}))
    upgrade(ctx.engine)
    print(f"filling a synthetic city with {cases} cases …", file=sys.stderr)
    city = fill(ctx.engine, cases=cases, observations=0, years=1.0)
    with ctx.sessions.begin() as s:
        token, _ = create_token(s, Role.WALL.value, name="soak", days=1)
    ctx.status["feeds"] = lambda: {"last_frame_at": utcnow().isoformat()}
    app = create_app(ctx)
    wsgi = create_server(app.server, host="127.0.0.1", port=0, threads=4)
    port = wsgi.socket.getsockname()[1]
    threading.Thread(target=wsgi.run, daemon=True).start()
    stop = threading.Event()

    def activity():
        i = 0
        while not stop.wait(5):
            i += 1
            with ctx.sessions.begin() as s:
                open_case(s, source="camera", problem_type=city["types"][i % len(city["types"])], found_at=utcnow(),
                          actor="soak", actor_role="system", point=city["points"][i % len(city["points"])])

    threading.Thread(target=activity, daemon=True).start()

    def close():
        stop.set()
        wsgi.close()
        ctx.stop()

    return f"http://127.0.0.1:{port}", token, os.getpid(), close


def growth(values: list[float]) -> float | None:
    if len(values) < 6:
        return None
    first, last = statistics.median(values[:3]), statistics.median(values[-3:])
    return round(100.0 * (last - first) / first, 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="How long to keep the wall open.")
    ap.add_argument("--sample-s", type=float, default=30.0, help="Seconds between samples.")
    ap.add_argument("--warmup-s", type=float, default=60.0, help="Seconds before the first sample.")
    ap.add_argument("--url", help="Soak a running server instead of an in-process one.")
    ap.add_argument("--token", help="Wall token for --url.")
    ap.add_argument("--server-pid", type=int, help="PID of the --url server (for its RSS).")
    ap.add_argument("--cases", type=int, default=5000, help="Cases in the in-process synthetic city.")
    ap.add_argument("--size", default="1920x1080", help="Browser viewport, e.g. 3840x2160.")
    args = ap.parse_args()
    if args.url and not args.token:
        ap.error("--url needs --token (a wall token)")
    close = None
    if args.url:
        base, token, pid = args.url.rstrip("/"), args.token, args.server_pid
    else:
        base, token, pid, close = local_server(args.cases)
    width, height = (int(v) for v in args.size.lower().split("x"))
    from playwright.sync_api import sync_playwright

    samples: list[dict] = []
    errors: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda e: errors.append(str(e)))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{base}/wall?token={token}")
            page.wait_for_selector("#wall-kpi-points", timeout=60_000)
            time.sleep(args.warmup_s)
            end = time.monotonic() + args.minutes * 60
            while True:
                cdp.send("HeapProfiler.collectGarbage")
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                sample = {
                    "t_s": round(time.monotonic() - (end - args.minutes * 60)),
                    "js_heap_mb": round(metrics.get("JSHeapUsedSize", 0) / 2**20, 2),
                    "dom_nodes": int(metrics.get("Nodes", 0)),
                    "server_rss_mb": round(rss_mb(pid), 1) if pid else None,
                    "events_shown": page.locator(".wall-event").count(),
                }
                samples.append(sample)
                print(json.dumps(sample), file=sys.stderr)
                if time.monotonic() >= end:
                    break
                time.sleep(min(args.sample_s, max(0.0, end - time.monotonic())))
            browser.close()
    finally:
        if close:
            close()
    heap = [s["js_heap_mb"] for s in samples]
    rss = [s["server_rss_mb"] for s in samples if s["server_rss_mb"] is not None]
    nodes = [s["dom_nodes"] for s in samples]
    result = {
        "minutes": args.minutes, "samples": len(samples), "size": args.size,
        "js_heap_growth_pct": growth(heap), "server_rss_growth_pct": growth(rss) if rss else None,
        "dom_nodes_growth_pct": growth([float(n) for n in nodes]),
        "js_heap_mb": [heap[0], heap[-1]] if heap else None, "server_rss_mb": [rss[0], rss[-1]] if rss else None,
        "page_errors": errors[:10], "target_growth_pct": 20, "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
