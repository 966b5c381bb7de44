"""A live CivicWatch server (waitress, loopback, free port) and headless Chromium for browser tests."""
from __future__ import annotations

import threading
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def serve(app):
    """Serve ``app`` (a Dash app) on 127.0.0.1:<free port>; yields the base URL; stops on exit."""
    from waitress import create_server

    server = create_server(app.server, host="127.0.0.1", port=0, threads=6, clear_untrusted_proxy_headers=True)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, name="test-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
