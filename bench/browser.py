"""A page's load in a headless browser against a one-chart Streamlit page (issue 21): Debian's Chromium opens each
figure page of the app and bench/one_chart.py (a heading and one Altair chart, the same Streamlit and config), each
from its own `streamlit run` on this machine, in the same run.

    python bench/browser.py [--scale city | --db URL --as-of 2022-10-31] [--repeat 3] [--pages 总览 地图]

- A load ends when the page has stopped changing: the time from navigation start to the last change of the page's
  DOM (a MutationObserver), once the heading shows, Streamlit's run has finished and nothing has changed for
  QUIET_S. Charts drawn by Vega and the map's canvas are in the DOM by then.
- **Cold**: a fresh browser context, so an empty HTTP cache and a new Streamlit session, logged in by cookie.
  **Warm**: a reload in that context, its scripts and styles from the browser's cache. The server is not restarted:
  each page is opened once before the timed runs, so its process caches are warm (`make bench` times the server's
  own cold run).
- Each round opens the yardstick and every page, cold then warm; the figure of a page is its median over the rounds.
  The slowest page is compared with the yardstick: targets 1.5× cold and 1.2× warm.

Writes the "browser" section of bench/results.json and the README's table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import results, stack  # noqa: E402
from bench.run import AS_OF, FIGURE_PAGES, app_pages, db_url, ensure_db  # noqa: E402
from bench.transfer import CHROMIUM  # noqa: E402
from bench.wsclient import login_cookie  # noqa: E402

QUIET_S = 2.0  # nothing changed in the DOM for this long: the page is drawn
YARDSTICK = "单图页"  # bench/one_chart.py's heading
TARGET_BROWSER_COLD, TARGET_BROWSER_WARM = 1.5, 1.2  # × the one-chart page, the slowest figure page
WATCH = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
SETTLED = """(quiet) => {
  const done = document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']");
  return done && window.__lastChange > 0 && performance.now() - window.__lastChange > quiet;
}"""


def settle(page, title: str, timeout: float) -> float:
    """Seconds from navigation start to the page's last DOM change, once its heading shows and it is quiet."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout * 1000)
    page.wait_for_function(SETTLED, arg=QUIET_S * 1000, timeout=timeout * 1000, polling=100)
    return page.evaluate("window.__lastChange") / 1000


def open_page(browser, base: str, cookie: str | None, title: str, path: str, timeout: float) -> tuple[float, float]:
    """(cold, warm) seconds of one page: a fresh context's first load, then a reload in it."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        if cookie:
            name, value = cookie.split("=", 1)
            context.add_cookies([{"name": name, "value": value, "url": base}])
        context.add_init_script(WATCH)
        page = context.new_page()
        page.goto(f"{base}/{path}", wait_until="commit", timeout=timeout * 1000)
        cold = settle(page, title, timeout)
        page.reload(wait_until="commit", timeout=timeout * 1000)
        warm = settle(page, title, timeout)
        return cold, warm
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="city", choices=["tiny", "county", "city"])
    p.add_argument("--db", help="DATABASE_URL instead of the synthetic database of --scale")
    p.add_argument("--as-of", help=f"AS_OF of the app (default {AS_OF} for the synthetic databases)")
    p.add_argument("--pages", nargs="+", default=list(FIGURE_PAGES), help="page titles")
    p.add_argument("--repeat", type=int, default=3, help="rounds; each page's figure is its median")
    p.add_argument("--user", default="leader")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--no-results", action="store_true", help=f"do not write {results.RELATIVE}")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if args.db:
        database_url, as_of, label = args.db, args.as_of, args.db.rsplit("/", 1)[-1]
    else:
        ensure_db(args.scale)
        database_url, as_of, label = db_url(args.scale), args.as_of or AS_OF, f"{args.scale} (SQLite)"
    os.environ["DATABASE_URL"] = database_url
    cookie = login_cookie(database_url, args.user)
    urls = {title: url for _, title, _, _, url in app_pages()}
    app_port, yard_port = stack.replica_ports(2, 8611)
    times: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="browser-") as tmp, \
            stack.replica(database_url, app_port, as_of=as_of, log_dir=Path(tmp)), \
            stack.replica(database_url, yard_port, as_of=as_of, log_dir=Path(tmp), script="bench/one_chart.py"):
        app, yard = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{yard_port}"
        targets = [(YARDSTICK, yard, None, "")] + [(t, app, cookie, urls[t]) for t in args.pages]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else None)
            for title, base, ck, path in targets:  # the servers' caches, the browser's first start
                open_page(browser, base, ck, title, path, args.timeout)
            for n in range(args.repeat):
                for title, base, ck, path in targets:
                    cold, warm = open_page(browser, base, ck, title, path, args.timeout)
                    times.setdefault(title, []).append((cold, warm))
                    print(f"round {n + 1}  {title:6} cold {cold:5.2f} s  warm {warm:5.2f} s", flush=True)
            browser.close()
    rows = {title: {"cold": round(results.median([c for c, _ in runs]), 3),
                    "warm": round(results.median([w for _, w in runs]), 3),
                    "cold_each": [round(c, 3) for c, _ in runs], "warm_each": [round(w, 3) for _, w in runs]}
            for title, runs in times.items()}
    yard_row = rows.pop(YARDSTICK)
    summary = {}
    for key, target in (("cold", TARGET_BROWSER_COLD), ("warm", TARGET_BROWSER_WARM)):
        page = max(rows, key=lambda t: rows[t][key])
        ratio = rows[page][key] / yard_row[key]
        summary[key] = {"page": page, "seconds": rows[page][key], "one_chart": yard_row[key],
                        "ratio": round(ratio, 2), "target_ratio": target}
        print(f"slowest page {key}: {page} {rows[page][key]:.2f} s, the one-chart page {yard_row[key]:.2f} s: "
              f"{ratio:.2f}× (target ≤ {target:g}×)")
    if not args.no_results:
        results.merge("browser", {"database": label, "browser": "Debian Chromium, headless", "repeat": args.repeat,
                                  "quiet_s": QUIET_S, "one_chart": yard_row, "pages": rows, **summary})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
