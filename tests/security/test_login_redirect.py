"""Issue 16 #2: the ``next`` of the login page only ever leads to a local path.

Browsers drop tab/newline from URLs and read ``\\`` as ``/``: ``/%09/evil.example`` was answered with
``Location: //evil.example``, and ``%0a`` crashed the header (500).
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.dashboard.desktop_helpers import csrf_from, login

PAYLOADS = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example", " //evil.example",
    "/ /evil.example", "%2f%2fevil.example", "/%2f%2fevil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "https://evil.example/", "http:evil.example", "/\x00/evil.example",
    "/\x0b/evil.example", "/\x1f/evil.example", "/\u0085/evil.example", "data:text/html,<script>x</script>",
]


def _browser_target(location: str) -> tuple[str, str]:
    """Where a browser goes for this Location: (scheme, host) after its own URL clean-up."""
    cleaned = location.strip("\x00 ").replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(cleaned)
    return parts.scheme, parts.netloc


@pytest.fixture
def logged_in(app):
    c = app.server.test_client()
    assert login(c, "sup1").status_code == 302
    return c


@pytest.fixture
def app(tmp_path_factory):
    from .conftest import build_world

    w, mp = build_world(tmp_path_factory, "redirect")
    yield w.app
    w.ctx.stop()
    mp.undo()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_logged_in_get_never_redirects_off_site(logged_in, payload):
    r = logged_in.get("/login?next=" + quote(payload, safe=""))
    assert r.status_code == 302, r.status_code
    location = r.headers["Location"]
    assert _browser_target(location) == ("", ""), f"{payload!r} → Location {location!r}"
    assert location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_form_post_never_redirects_off_site(app, payload):
    c = app.server.test_client()
    token = csrf_from(c.get("/login").data)
    r = c.post("/login", data={"username": "sup1", "password": "correct-horse-battery", "csrf_token": token,
                               "next": payload})
    assert r.status_code == 302, r.status_code
    location = r.headers["Location"]
    assert _browser_target(location) == ("", "") and not location.startswith("//"), location


def test_a_local_next_is_still_followed(logged_in):
    r = logged_in.get("/login?next=" + quote("/cases/AJ1?done=accept", safe=""))
    assert r.headers["Location"] == "/cases/AJ1?done=accept"
    r = logged_in.get("/login?next=" + quote("/%E6%A1%88", safe=""))  # percent-encoded stays a local path
    assert r.headers["Location"] == "/%E6%A1%88"
