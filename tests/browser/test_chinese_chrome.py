"""Streamlit's own English, said in Chinese, as a zh-CN Chromium shows it (issue 16 items 3 and 6): the office's
menu shows every page in its three sections with no "View 3 more"; the uploader reads 选择文件 and the importer's
20 MB cap; a 监管所 account opening /users meets 无权访问, not "Page not found"; /overview is a page like any other;
the login form has no "Press Enter"; a 390-wide phone starts with the sidebar collapsed, a desktop with it open; a
page whose run fails says so in Chinese, with no English and no detail of the failure. Screenshots go to tests/artifacts/screens/chrome-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from components import chrome
from services.rules import permissions
from tests.browser import failing_server
from tests.browser.conftest import SCREENS, build_demo_db, new_page, require_browser, serve, wait_for_app_run
from tests.pages.test_roles import EXPECTED_NAV

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def visible_text(page, testid: str) -> str:
    return page.get_by_test_id(testid).first.inner_text()


def after_content(page, selector: str) -> str:
    """The text a ::after rule draws on the first element matching selector."""
    return page.evaluate("s => getComputedStyle(document.querySelector(s), '::after').content", selector)


def no_dialog(page) -> None:
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, dialogs.first.inner_text()


def test_the_office_menu_shows_every_page_in_sections_without_view_more(browser, app, outside):
    context, page = new_page(browser, app, outside, "office")
    page.goto(app.url)
    wait_for_app_run(page)
    no_dialog(page)
    nav = page.get_by_test_id("stSidebarNav")
    assert page.get_by_test_id("stSidebarNavViewButton").count() == 0  # Streamlit's "View 3 more" / "View less"
    links = nav.locator("a")
    titles = [links.nth(i).inner_text().split("\n")[-1].strip() for i in range(links.count())]
    assert titles == EXPECTED_NAV["office"]
    for i in range(links.count()):
        assert links.nth(i).is_visible(), titles[i]
    headers = page.get_by_test_id("stNavSectionHeader")
    assert [headers.nth(i).inner_text().strip() for i in range(headers.count())] == ["看板", "数据", "系统管理"]
    assert page.url == f"{app.url}/overview"  # "/" opened the first page at its own URL
    assert "View" not in nav.inner_text()
    page.screenshot(path=str(SCREENS / "chrome-office-menu.png"))
    context.close()
    outside.check()


def test_the_uploader_reads_chinese_with_the_importers_cap(browser, app, outside):
    context, page = new_page(browser, app, outside, "office")
    page.goto(f"{app.url}/import")
    wait_for_app_run(page)
    uploader = page.get_by_test_id("stFileUploader")
    text = uploader.inner_text()
    assert "Upload" not in text and "per file" not in text and "200" not in text, text
    button = "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer']"
    assert after_content(page, button) == '"选择文件"'
    instructions = "[data-testid='stFileUploaderDropzoneInstructions'] > div"
    assert after_content(page, instructions) == '"每个文件不超过20 MB · 支持 XLSX、XLSM、XLS、ET、CSV、TXT"'
    assert uploader.get_by_role("button").first.is_visible()
    uploader.scroll_into_view_if_needed()
    uploader.screenshot(path=str(SCREENS / "chrome-uploader.png"))
    # The skip link for keyboard users is not left in English.
    assert not page.get_by_test_id("stSkipToContent").is_visible()
    assert "Skip to main content" not in page.locator("body").inner_text()
    context.close()
    outside.check()


@pytest.mark.parametrize(("url", "title"), [("users", "用户管理"), ("audit", "审计日志"), ("briefing", "会议材料"),
                                            ("settings", "系统设置")])
def test_a_station_account_opening_a_page_it_may_not_sees_wu_quan_fang_wen(browser, app, outside, url, title):
    context, page = new_page(browser, app, outside, "mingshui")
    page.goto(f"{app.url}/{url}")
    wait_for_app_run(page)
    no_dialog(page)  # not Streamlit's "Page not found … Running the app's main page"
    main = visible_text(page, "stMain")
    assert f"无权访问：当前账号不能打开“{title}”页面。" in main
    assert f"此页面供{'、'.join(permissions.roles_for(title))}账号使用" in main
    assert "Page not found" not in page.locator("body").inner_text()
    assert title not in page.get_by_test_id("stSidebarNav").inner_text()  # still not in its menu
    if url == "users":
        page.screenshot(path=str(SCREENS / "chrome-forbidden.png"))
    context.close()
    outside.check()


def test_the_first_pages_own_url_is_a_page_like_any_other(browser, app, outside):
    context, page = new_page(browser, app, outside, "mingshui")
    page.goto(f"{app.url}/overview?year=2022年&month=9月")
    wait_for_app_run(page)
    no_dialog(page)
    assert page.get_by_role("heading", name="总览 · 2022年9月").count() == 1
    page.goto(f"{app.url}/?year=2022年&month=9月")  # "/" keeps the link's query parameters
    wait_for_app_run(page)
    no_dialog(page)
    assert page.get_by_role("heading", name="总览 · 2022年9月").count() == 1
    context.close()
    outside.check()


def test_the_login_form_has_no_english_hint(anon_page, app, outside):
    page = anon_page
    for path in ("", "login"):  # "/" and /login: the form, and no "Page not found" over it
        page.goto(f"{app.url}/{path}")
        wait_for_app_run(page)
        no_dialog(page)
        assert page.get_by_label("用户名").count() == 1, path
    page.goto(f"{app.url}/users")  # a link opened before logging in: the form, not "Page not found"
    wait_for_app_run(page)
    no_dialog(page)
    page.get_by_label("用户名").fill("office")  # typing is what shows "Press Enter to submit form"
    page.get_by_label("密码", exact=True).fill("demo")
    page.wait_for_timeout(300)
    body = page.locator("body").inner_text()
    assert "Press Enter" not in body and "Skip to" not in body
    hints = page.get_by_test_id("InputInstructions")
    assert all(not hints.nth(i).is_visible() for i in range(hints.count()))
    outside.check()


def sidebar_width(page) -> float:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return 0.0 if box is None else max(0.0, box["x"] + box["width"])


def test_a_phone_starts_with_the_sidebar_collapsed_and_a_desktop_with_it_open(browser, app, outside):
    context, page = new_page(browser, app, outside, "leader")
    page.set_viewport_size(PHONE)
    page.goto(f"{app.url}/tasks")
    wait_for_app_run(page)
    assert sidebar_width(page) == 0, "the sidebar covers the phone's screen"
    assert visible_text(page, "stMain").startswith("示例数据") or "任务清单" in visible_text(page, "stMain")
    page.screenshot(path=str(SCREENS / "chrome-phone.png"))
    context.close()
    context, page = new_page(browser, app, outside, "leader")  # 1600 wide
    page.goto(f"{app.url}/tasks")
    wait_for_app_run(page)
    assert sidebar_width(page) >= 200
    assert page.get_by_test_id("stSidebarNav").is_visible()
    context.close()
    outside.check()


def test_the_audit_date_range_reads_chinese(browser, app, outside):
    """审计日志's date range: an emptied field shows 年-月-日, its calendar has no English quick select."""
    context, page = new_page(browser, app, outside, "admin")
    page.goto(f"{app.url}/audit")
    wait_for_app_run(page)
    field = page.get_by_test_id("stDateInputField").first
    for part in ("year", "month", "day"):
        field.locator(f"[data-type='{part}']").first.click()
        for _ in range(5):
            page.keyboard.press("Backspace")
    page.wait_for_timeout(300)
    words = [after_content(page, f"[data-testid='stDateInputField'] [data-type='{part}'][data-placeholder]")
             for part in ("year", "month", "day")]
    assert words == ['"年"', '"月"', '"日"']
    page.get_by_test_id("stDateInput").first.screenshot(path=str(SCREENS / "chrome-date-empty.png"))
    page.keyboard.press("Escape")
    page.goto(f"{app.url}/audit")
    wait_for_app_run(page)
    page.get_by_test_id("stDateInputField").first.click()
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_timeout(500)
    body = page.locator("body").inner_text()
    assert "Date range" not in body and "Select" not in body
    page.screenshot(path=str(SCREENS / "chrome-date-calendar.png"))
    context.close()
    outside.check()


@pytest.mark.parametrize("user", ["leader", None])
def test_an_address_no_page_has_is_said_in_chinese(browser, app, outside, user):
    context, page = new_page(browser, app, outside, user)
    page.goto(f"{app.url}/no-such-page")
    wait_for_app_run(page)
    no_dialog(page)  # not Streamlit's "Page not found … Running the app's main page"
    body = page.locator("body").inner_text()
    assert "Page not found" not in body
    if user:
        assert "没有“/no-such-page”这个页面" in visible_text(page, "stMain")
    else:  # not logged in: the login form, as at any page's address
        assert page.get_by_label("用户名").is_visible()
    context.close()
    outside.check()


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """A demo server of its own whose 总览 fails in its run (tests/browser/failing_server.py)."""
    require_browser()
    tmp = tmp_path_factory.mktemp("failing")
    with serve(build_demo_db(tmp, tmp_path_factory), tmp, launcher=Path(failing_server.__file__),
               FAIL_AT="components.overview_parts:headline") as running:
        yield running


def test_a_page_whose_run_fails_says_so_in_chinese_and_nothing_else(browser, failing, outside):
    """Opened at 127.0.0.1, where Streamlit adds "Copy / Ask Google / Ask ChatGPT" to an error box: the box reads
    chrome.UNCAUGHT alone; the failure's message stays in the server's log."""
    context, page = new_page(browser, failing, outside, "leader")
    page.goto(f"{failing.url}/overview")
    wait_for_app_run(page)
    box = page.get_by_test_id("stException")
    assert box.count() == 1
    assert box.inner_text().strip() == chrome.UNCAUGHT
    main = page.get_by_test_id("stMain").inner_text()
    for english in ("This app has encountered", "Copy", "Ask Google", "ChatGPT", "RuntimeError", "secret"):
        assert english not in main
    links = box.locator("a", has_text="Ask Google")
    assert links.count() == 1 and not links.is_visible()  # in the page (at 127.0.0.1), not shown
    page.screenshot(path=str(SCREENS / "chrome-page-failed.png"))
    context.close()
    outside.check()
    assert failing_server.SECRET in failing.log_tail(20_000)  # Streamlit logged the failure for the technician
