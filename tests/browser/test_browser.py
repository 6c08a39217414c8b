"""Every page in Chromium: it loads without an exception, shows the 示例数据 banner, asks no outside host for
anything, and leaves a full-page screenshot in tests/artifacts/screens; the map draws its outline and dots."""

from __future__ import annotations

from io import BytesIO

import pytest

from services.rules import style
from tests.browser.conftest import SCREENS, full_page_screenshot, wait_for_app_run, wait_for_charts

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
    assert page.get_by_text(BANNER).first.is_visible(), f"{name}: the 示例数据 banner is not visible"


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
    assert page.get_by_text("77.8%").first.is_visible()  # 示范创建 98/126
    assert page.get_by_text("2022年10月").first.is_visible()
    outside.check()


def test_map_draws_outline_and_station_dots(page, app, outside):
    import numpy as np
    from PIL import Image

    open_page(page, app, "map")
    deck = page.get_by_test_id("stDeckGlJsonChart")
    deck.locator("canvas").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(3000)  # deck.gl draws a few frames after the canvas appears
    pixels = np.asarray(Image.open(BytesIO(deck.screenshot())).convert("RGB"))
    full_page_screenshot(page, SCREENS / "map.png")

    boundary = count_close(pixels, BOUNDARY)
    status = {k: count_close(pixels, rgb) for k, rgb in STATUS_RGB.items()}
    assert boundary >= MIN_PIXELS, f"only {boundary} pixels near the district outline colour {BOUNDARY}"
    assert max(status.values()) >= MIN_PIXELS, f"no station dots in the status colours: {status}"
    outside.check()
