"""Logging in through the form, staying logged in across a reload and an opened link, the cookie (HttpOnly, set by the
server), sessions that end for good (logout, disabling, a new password), the login's expiry, and the client address
behind forged headers."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from services.sessions import COOKIE
from tests.browser.conftest import SCREENS, login, new_page, serve, wait_for_app_run

pytestmark = pytest.mark.browser

OFFICE = "当前用户：演示·食安办（食安办）"


def _logged_in_as(page, text: str) -> bool:
    """The account line shows and the form is gone (waiting out a rerun that has not finished yet)."""
    expect(page.get_by_text(text)).to_be_visible(timeout=20_000)
    expect(page.get_by_label("用户名")).to_have_count(0, timeout=20_000)
    return True


def _form_shown(page) -> bool:
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("当前用户：")).to_have_count(0, timeout=20_000)
    return True


def test_office_logs_in_through_the_form_and_stays_logged_in(anon_page, app, outside):
    page = anon_page
    page.goto(app.url)
    wait_for_app_run(page)
    assert _form_shown(page)
    assert page.get_by_test_id("stSidebarNav").count() == 0  # nothing but the form before a login
    page.screenshot(path=str(SCREENS / "login.png"))

    login(page, app, "office")
    assert _logged_in_as(page, OFFICE), app.log_tail()
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "总览" in nav and "用户管理" not in nav  # 用户管理 is the administrator's

    cookies = {c["name"]: c for c in page.context.cookies()}
    assert COOKIE in cookies, "the login cookie was not set"
    assert cookies[COOKIE]["httpOnly"] is True and cookies[COOKIE]["sameSite"] == "Lax"
    assert cookies[COOKIE]["expires"] > time.time() + 7 * 3600  # SESSION_HOURS=8 by default
    assert COOKIE not in page.evaluate("document.cookie"), "the page's scripts can read the login token"

    page.reload()
    wait_for_app_run(page)
    assert _logged_in_as(page, OFFICE), "a reload asked for the password again"

    link = page.context.new_page()  # an opened link in the same browser
    link.goto(f"{app.url}/tasks?year=2022年&month=9月")
    wait_for_app_run(link)
    assert _logged_in_as(link, OFFICE)
    assert link.get_by_role("heading", name="任务清单 · 2022年9月").count() == 1

    link.get_by_role("button", name="退出登录").click()
    wait_for_app_run(link)
    assert _form_shown(link)
    link.wait_for_timeout(500)
    link.reload()
    wait_for_app_run(link)
    assert _form_shown(link), "after 退出登录 a reload must not log in again"
    outside.check()


def test_logging_out_right_after_logging_in_removes_the_cookie(anon_page, app, outside):
    page = anon_page
    login(page, app, "office")
    assert _logged_in_as(page, OFFICE)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    wait_for_app_run(page)
    assert COOKIE not in {c["name"] for c in page.context.cookies() if c["value"]}
    page.reload()
    wait_for_app_run(page)
    assert _form_shown(page), "after 退出登录 a reload must not log in again"
    outside.check()


def test_a_wrong_password_says_the_same_as_an_unknown_user(anon_page, app, outside):
    page = anon_page
    login(page, app, "office", "wrong-password")
    assert page.get_by_text("用户名或密码错误").is_visible()
    login(page, app, "nobody-here", "wrong-password")
    assert page.get_by_text("用户名或密码错误").is_visible()
    assert COOKIE not in {c["name"] for c in page.context.cookies()}
    outside.check()


def test_the_login_expires_after_its_configured_time(browser, tmp_path, app, outside):
    """SESSION_HOURS=0.01 (36 seconds): a reload within it stays logged in, one after it shows the form."""
    with serve(app.db, tmp_path, SESSION_HOURS="0.01") as short:
        context, page = new_page(browser, short, outside, None)
        try:
            login(page, short, "leader")
            started = time.monotonic()  # the token was issued before this moment
            assert _logged_in_as(page, "当前用户：演示·领导（领导）"), short.log_tail()
            page.wait_for_timeout(500)
            page.reload()
            wait_for_app_run(page)
            assert _logged_in_as(page, "当前用户：演示·领导（领导）")
            assert time.monotonic() - started < 33, "too slow to check the login within its lifetime"
            page.wait_for_timeout(max(0.0, started + 38 - time.monotonic()) * 1000)
            page.reload()
            wait_for_app_run(page)
            assert _form_shown(page), "the login outlived SESSION_HOURS"
        finally:
            context.close()
    outside.check()


def test_a_station_account_is_refused_another_stations_lists(anon_page, app, outside):
    """mingshui (明水所) logs in through the form, then edits the link to 双山所: figures yes, names no."""
    page = anon_page
    login(page, app, "mingshui")
    assert _logged_in_as(page, "当前用户：演示·明水所（监管所 · 明水所）")
    refusal = "监管所账号只能查看本所（明水所）的主体、督导、问题和点位名单"

    page.goto(f"{app.url}/baobao?bb_station=双山所")
    wait_for_app_run(page)
    expect(page.get_by_text(refusal).first).to_be_visible(timeout=20_000)
    assert page.get_by_test_id("stMetric").count() >= 5  # the station's figures are still shown
    assert page.get_by_role("button", name="下载（Excel）").count() == 0  # and no list to download

    page.goto(f"{app.url}/tasks?task_station=双山所")
    wait_for_app_run(page)
    expect(page.get_by_text(refusal).first).to_be_visible(timeout=20_000)

    page.goto(f"{app.url}/baobao")  # its own station: the lists are there
    wait_for_app_run(page)
    assert page.get_by_text(refusal).count() == 0
    assert page.get_by_role("button", name="下载（Excel）").count() >= 1
    page.screenshot(path=str(SCREENS / "mingshui-baobao.png"), full_page=True)
    outside.check()


def test_behind_a_trusted_proxy_the_lockout_counts_the_forwarded_client(browser, tmp_path, app, outside):
    """TRUSTED_PROXIES=127.0.0.1: two browsers that differ only by X-Forwarded-For are two clients — five failures
    lock `leader` for the first and not for the second."""
    locked = "登录失败次数过多，请15分钟后再试"
    with serve(app.db, tmp_path, TRUSTED_PROXIES="127.0.0.1") as proxied:
        pages = []
        try:
            for address in ("198.51.100.7", "198.51.100.8"):
                context, page = new_page(browser, proxied, outside, None)
                context.set_extra_http_headers({"X-Forwarded-For": address})
                pages.append((context, page))
            (_, first), (_, second) = pages
            for _ in range(5):
                login(first, proxied, "leader", "wrong-password")
            expect(first.get_by_text(locked)).to_be_visible(timeout=20_000)
            login(second, proxied, "leader")  # the other client is not locked out
            assert _logged_in_as(second, "当前用户：演示·领导（领导）")
        finally:
            for context, _ in pages:
                context.close()
    from sqlmodel import select

    from db import models as m
    from db.authstore import auth_session

    with auth_session(proxied.db) as s:
        clients = set(s.exec(select(m.LoginAttempt.client).where(m.LoginAttempt.username == "leader")).all())
    assert {"198.51.100.7", "198.51.100.8"} <= clients
    outside.check()


def _captured(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == COOKIE]


def _replay(browser, app, outside, cookies: list[dict]):
    """A new browser that holds nothing but the captured cookie opens the overview."""
    context, page = new_page(browser, app, outside, None)
    context.add_cookies(cookies)
    page.goto(f"{app.url}/overview")
    wait_for_app_run(page)
    return context, page


def test_a_cookie_captured_before_logout_is_dead_after_it(browser, anon_page, app, outside):
    """The issue's replay: log in, copy the cookie, log out; the copy, in a fresh browser, meets the login form."""
    login(anon_page, app, "office")
    assert _logged_in_as(anon_page, OFFICE)
    captured = _captured(anon_page)
    assert captured
    context, replay = _replay(browser, app, outside, captured)  # while logged in, the copy works …
    try:
        assert _logged_in_as(replay, OFFICE)
    finally:
        context.close()
    anon_page.get_by_role("button", name="退出登录").click()
    expect(anon_page.get_by_label("用户名")).to_be_visible(timeout=20_000)
    context, replay = _replay(browser, app, outside, captured)  # … and after the logout it is dead
    try:
        assert _form_shown(replay), "a cookie captured before logout still logs in"
    finally:
        context.close()
    outside.check()


def test_disabling_then_enabling_an_account_or_a_new_password_revives_no_cookie(browser, tmp_path, app, outside):
    from sqlmodel import Session

    from db.engine import dispose_engines, get_engine
    from services import accounts
    from services.rules.viewer import SYSTEM
    from tests import dbs

    url = dbs.copy_url(app.db, tmp_path, "revoke.db")
    with serve(url, tmp_path) as own:
        context, page = new_page(browser, own, outside, None)
        try:
            login(page, own, "leader")
            assert _logged_in_as(page, "当前用户：演示·领导（领导）")
            captured = _captured(page)
        finally:
            context.close()
        with Session(get_engine(url)) as s:
            accounts.deactivate(session=s, viewer=SYSTEM, username="leader")
            accounts.activate(session=s, viewer=SYSTEM, username="leader")
        dispose_engines()
        context, replay = _replay(browser, own, outside, captured)
        try:
            assert _form_shown(replay), "user disable then enable revived an old cookie"
            login(replay, own, "leader")  # the account itself works again
            assert _logged_in_as(replay, "当前用户：演示·领导（领导）")
            captured = _captured(replay)
        finally:
            context.close()
        with Session(get_engine(url)) as s:
            accounts.set_password(session=s, viewer=SYSTEM, username="leader", password="Another-pass-2026")
        dispose_engines()
        context, replay = _replay(browser, own, outside, captured)
        try:
            assert _form_shown(replay), "a new password left an old cookie alive"
        finally:
            context.close()
    outside.check()


def test_forged_forwarding_headers_from_loopback_change_no_client(browser, tmp_path, app, outside):
    """No TRUSTED_PROXIES, the app bound to 127.0.0.1 as deploy/ binds it: two browsers that claim different
    X-Forwarded-For / X-Real-IP addresses, and a new browser session, are all the one client 127.0.0.1 — five failures
    lock `leader` for all of them, and the audit log records 127.0.0.1, never the forged address."""
    import datetime as dt

    from sqlmodel import select

    from db import models as m
    from db.authstore import auth_session
    from tests import dbs

    locked = "登录失败次数过多，请15分钟后再试"
    url = dbs.copy_url(app.db, tmp_path, "forged.db")
    started = dt.datetime.now(dt.UTC)  # the copy holds the other tests' attempts
    with serve(url, tmp_path) as plain:
        pages = []
        try:
            for address in ("198.51.100.7", "198.51.100.8", None):
                context, page = new_page(browser, plain, outside, None)
                if address:
                    context.set_extra_http_headers({"X-Forwarded-For": address, "X-Real-IP": address,
                                                    "X-Shian-Peer": address})
                pages.append((context, page))
            (_, first), (_, second), (_, third) = pages
            for _ in range(5):
                login(first, plain, "leader", "wrong-password")
            expect(first.get_by_text(locked)).to_be_visible(timeout=20_000)
            login(second, plain, "leader")  # another forged address: the same client, still locked
            expect(second.get_by_text(locked)).to_be_visible(timeout=20_000)
            login(third, plain, "leader")  # a brand-new browser session: the same client too
            expect(third.get_by_text(locked)).to_be_visible(timeout=20_000)
        finally:
            for context, _ in pages:
                context.close()
        with auth_session(url) as s:
            clients = set(s.exec(select(m.LoginAttempt.client).where(m.LoginAttempt.at >= started)).all())
            audited = set(s.exec(select(m.AuditLog.client).where(
                m.AuditLog.action.in_(["登录", "登录失败"]), m.AuditLog.at >= started)).all())
    assert clients == {"127.0.0.1"} and audited == {"127.0.0.1"}, (clients, audited)
    outside.check()
