"""The page folder is app_pages/, not pages/: Streamlit runs a pages/ folder beside the entry script as legacy pages,
without app.py's login gate, until some session has called st.navigation (ARCHITECTURE.md). On a server no session
has reached yet, the first request for a page's URL must still meet the login form and show no figures."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import new_page, serve, wait_for_app_run

FIRST_URLS = ("tasks", "users", "baobao?bb_station=明水所")


def test_a_fresh_servers_first_request_for_a_page_meets_the_login_form(browser, tmp_path, app, outside):
    # A server of its own on a copy of the demo database, so no session has called st.navigation before this one.
    for path in FIRST_URLS:
        with serve(app.db, tmp_path) as fresh:
            context, page = new_page(browser, fresh, outside, None)
            try:
                page.goto(f"{fresh.url}/{path}")
                wait_for_app_run(page)
                expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
                expect(page.get_by_text("当前用户：")).to_have_count(0)
                assert page.get_by_test_id("stSidebarNav").count() == 0, f"/{path}: navigation shown before a login"
                assert page.get_by_test_id("stDataFrame").count() == 0, f"/{path}: a table shown before a login"
                assert page.get_by_test_id("stMetric").count() == 0, f"/{path}: a figure shown before a login"
            finally:
                context.close()
    outside.check()
