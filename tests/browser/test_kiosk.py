"""The 大屏 in Chromium at 1920×1080, opened by its token with no login: it rotates on its own (run_every in the
browser), shows no exception, asks no outside host for anything, leaves a screenshot of every panel in
tests/artifacts/screens, and after a server restart under the open page it reconnects and rotates again."""

from __future__ import annotations

import time

import pytest

from tests.browser import conftest
from tests.browser.conftest import SCREENS, build_demo_db, serve, wait_for_app_run, wait_for_charts

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}
PANELS = {"kpi": "重点指标", "tasks": "任务清单进度", "baobao": "包保督导", "map": "监管所地图", "duban": "督办清单"}
PAGER = ".st-key-kiosk-head [data-testid='stMarkdownContainer']"


def kiosk_page(browser, outside):
    """A fresh zh-CN page the size of the wall screen, with no login cookie, that may only talk to the app."""
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/*", outside.handler)
    page = context.new_page()
    page.on("websocket", outside.websocket)
    return context, page


def pager(page) -> str | None:
    """The header's "第i/N屏 · 面板名", or None while there is none (loading, reconnecting)."""
    try:
        loc = page.locator(PAGER).first
        return loc.inner_text(timeout=500) if loc.count() else None
    except Exception:  # the element was replaced between count and read: try again on the next poll
        return None


# Every text the pager takes, noted in the page as the DOM changes: a panel shown briefly (a slow run followed at
# once by the next, on a busy machine) is seen as well as a polled read would see a long one.
RECORD = """(sel) => {
  const now = () => { const el = document.querySelector(sel); return el ? el.innerText.trim() : ''; };
  if (!window.__pagerObserver) {
    window.__pagerObserver = new MutationObserver(() => {
      const t = now(), seen = window.__pagerSeen;
      if (t && t !== seen[seen.length - 1]) seen.push(t);
    });
    window.__pagerObserver.observe(document, {subtree: true, childList: true, characterData: true});
  }
  window.__pagerSeen = now() ? [now()] : [];
}"""


def watch(page, app, *, changes: int, timeout: float) -> list[str]:
    """The pager's texts in order until it has changed `changes` times; fails on an exception or a timeout."""
    page.evaluate(RECORD, PAGER)
    deadline = time.monotonic() + timeout
    while True:
        assert page.get_by_test_id("stException").count() == 0, (
            f"{page.get_by_test_id('stException').first.inner_text()}\n--- server log ---\n{app.log_tail()}")
        seen = page.evaluate("window.__pagerSeen")
        if len(seen) > changes:
            return seen[:changes + 1]
        if time.monotonic() > deadline:
            pytest.fail(f"the kiosk changed panel {len(seen) - 1} times in {timeout} s: {seen}\n{app.log_tail()}")
        page.wait_for_timeout(200)


def test_the_kiosk_rotates_by_itself(browser, app, outside):
    context, page = kiosk_page(browser, outside)
    try:
        page.goto(f"{app.url}/kiosk?token=demo-kiosk&rotate=3")
        wait_for_app_run(page)
        assert page.get_by_role("dialog").count() == 0  # no "page not found"
        assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id("stSidebar").is_visible()
        assert not page.get_by_test_id("stHeader").is_visible()  # no menu, no running indicator
        assert page.get_by_text("示例数据：").first.is_visible()
        assert page.get_by_text("数据截至2022年10月31日").first.is_visible()
        seen = watch(page, app, changes=4, timeout=90)
        titles = list(PANELS.values())
        first = titles.index(seen[0].split(" · ")[1])
        assert seen == [f"第{(first + i) % 5 + 1}/5屏 · {titles[(first + i) % 5]}" for i in range(len(seen))]
        assert page.get_by_role("button").count() == 0 and page.get_by_role("textbox").count() == 0
        assert "Traceback" not in app.log_tail(20_000)
        outside.check()
    finally:
        context.close()


WALL_SCREENS = {"1920x1080": {"width": 1920, "height": 1080}, "1366x768": {"width": 1366, "height": 768}}
PHONE = {"width": 390, "height": 844}
# Text boxes on the screen: what a person reads (chart text is drawn on a canvas and checked in the specs).
TEXT_BOXES = ("[data-testid=stMain] p, [data-testid=stMain] h3, [data-testid=stMain] th, [data-testid=stMain] td, "
              "[data-testid=stMetricValue], [data-testid=stMetricLabel]")
# Labels written on one line that a panel must show whole: card titles, headings, table headers.
WHOLE_LABELS = ("[data-testid=stMetricLabel] p, [class*=st-key-kiosk-kpi-] p, [class*=st-key-kiosk-task-] p, "
                "[data-testid=stMain] h3, [data-testid=stTable] th, .st-key-kiosk-head p")
MEASURE = """([boxes, labels]) => {
  const m = document.querySelector('[data-testid=stMain]');
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                          && getComputedStyle(e).visibility !== 'hidden' && e.innerText.trim() !== ''; };
  const els = [...document.querySelectorAll(boxes)].filter(visible);
  const overlaps = [];
  for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++) {
    const a = els[i], b = els[j];
    if (a.contains(b) || b.contains(a)) continue;
    const r = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
    const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
    if (w > 2 && h > 2) overlaps.push([a.innerText.slice(0, 20), b.innerText.slice(0, 20)]);
  }
  const clipped = [...document.querySelectorAll(labels)].filter(visible)
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 2)
    .map(e => e.innerText.slice(0, 30));
  return {below: m.scrollHeight - m.clientHeight, right: document.documentElement.scrollWidth - innerWidth,
          mainRight: m.scrollWidth - m.clientWidth, overlaps, clipped, n: els.length};
}"""


def hold_panel(browser, app, outside, panel: str, viewport: dict):
    """One panel held still (?panels=…&rotate=600) at this size, drawn; returns (context, page)."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/*", outside.handler)
    page = context.new_page()
    page.on("websocket", outside.websocket)
    page.goto(f"{app.url}/kiosk?token=demo-kiosk&panels={panel}&rotate=600")
    wait_for_app_run(page)
    wait_for_charts(page)
    if panel == "map":
        page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(2500)  # charts and deck.gl draw a few frames after they attach
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    assert pager(page) == f"第1/1屏 · {PANELS[panel]}"
    return context, page


@pytest.mark.parametrize("size", list(WALL_SCREENS))
@pytest.mark.parametrize("panel", list(PANELS))
def test_every_panel_fits_the_screen(browser, app, outside, panel, size):
    """An unattended screen is never scrolled: at 1920×1080 and 1366×768 every panel fits without scrolling, no
    card title or heading is cut, and no two text boxes overlap. Screenshots in tests/artifacts/screens."""
    context, page = hold_panel(browser, app, outside, panel, WALL_SCREENS[size])
    try:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"kiosk-{panel}-{size}.png"), animations="disabled")
        got = page.evaluate(MEASURE, [TEXT_BOXES, WHOLE_LABELS])
        assert got["n"] > 5, got  # the panel's text was found
        assert got["below"] <= 2 and got["right"] <= 0 and got["mainRight"] <= 0, (
            f"{panel} at {size}: content beyond the screen {got}")
        assert got["clipped"] == [], f"{panel} at {size}: labels cut {got['clipped']}"
        assert got["overlaps"] == [], f"{panel} at {size}: overlapping text {got['overlaps']}"
        if panel == "baobao":  # the six card labels in full, on one line each
            labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
            assert labels == ["包保覆盖率", "督导完成率（本季度）", "高风险现场督导率", "问题整改率", "隐患整改率",
                              "逾期未整改问题"]
        outside.check()
    finally:
        context.close()


@pytest.mark.parametrize("panel", list(PANELS))
def test_every_panel_on_a_phone_has_no_sideways_scroll(browser, app, outside, panel):
    """At 390×844 a panel scrolls down, never sideways; the header wraps and no two text boxes overlap."""
    context, page = hold_panel(browser, app, outside, panel, PHONE)
    try:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"kiosk-{panel}-390x844.png"), animations="disabled")
        got = page.evaluate(MEASURE, [TEXT_BOXES, ".st-key-kiosk-head p, [data-testid=stMetricLabel] p"])
        assert got["right"] <= 0 and got["mainRight"] <= 0, f"{panel}: sideways scroll {got}"
        assert got["clipped"] == [] and got["overlaps"] == [], got
        assert page.get_by_text("数据截至2022年10月31日").first.is_visible()
        outside.check()
    finally:
        context.close()


def test_rotation_resumes_after_a_server_restart(browser, outside, tmp_path, tmp_path_factory, monkeypatch):
    """Stop the server under the open page, start a new one on the same port and database: the page reconnects
    by itself and rotates again with the URL's panels and interval."""
    url = build_demo_db(tmp_path, tmp_path_factory)
    port = conftest._free_port()
    monkeypatch.setattr(conftest, "_free_port", lambda: port)  # serve() on this very port, twice
    context, page = kiosk_page(browser, outside)
    try:
        with serve(url, tmp_path) as first:
            page.goto(f"{first.url}/kiosk?token=demo-kiosk&rotate=3&panels=duban,kpi")
            wait_for_app_run(page)
            before = watch(page, first, changes=1, timeout=60)
            assert all("/2屏" in text for text in before)
        # The server is gone: the page notices and keeps trying to reconnect.
        page.wait_for_selector("[data-testid='stApp']:not([data-test-connection-state='CONNECTED'])",
                               timeout=30_000)
        page.wait_for_timeout(3000)
        with serve(url, tmp_path) as second:
            assert second.url == first.url
            page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=120_000)
            after = watch(page, second, changes=2, timeout=120)
            assert all(t.startswith(("第1/2屏", "第2/2屏")) for t in after), after
            assert {t.split(" · ")[1] for t in after} == {"督办清单", "重点指标"}
            assert "Traceback" not in second.log_tail(20_000)
        outside.check()
    finally:
        context.close()
