"""What a first visit transfers (issue 21): each figure page opened in a fresh headless Chromium (no cache, logged in
as --user) through nginx with the deploy/ configuration in front of one replica (bench/stack.py), as a browser that
accepts gzip and brotli gets it. Per page: the compressed bytes of every HTTP response (the DevTools protocol's
Network.loadingFinished encodedDataLength: headers and body as they went over the wire), the JavaScript files among
them, and the websocket's messages (their payload as received; Streamlit's permessage-deflate is not counted apart).

    python bench/transfer.py [--db URL] [--as-of 2022-10-31] [--pages 总览 地图] [--no-brotli | --direct]

Default database: the synthetic county database of `make bench` (data/bench/county.db). Writes the "transfer" section
of bench/results.json and the README's table. Target: a first visit ≤ 2.5 MB compressed.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import results, stack  # noqa: E402
from bench.run import AS_OF, FIGURE_PAGES, TARGET_FIRST_VISIT_MB, app_pages, db_url, ensure_db  # noqa: E402
from bench.wsclient import login_cookie  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
QUIET_S = 3.0  # a page is done when nothing has loaded for this long after its heading showed


def visit(browser, base: str, cookie: str, title: str, url_path: str, timeout: float) -> dict:
    """One first visit: a fresh context (empty cache), the login cookie, the page's URL; bytes per response."""
    name, value = cookie.split("=", 1)
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.add_cookies([{"name": name, "value": value, "url": base}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    responses: dict[str, dict] = {}
    done: dict[str, int] = {}
    ws = {"frames": 0, "bytes": 0}
    last = [time.monotonic()]

    def on_response(event: dict) -> None:
        r = event["response"]
        headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
        responses[event["requestId"]] = {"url": r["url"], "mime": r.get("mimeType", ""),
                                         "encoding": headers.get("content-encoding", "")}

    def on_finished(event: dict) -> None:
        done[event["requestId"]] = int(event["encodedDataLength"])
        last[0] = time.monotonic()

    def on_frame(event: dict) -> None:
        frame = event["response"]
        data = frame.get("payloadData", "")
        ws["frames"] += 1
        ws["bytes"] += len(base64.b64decode(data)) if frame.get("opcode") == 2 else len(data.encode())
        last[0] = time.monotonic()

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.webSocketFrameReceived", on_frame)
    started = time.monotonic()
    page.goto(f"{base}/{url_path}", wait_until="load", timeout=timeout * 1000)
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout * 1000)
    while time.monotonic() - last[0] < QUIET_S and time.monotonic() - started < timeout:
        page.wait_for_timeout(250)
    shown = page.get_by_role("heading", name=title).count() > 0
    context.close()
    files = [{**responses.get(rid, {"url": "?", "mime": "", "encoding": ""}), "bytes": n} for rid, n in done.items()]
    js = [f for f in files if f["mime"].endswith("javascript") or f["url"].split("?")[0].endswith(".js")]
    encodings = sorted({f["encoding"] for f in js if f["encoding"]})
    return {"bytes": sum(f["bytes"] for f in files), "requests": len(files), "js_files": len(js),
            "js_bytes": sum(f["bytes"] for f in js), "ws_frames": ws["frames"], "ws_bytes": ws["bytes"],
            "encodings": encodings, "shown": shown, "seconds": round(time.monotonic() - started, 1),
            "largest": sorted(((f["bytes"], urlsplit(f["url"]).path.rsplit("/", 1)[-1]) for f in files),
                              reverse=True)[:5]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", help="DATABASE_URL (default: the synthetic county database data/bench/county.db)")
    p.add_argument("--as-of", help=f"AS_OF of the replica (default {AS_OF} for the synthetic db)")
    p.add_argument("--pages", nargs="+", default=list(FIGURE_PAGES), help="page titles")
    p.add_argument("--user", default="leader")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--no-brotli", action="store_true", help="nginx without the brotli snippet (gzip only)")
    p.add_argument("--direct", action="store_true", help="straight to the replica, without nginx (for comparison)")
    p.add_argument("--no-results", action="store_true", help=f"do not write {results.RELATIVE}")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if args.db:
        database_url, as_of = args.db, args.as_of
    else:
        ensure_db("county")
        database_url, as_of = db_url("county"), args.as_of or AS_OF
    os.environ["DATABASE_URL"] = database_url
    cookie = login_cookie(database_url, args.user)
    urls = {title: url for _, title, _, _, url in app_pages()}
    brotli = False if args.no_brotli else None
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="transfer-") as tmp, \
            stack.deploy_stack(database_url, 1, base_port=8601, as_of=as_of, tmp=Path(tmp), brotli=brotli) as (base, ports):
        if args.direct:
            base = f"http://127.0.0.1:{next(iter(ports))}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else None)
            visit(browser, base, cookie, args.pages[0], urls[args.pages[0]], args.timeout)  # the replica's caches
            for title in args.pages:
                rows[title] = row = visit(browser, base, cookie, title, urls[title], args.timeout)
                print(f"{title:6} {row['bytes'] / 1e6:6.2f} MB in {row['requests']:3} responses; JavaScript "
                      f"{row['js_bytes'] / 1e6:5.2f} MB in {row['js_files']:3} files ({'/'.join(row['encodings']) or 'none'});"
                      f" websocket {row['ws_bytes'] / 1e6:5.2f} MB in {row['ws_frames']} messages"
                      f"{'' if row['shown'] else '; HEADING NOT SHOWN'}", flush=True)
            browser.close()
    encoding = "/".join(sorted({e for r in rows.values() for e in r["encodings"]})) or "none"
    worst = max(rows.values(), key=lambda r: r["bytes"])
    print(f"\nlargest first visit {worst['bytes'] / 1e6:.2f} MB (target ≤ {TARGET_FIRST_VISIT_MB:g} MB), "
          f"JavaScript sent as {encoding}")
    if not args.no_results and not args.direct:
        backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        results.merge("transfer", {"database": f"{backend} {database_url.rsplit('/', 1)[-1]}", "encoding": encoding,
                                   "via": "nginx (deploy/nginx.conf" + ("" if args.no_brotli else ", brotli") + ")",
                                   "pages": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
