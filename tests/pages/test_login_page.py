"""The login form (AppTest): one message for every refusal, the lockout and its unlock, and no clear password kept."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session, select

from components.auth import SESSION_KEY
from db import models as m
from db.authstore import auth_session, auth_url, is_separate
from db.engine import dispose_engines, get_engine
from services import accounts, auth, sessions
from services.rules import passwords
from services.rules.viewer import SYSTEM
from tests import dbs
from tests.pages.conftest import fresh_app

SECRET_PASSWORD = "Zx-unique-pw-7431"


@pytest.fixture
def url(small_url, monkeypatch):
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)
    with Session(get_engine(small_url)) as s:
        accounts.create_user(session=s, viewer=SYSTEM, username="office", password=SECRET_PASSWORD, role="食安办")
    dispose_engines()
    return small_url


def submit(at, username: str, password: str):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()  # the form's submit button
    return at.run()


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def logged_in_as(at) -> str | None:
    """The account of this browser session's server-side login (None: not logged in, or the login has ended)."""
    if SESSION_KEY not in at.session_state:
        return None
    live = sessions.resume(session_id=at.session_state[SESSION_KEY])
    return live.user["username"] if live else None


def test_the_form_logs_in_and_shows_the_pages(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user=None).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    at = submit(at, "office", SECRET_PASSWORD)
    assert not at.exception and not errors(at)
    assert logged_in_as(at) == "office"
    assert any(m.label == "累计完成" for m in at.metric)  # the 总览 page ran
    assert any("当前用户：office（食安办）" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("username", ["office", "nobody"])
def test_unknown_user_and_wrong_password_get_the_same_message(url, monkeypatch, username):
    at = fresh_app(url, monkeypatch, user=None).run()
    at = submit(at, username, "not-the-password")
    assert errors(at) == ["用户名或密码错误"]
    assert SESSION_KEY not in at.session_state


def test_five_failures_lock_the_account_for_this_client_until_the_admin_unlocks(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user=None).run()
    for _ in range(4):
        at = submit(at, "office", "wrong")
        assert errors(at) == ["用户名或密码错误"]
    at = submit(at, "office", "wrong")
    assert errors(at) == ["登录失败次数过多，请15分钟后再试"]
    at = submit(at, "office", SECRET_PASSWORD)  # even the right password, while locked
    assert errors(at) == ["登录失败次数过多，请15分钟后再试"]
    assert SESSION_KEY not in at.session_state

    with Session(get_engine(url)) as s:
        auth.unlock(session=s, viewer=SYSTEM, username="office")
    at = submit(at, "office", SECRET_PASSWORD)
    assert not errors(at)
    assert logged_in_as(at) == "office"


def test_a_disabled_account_is_logged_out_on_its_next_run(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user="office").run()
    assert any(m.label == "累计完成" for m in at.metric)
    with Session(get_engine(url)) as s:
        accounts.deactivate(session=s, viewer=SYSTEM, username="office")
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric


def test_logout_returns_to_the_form_ends_the_session_and_is_audited(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user=None).run()
    at = submit(at, "office", SECRET_PASSWORD)
    sid = at.session_state[SESSION_KEY]
    at.sidebar.button(key="logout").click().run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert SESSION_KEY not in at.session_state
    assert sessions.resume(session_id=sid) is None  # ended on the server: a replayed cookie meets the form
    with auth_session(url) as a:  # the audit log lives in the auth store
        actions = a.exec(select(m.AuditLog.action).where(m.AuditLog.username == "office")).all()
        ended = a.get(m.LoginSession, sid)
    assert actions.count("登录") == 1 and actions.count("退出") == 1
    assert ended.revoked_reason == sessions.ENDED_LOGOUT


def test_sign_out_everywhere_ends_an_open_page(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user="office").run()
    assert any(m.label == "累计完成" for m in at.metric)
    with Session(get_engine(url)) as s:
        assert accounts.sign_out_everywhere(session=s, viewer=SYSTEM, username="office") == 1
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric and SESSION_KEY not in at.session_state


def test_no_password_is_kept_or_logged_in_clear(url, monkeypatch, caplog, capsys, tmp_path):
    caplog.set_level(logging.DEBUG)
    at = fresh_app(url, monkeypatch, user=None).run()
    at = submit(at, "office", SECRET_PASSWORD + "-wrong")
    at = submit(at, "office", SECRET_PASSWORD)
    assert logged_in_as(at) == "office"

    dump = dbs.dump_text(url)
    if is_separate(url):  # SQLite: sign-ins, attempts and the audit log are in a file of their own
        dump += dbs.dump_text(auth_url(url))
    assert "office" in dump and "$2b$" in dump  # the account and its bcrypt hash are there …
    assert SECRET_PASSWORD not in dump  # … and neither the password nor the wrong guess
    captured = capsys.readouterr()
    assert SECRET_PASSWORD not in caplog.text + captured.out + captured.err
    assert SESSION_KEY in repr(at.session_state)  # the repr shows the session's values …
    assert SECRET_PASSWORD not in repr(at.session_state)  # … and the password is not among them


def test_downloading_a_list_is_audited(small_url, monkeypatch):
    import streamlit as st

    made = {}  # key -> the file a click asks the server for (AppTest does not run it; a browser does)
    real = st.download_button

    def spy(label, data, **kwargs):
        made[kwargs.get("key")] = data
        return real(label, data, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    at = fresh_app(small_url, monkeypatch, user="office").run()
    at.switch_page("app_pages/baobao.py").run()
    assert not at.exception
    assert at.download_button(key="dl-not-visited")
    assert made["dl-not-visited"]()[:2] == b"PK"  # the click: the workbook made, and the export audited
    with auth_session(small_url) as a:  # the audit log lives in the auth store
        rows = a.exec(select(m.AuditLog).where(m.AuditLog.action == "导出")).all()
    assert [(r.username, r.role, r.target, r.detail) for r in rows] == [
        ("office", "食安办", "本季度未督导主体_2022年10月.xlsx", {"行数": 2})]  # 店B never, 店C only in Q3
