"""Every page in Chromium: it loads without an exception, shows the 示例数据 banner, asks no outside host for
anything, and leaves a full-page screenshot in tests/artifacts/screens; the map draws its outline and dots."""

from __future__ import annotations

from io import BytesIO

import pytest
from playwright.sync_api import expect

from components import map_layers
from services.rules import style
from tests.browser.conftest import (
    SCREENS,
    VIEWPORT,
    full_page_screenshot,
    new_page,
    wait_for_app_run,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

# name → (URL path, page title in app.py). Streamlit serves the default page at "/" whatever its url_path says:
# /overview would answer with a "Page not found" dialog and run the main page.
PAGES = {
    "overview": ("", "总览"),
    "baobao": ("baobao", "包保督导"),
    "tasks": ("tasks", "任务清单"),
    "plans": ("plans", "工作要点"),
    "kpis": ("kpis", "指标"),
    "map": ("map", "地图"),
}
BANNER = "示例数据：进度、台账、督导记录与指标数值为生成的演示数据"
BOUNDARY = tuple(style.BOUNDARY_RGBA[:3])
STATUS_RGB = {k: tuple(int(v.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
              for k, v in style.STATUS_COLORS.items() if k != "grey"}
TOLERANCE = 40  # per channel
MIN_PIXELS = 30
PHONE = {"width": 390, "height": 844}


def open_page(page, app, name: str) -> None:
    """Load one page, wait until its script finished, and check the frame: no exception, the right page, banner."""
    path, title = PAGES[name]
    page.goto(f"{app.url}/{path}")
    wait_for_app_run(page)
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, f"{name}: {errors.first.inner_text()}\n--- server log ---\n{app.log_tail()}"
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, f"{name}: {dialogs.first.inner_text()}"
    current = page.get_by_test_id("stSidebarNav").locator("a[aria-current='page']").inner_text()
    assert title in current, f"{name}: the sidebar marks {current!r} as the current page, not {title!r}"
    # Waited for, not merely looked at: on a busy machine the page's last run may still be drawing.
    expect(page.get_by_text(BANNER).first, f"{name}: the 示例数据 banner is not visible").to_be_visible(
        timeout=30_000)


def count_close(pixels, rgb: tuple[int, int, int], tol: int = TOLERANCE) -> int:
    """How many pixels of an H×W×3 array lie within ±tol of rgb in every channel."""
    import numpy as np

    return int((np.abs(pixels.astype(int) - np.array(rgb)) <= tol).all(axis=-1).sum())


@pytest.mark.parametrize("name", [n for n in PAGES if n != "map"])
def test_page_renders(page, app, outside, name):
    open_page(page, app, name)
    wait_for_charts(page)
    page.wait_for_timeout(500)
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    full_page_screenshot(page, SCREENS / f"{name}.png")
    outside.check()


def test_overview_numbers_read_zh_cn(page, app, outside):
    open_page(page, app, "overview")
    expect(page.get_by_text("77.8%").first).to_be_visible(timeout=30_000)  # 示范创建 98/126
    expect(page.get_by_text("2022年10月").first).to_be_visible(timeout=30_000)
    outside.check()


def test_map_draws_outline_and_station_dots(page, app, outside):
    import numpy as np
    from PIL import Image

    open_page(page, app, "map")
    deck = page.get_by_test_id("stDeckGlJsonChart")
    deck.locator("canvas").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(3000)  # deck.gl draws a few frames after the canvas appears
    pixels = np.asarray(Image.open(BytesIO(deck.screenshot())).convert("RGB"))

    boundary = count_close(pixels, BOUNDARY)
    status = {k: count_close(pixels, rgb) for k, rgb in STATUS_RGB.items()}
    assert boundary >= MIN_PIXELS, f"only {boundary} pixels near the district outline colour {BOUNDARY}"
    assert max(status.values()) >= MIN_PIXELS, f"no station dots in the status colours: {status}"
    # The service areas are filled in their stations' colours: 13 red areas, 5 green, none amber (the legend's
    # counts), each a status colour at AREA_ALPHA over the white page.
    areas = {k: count_close(pixels, over_white(rgb), tol=12) for k, rgb in STATUS_RGB.items()}
    assert areas["red"] > areas["green"] > 1000 and areas["amber"] < MIN_PIXELS, areas
    assert page.get_by_text("图例（圆点为监管所，色块为其近似服务范围）").first.is_visible()
    assert page.get_by_text(map_layers.APPROXIMATE).first.is_visible()
    # The map fills the width and most of the screen's height: 72% of 1000 px.
    box = deck.bounding_box()
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert box["height"] >= 0.7 * VIEWPORT["height"] and box["width"] >= main["width"] - 2 * 80, (box, main)
    full_page_screenshot(page, SCREENS / "map.png")
    outside.check()


def over_white(rgb: tuple[int, int, int], alpha: int = map_layers.AREA_ALPHA) -> tuple[int, int, int]:
    return tuple(round(c * alpha / 255 + 255 * (1 - alpha / 255)) for c in rgb)


def test_the_map_on_a_phone(browser, app, outside):
    """At 390×844 the map is 60–80% of the screen's height (a strip of page stays to scroll by) and no wider."""
    context, page = new_page(browser, app, outside, "leader")
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{app.url}/map")
        wait_for_app_run(page)
        deck = page.get_by_test_id("stDeckGlJsonChart")
        deck.locator("canvas").first.wait_for(state="visible", timeout=30_000)
        page.wait_for_timeout(2000)
        box = deck.bounding_box()
        assert 0.6 * PHONE["height"] <= box["height"] <= 0.8 * PHONE["height"], box
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENS / "map-phone.png"), full_page=True)
        outside.check()
    finally:
        context.close()


# Each "−89.1个百分点" of 总览's 需要督办 box, by the lines its characters sit on (1 = kept whole).
LAG_LINES_JS = r"""() => {
  const box = document.querySelector('.st-key-act-now');
  const out = [];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (const m of n.nodeValue.matchAll(/[−+]?\d+(\.\d+)?个百分点/g)) {
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      out.push([m[0], tops.size]);
    }
  }
  return out;
}"""


def test_overview_keeps_a_lag_whole_on_a_phone(browser, app, outside):
    """At 390×844 a line of 需要督办 may wrap, but never inside "−89.1个百分点"."""
    context, page = new_page(browser, app, outside, "leader")
    try:
        page.set_viewport_size(PHONE)
        page.goto(app.url)
        wait_for_app_run(page)
        # Under load the first run may not have started when wait_for_app_run returns: wait for the box itself.
        expect(page.locator(".st-key-act-now")).to_be_visible(timeout=30_000)
        lags = page.evaluate(LAG_LINES_JS)
        assert len(lags) >= 13  # the 13 red stations of the demo
        assert [lag for lag, lines in lags if lines != 1] == []
        outside.check()
    finally:
        context.close()
