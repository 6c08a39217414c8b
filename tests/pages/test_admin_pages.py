"""用户管理 and 审计日志 as the administrator uses them, on a private copy of the demo database; and that no other
role gets these pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from db import accounts as store
from db import models as m
from db.authstore import AUTH_MODELS, auth_session
from db.engine import get_engine
from services import accounts, auth
from services.rules import passwords
from services.rules.localtime import LOCAL_TZ
from tests import dbs
from tests.pages.conftest import fresh_app
from tests.pages.test_roles import open_url

USERS, AUDIT = "app_pages/users.py", "app_pages/audit.py"
NEW_PASSWORD = "Zq7-wx9!pass"


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def url(demo_url, tmp_path):
    """A copy of the demo database for one test: these tests change accounts, the shared one stays as built."""
    return dbs.copy_url(demo_url, tmp_path, "admin.db")


def admin_page(url, monkeypatch, page=USERS):
    at = fresh_app(url, monkeypatch, user="admin").run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def session(url) -> Session:
    return Session(get_engine(url))


def count(url, model) -> int:
    """Rows of a table, read where it lives (the audit log, attempts, unlocks and kiosk tokens: the auth store)."""
    with (auth_session(url) if model in AUTH_MODELS else session(url)) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def audit_rows(url, **where) -> list[m.AuditLog]:
    with auth_session(url) as s:
        q = select(m.AuditLog).order_by(m.AuditLog.id)
        for key, value in where.items():
            q = q.where(getattr(m.AuditLog, key) == value)
        return list(s.exec(q).all())


def table(at, column: str):
    """The table that has this column (AppTest does not report a dataframe's key); None when none is shown."""
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


# --- 用户管理 ------------------------------------------------------------------------------------


def test_the_users_page_lists_the_demo_accounts_without_hashes(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    users = table(at, "姓名")
    assert {"leader", "office", "mingshui", "admin"} <= set(users["用户名"])
    assert users.set_index("用户名").loc["mingshui", "监管所"] == "明水所"
    assert "$2b$" not in users.to_csv()
    assert users["创建时间"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d").all()
    live = users.set_index("用户名")["在线登录"]  # live logins per account: this page's own admin among them
    assert live["admin"] >= 1 and (live >= 0).all()
    assert not at.error


def test_adding_a_station_account_through_the_form(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.selectbox(key="new-role").set_value("监管所").run()
    with session(url) as s:
        mingshui = s.exec(select(m.Station.id).where(m.Station.name == "明水所")).one()
    at.text_input(key="new-username-0").input("ZhangQ")
    at.text_input(key="new-display-0").input("张强")
    at.selectbox(key="new-station-0").set_value(mingshui)
    at.text_input(key="new-password-0").input(NEW_PASSWORD)
    at.text_input(key="new-password2-0").input(NEW_PASSWORD)
    button(at, "新增账号").click().run()
    assert not at.exception and not at.error, errors(at)

    with session(url) as s:
        user = auth.get_user(session=s, username="zhangq")
    assert (user["role"], user["station_name"], user["display_name"]) == ("监管所", "明水所", "张强")
    [row] = audit_rows(url, action="用户管理", target="zhangq")
    assert (row.username, row.role, row.detail) == ("admin", "管理员", {"操作": "新增账号", "角色": "监管所",
                                                                       "监管所": "明水所"})
    assert [s.value for s in at.success] == ["已新增账号“zhangq”（监管所）"]
    assert at.text_input(key="new-password-1").value == ""  # a fresh form: the password is not kept
    assert "zhangq" in set(table(at, "姓名")["用户名"])


def test_a_station_account_needs_its_station(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.selectbox(key="new-role").set_value("监管所").run()
    before = count(url, m.AppUser), count(url, m.AuditLog)
    at.text_input(key="new-username-0").input("nostation")
    at.text_input(key="new-password-0").input(NEW_PASSWORD)
    at.text_input(key="new-password2-0").input(NEW_PASSWORD)
    button(at, "新增账号").click().run()
    assert errors(at) == ["监管所账号必须指定所属监管所"]
    assert (count(url, m.AppUser), count(url, m.AuditLog)) == before


def test_a_password_mismatch_shows_an_error_and_writes_nothing(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    before = count(url, m.AppUser), count(url, m.AuditLog)
    at.text_input(key="new-username-0").input("boss")
    at.text_input(key="new-password-0").input(NEW_PASSWORD)
    at.text_input(key="new-password2-0").input(NEW_PASSWORD + "x")
    button(at, "新增账号").click().run()
    assert not at.exception
    assert errors(at) == ["两次输入的密码不一致"]
    assert (count(url, m.AppUser), count(url, m.AuditLog)) == before
    with session(url) as s:
        assert auth.get_user(session=s, username="boss") is None


def test_a_refusal_from_the_data_layer_is_shown_in_chinese(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.text_input(key="new-username-0").input("office")  # exists
    at.text_input(key="new-password-0").input(NEW_PASSWORD)
    at.text_input(key="new-password2-0").input(NEW_PASSWORD)
    button(at, "新增账号").click().run()
    assert not at.exception
    assert errors(at) == ["用户名“office”已存在"]


def test_resetting_a_password(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.selectbox(key="pw-user-0").set_value("office")
    at.text_input(key="pw-new-0").input(NEW_PASSWORD)
    at.text_input(key="pw-new2-0").input(NEW_PASSWORD)
    button(at, "重置密码").click().run()
    assert not at.error, errors(at)
    with session(url) as s:
        assert passwords.verify_password(NEW_PASSWORD, store.get_user_row(s, "office").password_hash)
    [row] = audit_rows(url, action="用户管理", target="office", username="admin")
    assert row.detail == {"操作": "修改密码"}


def test_disabling_and_enabling_an_account(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.selectbox(key="state-user-0").set_value("leader")
    button(at, "停用").click().run()
    assert not at.error, errors(at)
    with session(url) as s:
        assert auth.get_user(session=s, username="leader")["is_active"] is False
    assert table(at, "姓名").set_index("用户名").loc["leader", "状态"] == "停用"
    at.selectbox(key="state-user-1").set_value("leader")
    button(at, "启用").click().run()
    with session(url) as s:
        assert auth.get_user(session=s, username="leader")["is_active"] is True
    rows = audit_rows(url, action="用户管理", target="leader", username="admin")
    assert [r.detail["操作"] for r in rows] == ["停用账号", "启用账号"]


def test_the_last_administrator_cannot_disable_itself(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.selectbox(key="state-user-0").set_value("admin")
    button(at, "停用").click().run()
    assert not at.exception
    assert errors(at) == ["不能停用最后一个可用的管理员账号"]


def test_unlocking_a_locked_username(url, monkeypatch):
    now = dt.datetime.now(dt.UTC)
    with auth_session(url) as s:  # five wrong passwords a minute ago, from one client (in the auth store)
        for i in range(5):
            s.add(m.LoginAttempt(username="office", client="10.0.0.9", at=now - dt.timedelta(seconds=60 - i),
                                 success=False, reason=auth.REASON_WRONG_PASSWORD))
        s.commit()
    at = admin_page(url, monkeypatch)
    locked = table(at, "锁定至")
    assert list(locked["用户名"]) == ["office"] and list(locked["客户端"]) == ["10.0.0.9"]
    at.text_input(key="unlock-user-0").input(" Office ")
    button(at, "解锁").click().run()
    assert not at.error, errors(at)
    with session(url) as s:
        assert auth.lock_until(session=s, username="office", client="10.0.0.9") is None
    with auth_session(url) as a:
        assert [(u.username, u.client, u.by) for u in a.exec(select(m.AccountUnlock)).all()] == [
            ("office", "*", "admin")]
    [row] = audit_rows(url, target="office", username="admin")
    assert row.detail == {"操作": "解锁", "客户端": "全部"}
    assert table(at, "锁定至") is None
    assert "当前没有被锁定的用户名。" in [c.value for c in at.caption]


def test_a_kiosk_token_is_shown_once_and_can_be_disabled(url, monkeypatch):
    at = admin_page(url, monkeypatch)
    at.text_input(key="kiosk-label-0").input("二楼会议室")
    button(at, "新增大屏令牌").click().run()
    assert not at.error, errors(at)
    token, link = (c.value for c in at.code)
    assert link == f"http://<服务器地址>/kiosk?token={token}"
    with session(url) as s:
        assert accounts.check_kiosk_token(session=s, token=token)
    with auth_session(url) as a:  # kiosk tokens live in the auth store
        row = a.exec(select(m.KioskToken).where(m.KioskToken.label == "二楼会议室")).one()
    assert token not in table(at, "编号").to_csv()
    at.run()
    assert not at.code  # shown once only

    at.selectbox(key="kiosk-off-1").set_value(row.id)
    button(at, "停用令牌").click().run()
    assert not at.error, errors(at)
    with session(url) as s:
        assert not accounts.check_kiosk_token(session=s, token=token)
    details = [r.detail["操作"] for r in audit_rows(url, target="二楼会议室", username="admin")]
    assert details == ["新增大屏令牌", "停用大屏令牌"]


# --- 审计日志 ------------------------------------------------------------------------------------


def test_the_audit_page_shows_rows_and_filters_them(url, monkeypatch):
    with auth_session(url) as s:  # the audit log lives in the auth store
        store.add_audit(s, username="office", role="食安办", client="10.0.0.9", action="导入", target="任务进度",
                        detail={"行数": 3})
        s.commit()
    at = admin_page(url, monkeypatch, AUDIT)
    everything = table(at, "详情")
    assert len(everything) >= 2 and {"导入", "用户管理"} <= set(everything["操作"])
    assert everything["时间"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d").all()
    assert everything.iloc[0]["操作"] == "导入"  # newest first

    at.selectbox(key="audit-action").set_value("导入").run()
    imports = table(at, "详情")
    assert list(imports["操作"]) == ["导入"] and imports.iloc[0]["详情"] == "行数：3"

    at.selectbox(key="audit-action").set_value("全部")
    at.text_input(key="audit-user").input("OFF").run()
    assert set(table(at, "详情")["用户"]) == {"office"}

    yesterday = dt.datetime.now(LOCAL_TZ).date() - dt.timedelta(days=1)
    at.date_input(key="audit-days").set_value((yesterday - dt.timedelta(days=5), yesterday)).run()
    assert table(at, "详情").empty
    assert not at.download_button  # nothing to export


def test_exporting_the_audit_log_is_audited(url, monkeypatch):
    at = admin_page(url, monkeypatch, AUDIT)
    shown = len(table(at, "详情"))
    at.download_button(key="audit-export").click().run()
    assert not at.exception
    [row] = audit_rows(url, action="导出")
    assert (row.username, row.role, row.target) == ("admin", "管理员", "审计日志")
    assert row.detail["条数"] == shown and row.detail["页面"] == "审计日志"
    assert table(at, "详情").iloc[0]["操作"] == "导出"


# --- who gets these pages ------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["leader", "office", "mingshui"])
def test_other_roles_cannot_reach_the_admin_pages(url, monkeypatch, user):
    at = fresh_app(url, monkeypatch, user=user).run()
    assert not at.exception
    for page, url, title in ((USERS, "users", "用户管理"), (AUDIT, "audit", "审计日志")):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
        at = open_url(at, url)  # the link: 无权访问 in Chinese, no account or audit row shown
        assert not at.exception
        assert [e.value for e in at.error] == [f"无权访问：当前账号不能打开“{title}”页面。"]
        assert not at.dataframe and not at.text_input


def test_the_administrator_reaches_both_pages(url, monkeypatch):
    at = fresh_app(url, monkeypatch, user="admin").run()
    for page, title in ((USERS, "用户管理"), (AUDIT, "审计日志")):
        at.switch_page(page).run()
        assert not at.exception and at.title[0].value == title
