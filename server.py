"""The web server: Streamlit serving app.py, plus the two HTTP endpoints that set and drop the login cookie and the
middleware that passes each connection's own address on. Start it with `streamlit run server.py` (make run,
deploy/): Streamlit finds the `app` below and serves app.py through it.

- /account/signin?code=…&next=/page — after the login form has checked the password (components/auth.py), the
  browser comes here once with a one-time code; the answer sets the session's token as an `HttpOnly; SameSite=Lax`
  cookie (`Secure` under HTTPS) and sends the browser back to its page. JavaScript never sees the token.
- /account/signout — ends the cookie's session on the server (the logout button already has) and drops the cookie.
- The client address for lockouts and the audit log is decided by services.auth.client_id from the raw socket peer,
  which this module's middleware hands to the page in a header of its own (a browser's copy of it is removed).
  uvicorn would otherwise rewrite the peer from X-Forwarded-For for any connection from 127.0.0.1
  (FORWARDED_ALLOW_IPS), so its proxy-header middleware is switched off here, before uvicorn wraps this app.
- Each page's HTML tells the front end where the server is (BaseUrlMiddleware), so a page opened at its own URL
  connects at the first try.
"""

from __future__ import annotations

import gc
import json
from urllib.parse import urlsplit

import streamlit as st
import uvicorn.config
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from services import auth, sessions

PEER = auth.PEER_HEADER.lower().encode("latin-1")

# Python's default (700, 10, 10) ran a full collection every few page runs once the caches held a few hundred thousand
# objects: about 150 ms each, on one run in eight of 任务清单 at city scale (p95 0.34 s against a median of 0.18 s).
# Young collections every 10,000 allocations instead of 700 make full ones about ten times rarer (p95 0.21 s).
GC_THRESHOLDS = (10_000, 10, 10)


def tune_gc() -> None:
    """The server process's garbage-collector thresholds (GC_THRESHOLDS); bench/run.py applies them too."""
    gc.set_threshold(*GC_THRESHOLDS)


tune_gc()


def _pass_through(app, trusted_hosts=None):  # noqa: ARG001 - uvicorn's signature
    return app


# uvicorn imports this module, then wraps the app in ProxyHeadersMiddleware when proxy_headers is on (its default):
# from here on that wrapper is a pass-through, and services.auth.client_id alone decides whom to believe.
uvicorn.config.ProxyHeadersMiddleware = _pass_through


class PeerMiddleware:
    """Put the socket peer of every HTTP and websocket connection in the X-Shian-Peer header (replacing any the
    client sent), so the page can tell the connection's own address from what headers claim."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != PEER]
            client = scope.get("client")
            if client and client[0]:
                headers.append((PEER, str(client[0]).encode("latin-1")))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


# Paths Streamlit serves that are not its page (index.html): left untouched by BaseUrlMiddleware.
NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/", "/account/", "/favicon")


def base_url_script(base_path: str) -> bytes:
    """The inline script that tells Streamlit's front end where its server is (window.__streamlit.BACKEND_BASE_URL,
    its documented embedding setting): this origin plus server.baseUrlPath."""
    path = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return f'<script>window.__streamlit={{BACKEND_BASE_URL:location.origin+{json.dumps(path + "/")}}}</script>'.encode()


class BaseUrlMiddleware:
    """Without it, the front end of a page opened at /map first looks for its server at /map/_stcore/health, gets a
    404, waits 100 ms and only then tries /_stcore/health: every page but the first lost about 150 ms before its
    websocket opened (bench/browser.py). The page's HTML gets base_url_script in its <head>, so the server is found
    at the first try. Only a 200 text/html answer to a GET is changed: asked without compression (nginx compresses it
    on its way out), its length set anew and its ETag and Last-Modified dropped, as the HTML now differs."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(NOT_PAGES):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict | None = None
        chunks: list[bytes] = []

        async def rewrite(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", ()))
                if message["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html") \
                        and b"content-encoding" not in headers:
                    start = message  # held until the body is complete
                    return
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                script = base_url_script(st.get_option("server.baseUrlPath") or "")
                html = b"".join(chunks).replace(b"<head>", b"<head>" + script, 1)
                headers = [(k, v) for k, v in start.get("headers", ())
                           if k.lower() not in (b"content-length", b"etag", b"last-modified")]
                await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
                await send({"type": "http.response.body", "body": html})
                return
            await send(message)

        await self.app(scope, receive, rewrite)


def _secure(request: Request) -> bool:
    """HTTPS here, or at a trusted proxy that says so (X-Forwarded-Proto from anyone else is ignored)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    return auth.is_trusted_proxy(peer) and request.headers.get("x-forwarded-proto", "").strip().lower() == "https"


def _local(target: str | None) -> str:
    """A path on this server to return to ("/" for anything else: no open redirect)."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def signin(request: Request) -> RedirectResponse:
    token = await run_in_threadpool(sessions.claim, code=request.query_params.get("code"))
    response = _no_store(RedirectResponse(_local(request.query_params.get("next")), status_code=303))
    if token:
        life = sessions.Lifetimes.from_settings()
        response.set_cookie(sessions.COOKIE, token, max_age=int(life.absolute.total_seconds()), path="/",
                            httponly=True, samesite="lax", secure=_secure(request))
    return response


async def signout(request: Request) -> RedirectResponse:
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await run_in_threadpool(sessions.end, token=token)
    response = _no_store(RedirectResponse("/", status_code=303))
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


app = st.App(
    "app.py",
    routes=[Route(sessions.SIGNIN_PATH, signin), Route(sessions.SIGNOUT_PATH, signout)],
    middleware=[Middleware(PeerMiddleware), Middleware(BaseUrlMiddleware)],
)
