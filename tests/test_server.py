"""server.BaseUrlMiddleware: the page's HTML tells Streamlit's front end where its server is, so a page opened at
/map does not first look for /map/_stcore/health (a 404 and a 100 ms wait before every page but the first). Only a
200 text/html answer to a GET is changed; tests/browser/test_connect.py checks what a browser then asks for."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

import server

HTML = b"<!doctype html><html><head><title>t</title></head><body></body></html>"


def fake_app(status: int = 200, content_type: bytes = b"text/html", body: bytes = HTML, extra=()):
    seen: dict = {}

    async def app(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"etag", b'"x"'),
            (b"last-modified", b"Fri, 04 Dec 2026 17:33:25 GMT"), *extra]})
        half = len(body) // 2  # in two parts, as a streamed file may come
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    return app, seen


def get(app, path: str = "/map"):
    """One GET through the middleware (a browser that accepts gzip and brotli), as an ASGI server would make it."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"accept-encoding", b"gzip, br")]}
    asyncio.run(server.BaseUrlMiddleware(app)(scope, receive, send))
    start, bodies = sent[0], [m for m in sent[1:] if m["type"] == "http.response.body"]
    return SimpleNamespace(status_code=start["status"], headers={k.decode(): v.decode() for k, v in start["headers"]},
                           content=b"".join(m.get("body", b"") for m in bodies))


def test_a_page_gets_the_server_address_and_a_length_that_fits():
    app, seen = fake_app()
    r = get(app)
    script = b'<script>window.__streamlit={BACKEND_BASE_URL:location.origin+"/"}</script>'
    assert r.status_code == 200 and r.content == HTML.replace(b"<head>", b"<head>" + script)
    assert int(r.headers["content-length"]) == len(r.content)
    assert "etag" not in r.headers and "last-modified" not in r.headers  # the HTML differs from the file's
    assert b"accept-encoding" not in seen["headers"]  # asked plain, so it can be changed (nginx compresses it)


@pytest.mark.parametrize("base, expected", [("", "/"), ("shian", "/shian/"), ("/shian/", "/shian/")])
def test_the_address_includes_the_configured_base_path(base, expected):
    assert server.base_url_script(base) == (
        f'<script>window.__streamlit={{BACKEND_BASE_URL:location.origin+"{expected}"}}</script>').encode()


@pytest.mark.parametrize("status, content_type, extra", [
    (200, b"application/json", ()),
    (304, b"text/html", ()),
    (404, b"text/html", ()),
    (200, b"text/html", ((b"content-encoding", b"gzip"),)),
])
def test_anything_else_passes_unchanged(status, content_type, extra):
    app, _ = fake_app(status, content_type, extra=extra)
    r = get(app)
    assert r.status_code == status and r.content == HTML and r.headers["etag"] == '"x"'


@pytest.mark.parametrize("path", ["/_stcore/host-config", "/static/js/index.js", "/media/x.png", "/account/signin"])
def test_streamlits_own_paths_keep_their_compression(path):
    app, seen = fake_app()
    r = get(app, path)
    assert r.content == HTML and seen["headers"][b"accept-encoding"] == b"gzip, br"


def test_the_app_serves_through_it():
    assert "BaseUrlMiddleware" in [m.cls.__name__ for m in server.app._user_middleware]


def test_the_server_collects_young_objects_less_often_than_python_by_default():
    import gc

    assert gc.get_threshold() == server.GC_THRESHOLDS and server.GC_THRESHOLDS[0] >= 10 * 700


def test_streamlit_runs_no_full_collection_after_every_script_run():
    """runner.postScriptGC (Streamlit's default: on) took a third of the server's CPU under 20 viewers."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["runner"]["postScriptGC"] is False
