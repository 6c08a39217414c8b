"""数据填报 in Chromium at a laptop's 1366×768 and at 1600×1000, for the office and for 明水所: no two of the page's
controls overlap (their bounding boxes do not intersect), no exception, a screenshot of each in
tests/artifacts/screens."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENS, new_page, wait_for_app_run

pytestmark = pytest.mark.browser

SIZES = {"1366x768": {"width": 1366, "height": 768}, "1600x1000": {"width": 1600, "height": 1000}}
# Every control a clerk meets on the page, by its Streamlit test id; labels are checked against the controls too.
CONTROLS = ("stSelectbox", "stButtonGroup", "stTabs", "stDataFrame", "stButton", "stExpander", "stCaptionContainer",
            "stAlertContainer")
BOXES_JS = """(ids) => {
  const out = [];
  for (const id of ids) {
    for (const el of document.querySelectorAll(`[data-testid=stMain] [data-testid=${id}]`)) {
      const panel = el.closest('[role=tabpanel]');
      if (panel && (panel.hidden || getComputedStyle(panel).display === 'none')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      out.push({id, text: (el.innerText || '').slice(0, 30), x: r.x, y: r.y, w: r.width, h: r.height});
    }
  }
  return out;
}"""


def inside(a: dict, b: dict) -> bool:
    """a lies within b (a container such as the tabs holds the controls of its panel)."""
    return (a["x"] >= b["x"] - 1 and a["y"] >= b["y"] - 1 and a["x"] + a["w"] <= b["x"] + b["w"] + 1
            and a["y"] + a["h"] <= b["y"] + b["h"] + 1)


def overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes that intersect (by more than a pixel each way), neither inside the other."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > 1 and dy > 1 and not (inside(a, b) or inside(b, a)):
                found.append((f"{a['id']}:{a['text']!r}", f"{b['id']}:{b['text']!r}"))
    return found


CONTENTS = {"office": ("任务进度", "风险隐患排查整治表", "指标月报"), "mingshui": ("任务进度", "风险隐患排查整治表")}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("user", list(CONTENTS))
def test_no_control_of_the_entry_page_overlaps_another(browser, app, outside, user, size):
    context, page = new_page(browser, app, outside, user)
    try:
        page.set_viewport_size(SIZES[size])
        page.goto(f"{app.url}/entry")
        wait_for_app_run(page)
        for content in CONTENTS[user]:
            page.get_by_test_id("stButtonGroup").get_by_text(content, exact=True).click()
            wait_for_app_run(page)
            assert page.get_by_test_id("stException").count() == 0, app.log_tail()
            page.get_by_test_id("stDataFrame").first.locator("canvas").first.wait_for(state="attached",
                                                                                       timeout=30_000)
            page.wait_for_timeout(300)
            boxes = page.evaluate(BOXES_JS, list(CONTROLS))
            assert {b["id"] for b in boxes} >= {"stSelectbox", "stButtonGroup", "stDataFrame", "stButton"}, boxes
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / f"entry-{user}-{content}-{size}.png"), animations="disabled")
            assert overlaps(boxes) == [], content
            # the month box is wide enough for its whole label, and nothing runs past the main area's right edge
            main = page.get_by_test_id("stMain").bounding_box()
            assert all(b["x"] + b["w"] <= main["x"] + main["width"] + 1 for b in boxes), content
        outside.check()
    finally:
        context.close()
