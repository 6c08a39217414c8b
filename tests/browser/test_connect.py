"""A page opened at its own URL finds its server at the first try (server.BaseUrlMiddleware): Streamlit's front end
would otherwise ask /<page>/_stcore/health first, get a 404 and wait 100 ms before asking /_stcore/health."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app_run


def test_a_page_url_connects_without_a_failed_probe(page, app, outside):
    asked: list[tuple[str, int]] = []
    page.on("response", lambda r: asked.append((urlsplit(r.url).path, r.status)) if "/_stcore/" in r.url else None)
    for path, title in (("map", "地图"), ("tasks", "任务清单")):
        asked.clear()
        page.goto(f"{app.url}/{path}")
        wait_for_app_run(page)
        expect(page.get_by_role("heading", name=title).first).to_be_visible()
        assert ("/_stcore/health", 200) in asked and ("/_stcore/host-config", 200) in asked, asked
        assert [a for a in asked if a[0].startswith(f"/{path}/") or a[1] >= 400] == [], asked
    outside.check()
