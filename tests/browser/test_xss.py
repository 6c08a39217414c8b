"""Names holding HTML, script or Markdown render as inert text in Chromium: a demo database whose station,
businesses, township, cadre, work-plan task, member unit, task item and KPI carry XSS and outside-image payloads;
every page opened as `office` (with the renamed station chosen where a page lists one), the map's tooltip hovered.
No dialog opens, no payload's `window.__xss` marker is set, nothing leaves the server, and the payloads are shown
as the literal text they are."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import text

from db.engine import dispose_engines, get_engine
from services.rules import fmt
from tests.browser.conftest import (
    SCREENS,
    build_demo_db,
    full_page_screenshot,
    new_page,
    require_browser,
    serve,
    wait_for_app_run,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

# Each payload sets its own marker if a browser ever runs it; `src=x` would also be a request to the app server.
STATION = '<img src=x onerror="window.__xss=1">![p](http://evil.example/p.png)双山所'  # station 2 (明水所, station 1, is the mingshui account's)
STATION_UNLOCATED = "![s](http://evil.example/s.png)刁镇所"  # station 3, coordinates removed: named under the map
BUSINESSES = ["<script>alert(1)</script>店", "![x](http://evil.example/x.png)", '<img src=x onerror="window.__xss=2">']
TOWNSHIP = '<svg onload="window.__xss=3">双山街道'
CADRE = "<script>window.__xss=4</script>杨某刚"
UNIT = '<img src=x onerror="window.__xss=5">![u](http://evil.example/u.png)食品生产监管科'  # a unit of 章丘's own plan
TASK_TITLE = '<img src=x onerror="window.__xss=6">![t](http://evil.example/t.png)强化日常监管'
ITEM_BUSINESS = '<iframe src="javascript:top.__xss=7"></iframe>示范店'
KPI_NAME = '<img src=x onerror="window.__xss=8">抽检'
MARKERS = "() => Object.keys(window).filter(k => k.startsWith('__xss'))"


def _plant(url: str) -> None:
    """Write the payloads into the demo database, each where a page shows it first."""
    with get_engine(url).begin() as c:
        sid = c.execute(text("SELECT id FROM station WHERE sort_order = 2")).scalar_one()
        c.execute(text("UPDATE station SET name = :n WHERE id = :id"), {"n": STATION, "id": sid})
        c.execute(text("UPDATE station SET name = :n, lat = NULL, lon = NULL WHERE sort_order = 3"),
                  {"n": STATION_UNLOCATED})
        # Businesses of the station not visited this quarter (the first tab of 包保督导) and overdue problems.
        rows = c.execute(text(
            "SELECT id FROM business WHERE station_id = :sid ORDER BY id LIMIT :n"), {"sid": sid, "n": 40}).scalars()
        ids = list(rows)
        for i, bid in enumerate(ids):
            c.execute(text("UPDATE business SET name = :n WHERE id = :id"),
                      {"n": BUSINESSES[i % len(BUSINESSES)], "id": bid})
        c.execute(text("UPDATE township SET name = :n WHERE station_id = :sid"), {"n": TOWNSHIP, "sid": sid})
        cadre = c.execute(text("SELECT id FROM cadre WHERE station_id = :sid ORDER BY id LIMIT 1"),
                          {"sid": sid}).scalar_one()
        c.execute(text("UPDATE cadre SET name = :n WHERE id = :id"), {"n": CADRE, "id": cadre})
        c.execute(text("UPDATE member_unit SET name = :n WHERE name = '食品生产监管科'"), {"n": UNIT})
        task = c.execute(text(
            "SELECT t.id FROM plan_task t JOIN plan_document p ON p.id = t.plan_id "
            "WHERE p.year = 2022 AND NOT p.is_reference ORDER BY p.id, t.number LIMIT 1")).scalar_one()
        c.execute(text("UPDATE plan_task SET title = :n WHERE id = :id"), {"n": TASK_TITLE, "id": task})
        c.execute(text("UPDATE task_item SET business_name = :n WHERE station_id = :sid"),
                  {"n": ITEM_BUSINESS, "sid": sid})
        kpi = c.execute(text("SELECT id FROM kpi WHERE year = 2022 AND gauged ORDER BY id LIMIT 1")).scalar_one()
        c.execute(text("UPDATE kpi SET name = :n WHERE id = :id"), {"n": KPI_NAME, "id": kpi})
    dispose_engines()


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory):
    """`streamlit run app.py` on a demo database with the payloads planted."""
    require_browser()
    tmp = tmp_path_factory.mktemp("xss")
    url = build_demo_db(tmp, tmp_path_factory)
    _plant(url)
    with serve(url, tmp) as running:
        yield running


class Watch:
    """Dialogs the page opened (each dismissed at once)."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def check_inert(page, app, watch: Watch, outside, where: str) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()}\n--- server log ---\n{app.log_tail()}"
    assert watch.dialogs == [], f"{where}: dialogs opened: {watch.dialogs}"
    assert page.evaluate(MARKERS) == [], f"{where}: a payload ran"
    # No element the payloads describe exists outside Streamlit's own markup.
    for selector in ("img[src='x']", "img[onerror]", "svg[onload]", "iframe[src^='javascript']",
                     "a[href^='javascript']", "img[src*='evil.example']", "a[href*='evil.example']"):
        assert page.locator(selector).count() == 0, f"{where}: {selector} is in the page"
    outside.check()


def open_path(page, app, path: str) -> None:
    page.goto(f"{app.url}/{path}")
    wait_for_app_run(page)
    wait_for_charts(page)
    page.wait_for_timeout(300)


def screenshot(page, name: str, *, full: bool = True) -> None:
    path = SCREENS / f"xss-{name}.png"
    if full:
        full_page_screenshot(page, path)
    else:  # as it is now, e.g. with a tooltip open
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), animations="disabled")


def shown(locator) -> str:
    """The text a reader sees in one element (md_escape's invisible word joiners left out)."""
    assert locator.count() == 1, f"{locator.count()} elements match {locator}"
    return locator.inner_text().replace(fmt.WORD_JOINER, "").strip()


def combobox_value(page, label: str) -> str:
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def first_cell_text(page, table) -> str:
    """The first body cell of a dataframe, read from the cell overlay a double-click opens (the grid is a canvas)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.dblclick(box["x"] + 40, box["y"] + 35 + 17)
    overlay = page.locator("#portal textarea")
    overlay.wait_for(state="attached", timeout=10_000)
    value = overlay.input_value()
    page.keyboard.press("Escape")
    overlay.wait_for(state="detached", timeout=10_000)
    return value


def hover_station(page, db_url: str, sort_order: int):
    """Move the mouse onto a station's dot (its pixel from the deck's opening view) and return the deck tooltip."""
    import math

    from shapely.geometry import shape

    from components import map_layers
    from services import places

    with get_engine(db_url).connect() as c:
        lat, lon = c.execute(text("SELECT lat, lon FROM station WHERE sort_order = :n"), {"n": sort_order}).one()
    dispose_engines()
    view = map_layers.fit_view(shape(places.district_boundary()).bounds, height=620)
    scale = 512 * 2**view.zoom / (2 * math.pi)

    def pixel(la: float, lo: float) -> tuple[float, float]:
        return scale * math.radians(lo), -scale * math.log(math.tan(math.pi / 4 + math.radians(la) / 2))

    (sx, sy), (cx, cy) = pixel(lat, lon), pixel(view.latitude, view.longitude)
    deck = page.get_by_test_id("stDeckGlJsonChart")
    canvas = deck.locator("canvas").first
    canvas.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(3000)  # deck.gl draws a few frames after the canvas appears
    deck.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2 + sx - cx, box["y"] + box["height"] / 2 + sy - cy
    tip = page.locator(".deck-tooltip")
    for dx, dy in ((0, 0), (2, 0), (-2, 0), (0, 2), (0, -2), (4, 4), (-4, -4)):
        page.mouse.move(x + dx, y + dy)
        page.wait_for_timeout(500)
        if tip.count() and tip.first.is_visible() and tip.first.inner_text().strip():
            return tip.first
    pytest.fail(f"no tooltip at the station's dot ({x:.0f}, {y:.0f})")


def test_payloads_render_as_inert_text(browser, xss_app, outside):
    context, page = new_page(browser, xss_app, outside, "office")
    watch = Watch(page)
    try:
        # 总览: the lagging stations table and the narrative name the renamed station; a KPI gauge its name.
        open_path(page, xss_app, "")
        check_inert(page, xss_app, watch, outside, "总览")
        screenshot(page, "overview")

        # 包保督导 for the renamed station (by its URL parameter, as a shared link would choose it).
        open_path(page, xss_app, f"baobao?bb_station={quote(STATION)}")
        assert combobox_value(page, "范围") == STATION
        assert first_cell_text(page, page.get_by_test_id("stDataFrame").nth(1)) in BUSINESSES
        check_inert(page, xss_app, watch, outside, "包保督导")
        screenshot(page, "baobao")
        page.get_by_role("tab", name="逾期未整改问题").click()
        page.wait_for_timeout(500)
        check_inert(page, xss_app, watch, outside, "包保督导 › 逾期未整改问题")
        page.get_by_role("tab", name="按干部查看").click()
        cadre = page.get_by_role("combobox", name="包保干部", exact=True)
        cadre.click()
        cadre.fill("杨某刚")
        option = page.get_by_role("option").filter(has_text=CADRE).first
        option.wait_for(timeout=10_000)
        option.click()
        wait_for_app_run(page)
        assert combobox_value(page, "包保干部").startswith(CADRE)
        check_inert(page, xss_app, watch, outside, "包保督导 › 按干部查看")
        screenshot(page, "baobao-cadre")

        # 任务清单 with the station chosen: its rows, its task items (business names) and the ranking chart.
        open_path(page, xss_app, f"tasks?task_station={quote(STATION)}")
        assert combobox_value(page, "选择监管所").startswith(STATION)
        check_inert(page, xss_app, watch, outside, "任务清单")
        screenshot(page, "tasks")

        # 工作要点: the task list with the renamed task, then the renamed member unit's view (a URL parameter).
        open_path(page, xss_app, "plans")
        page.get_by_role("tab", name="要点清单").click()
        page.wait_for_timeout(500)
        check_inert(page, xss_app, watch, outside, "工作要点")
        open_path(page, xss_app, f"plans?unit={quote(UNIT)}")
        assert combobox_value(page, "成员单位视图") == UNIT
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="成员单位视图：")
        assert shown(caption) == f"成员单位视图：{UNIT}——只计它以任何身份参与的要点。"
        check_inert(page, xss_app, watch, outside, "工作要点 › 成员单位视图")
        screenshot(page, "plans")

        # 指标: the renamed KPI's heading, gauge title and tooltip.
        open_path(page, xss_app, "kpis")
        assert page.get_by_role("heading", name=KPI_NAME).first.is_visible()
        check_inert(page, xss_app, watch, outside, "指标")
        screenshot(page, "kpis")

        # 地图: the station without coordinates is named under the map; the renamed one's tooltip and card.
        open_path(page, xss_app, "map")
        warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="没有坐标")
        assert shown(warning).endswith(f"未在图上显示：{STATION_UNLOCATED}")
        assert warning.locator("a, img").count() == 0
        tip = hover_station(page, xss_app.db, 2)
        assert tip.inner_text().splitlines()[0] == STATION
        assert tip.locator("img, svg, script, iframe").count() == 0
        check_inert(page, xss_app, watch, outside, "地图 › 提示框")
        screenshot(page, "map-tooltip", full=False)
        page.mouse.move(5, 5)
        chooser = page.get_by_role("combobox", name="监管所", exact=True)
        chooser.click()
        chooser.fill("双山所")
        page.get_by_role("option", name=STATION, exact=True).click()
        wait_for_app_run(page)
        assert shown(page.get_by_test_id("stHeading").filter(has_text="双山所")) == STATION
        check_inert(page, xss_app, watch, outside, "地图 › 监管所")
        screenshot(page, "map")
    finally:
        context.close()


# --- text two pages outside this change still print as Markdown ------------------------------------------------

INDICATOR = '![i](http://evil.example/i.png)<img src=x onerror="window.__xss=9">活动'  # an indicator's short name
RULE_NOTE = "![r](http://evil.example/r.png)各层级每季度至少督导1次"  # a visit rule's note


@pytest.fixture(scope="module")
def pending_app(tmp_path_factory):
    require_browser()
    tmp = tmp_path_factory.mktemp("xss-pending")
    url = build_demo_db(tmp, tmp_path_factory)
    with get_engine(url).begin() as c:
        c.execute(text("UPDATE task_indicator SET code = :n WHERE id = (SELECT max(id) FROM task_indicator)"),
                  {"n": INDICATOR})
        c.execute(text("UPDATE visit_rule SET note = :n WHERE id = (SELECT min(id) FROM visit_rule)"),
                  {"n": RULE_NOTE})
    dispose_engines()
    with serve(url, tmp) as running:
        yield running


def test_indicator_names_and_visit_rules_render_as_text(browser, pending_app, outside):
    context, page = new_page(browser, pending_app, outside, "office")
    watch = Watch(page)
    try:
        open_path(page, pending_app, "tasks")
        check_inert(page, pending_app, watch, outside, "任务清单")
        open_path(page, pending_app, "baobao")
        check_inert(page, pending_app, watch, outside, "包保督导")
    finally:
        context.close()
