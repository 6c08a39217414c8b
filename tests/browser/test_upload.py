"""数据导入 in Chromium, through the real file input: a bad file is answered with the cell it is wrong in and leaves
the database as it was; a good 任务进度 file is previewed against the current figure, imported on 确认导入, and the
new figure is on 任务清单. Screenshots go to tests/artifacts/screens."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from tests.browser.conftest import (
    SCREENS,
    build_demo_db,
    full_page_screenshot,
    new_page,
    require_browser,
    serve,
    wait_for_app_run,
)
from tests.seed.fixtures import HEADERS, snapshot, xlsx

pytestmark = pytest.mark.browser

TITLE = "2022年10月各监管所任务完成情况（累计）"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    """A demo database of its own: these tests write to it, the other browser tests read theirs."""
    require_browser()
    tmp = tmp_path_factory.mktemp("upload")
    with serve(build_demo_db(tmp, tmp_path_factory), tmp) as running:
        yield running


@pytest.fixture
def office_page(browser, upload_app, outside):
    context, p = new_page(browser, upload_app, outside, "office")
    yield p
    context.close()


def state(app) -> dict[str, int]:
    counts = snapshot(get_engine(app.db))
    dispose_engines()
    return counts


def october(app, station: str, indicator: str) -> tuple[float, float]:
    """(target, October's 累计完成) of a station's indicator in 2022."""
    with Session(get_engine(app.db)) as s:
        sid = s.exec(select(m.Station.id).where(m.Station.name == station)).one()
        iid = s.exec(select(m.TaskIndicator.id).where(m.TaskIndicator.code == indicator)).one()
        target = s.exec(select(m.StationTarget.target).where(
            m.StationTarget.station_id == sid, m.StationTarget.indicator_id == iid, m.StationTarget.year == 2022)).one()
        done = s.exec(select(m.StationProgress.cumulative).where(
            m.StationProgress.station_id == sid, m.StationProgress.indicator_id == iid,
            m.StationProgress.year == 2022, m.StationProgress.month == 10)).one()
    dispose_engines()
    return target, done


def open_import(page, app) -> None:
    page.goto(f"{app.url}/import")
    wait_for_app_run(page)
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    page.get_by_text("2. 上传并检查").wait_for()


def choose(page, name: str, content: bytes) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def cells(page, header: str) -> list[list[str]]:
    """The rows of the table with this column header, read from the grid's accessible table (its visible rows).
    On a page with several tables, name a header only one of them has: "the first grid with a header they share"
    is whichever drew its accessible table first."""
    grid = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text=header)).first
    grid.locator("td").first.wait_for(state="attached", timeout=30_000)  # drawn on a canvas, listed off-screen
    rows = grid.locator("tbody tr")
    return [[t.strip() for t in rows.nth(i).locator("td").all_text_contents()] for i in range(rows.count())]


def rows_of(page, header: str, first_two: list[str], timeout: float = 30.0) -> list[list[str]]:
    """The rows starting with `first_two` of the table with this header, polled until some are listed (a grid may
    list its accessible rows a moment after the script run ends); [] when none come within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in cells(page, header) if r[:2] == first_two]
        if found or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(250)


def test_a_bad_cell_is_named_and_nothing_is_written(office_page, upload_app, outside):
    page, app = office_page, upload_app
    before = state(app)
    open_import(page, app)
    rows = [[TITLE], HEADERS, ["明水所", 15, 3, 4, 2], ["双山所", 12, 2, 3, 1], ["刁镇所", 6, "三家半", 2, 1]]
    choose(page, "十月进度.xlsx", xlsx(rows, title="十月"))
    page.get_by_text("共1处错误：未写入任何数据").wait_for(timeout=60_000)
    wait_for_app_run(page)
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    found = cells(page, "单元格")
    assert [r[:4] for r in found] == [["十月进度.xlsx", "十月", "C5", "食品小作坊提升（新升级为食品生产企业数量）"]]
    assert found[0][4] == "三家半"
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert page.get_by_text("下载标注错误的原文件：十月进度.xlsx").is_visible()
    full_page_screenshot(page, SCREENS / "import-errors.png")
    assert state(app) == before  # row counts of every table and data_version
    outside.check()


def test_a_good_file_is_previewed_imported_and_shown_on_the_task_page(office_page, upload_app, outside):
    page, app = office_page, upload_app
    target, now = october(app, "明水所", "示范创建")
    new = now + 3
    before = state(app)
    open_import(page, app)
    rows = [[TITLE], ["监管所", "食品小作坊示范创建"], ["明水所", new]]
    choose(page, "明水十月.xlsx", xlsx(rows))
    page.get_by_role("button", name="确认导入").wait_for(timeout=60_000)
    wait_for_app_run(page)
    preview = cells(page, "导入后")
    assert [r[2:5] + r[6:8] for r in preview] == [["明水所", "示范创建", "2022年10月", f"{now:g}", f"{new:g}"]]
    full_page_screenshot(page, SCREENS / "import-preview.png")
    assert state(app) == before  # only the dry run so far

    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("导入完成：批次").wait_for(timeout=60_000)
    wait_for_app_run(page)
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    after = state(app)
    assert after["data_version"] == before["data_version"] + 1
    assert after["import_batch"] == before["import_batch"] + 1
    assert october(app, "明水所", "示范创建") == (target, new)

    # 监管所明细 of 明水所 (各监管所进度 opens worst first and lists only the rows in view)
    page.goto(f"{app.url}/tasks?task_station=明水所")
    wait_for_app_run(page)
    grid = page.locator(".st-key-station-box [data-testid=stDataFrame]")
    grid.locator("td").first.wait_for(state="attached", timeout=30_000)
    rows = grid.locator("tbody tr")
    mine = [r for r in ([t.strip() for t in rows.nth(i).locator("td").all_text_contents()]
                        for i in range(rows.count())) if r[:1] == ["示范创建"]]
    assert [r[1:3] for r in mine] == [[f"{target:g}", f"{new:g}"]]
    full_page_screenshot(page, SCREENS / "import-tasks-after.png")

    page.goto(f"{app.url}/import-log")
    wait_for_app_run(page)
    assert page.get_by_test_id("stException").count() == 0, app.log_tail()
    # "用户": a column the grid always lists (a grid lists only the columns in view, and a long file name can push
    # SHA256 out of it)
    newest = cells(page, "用户")[0]
    assert [newest[1], *newest[3:7]] == ["已导入", "office", "文件导入", "明水十月.xlsx", "任务进度"]
    assert page.get_by_role("button", name="撤销该批次").is_visible()
    full_page_screenshot(page, SCREENS / "import-log.png")
    outside.check()
