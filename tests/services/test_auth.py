"""Accounts: hashing, logins and lockouts, the client behind a proxy, kiosk tokens, the permission matrix.
Server-side login sessions and the per-account lockout have their own file (test_sessions.py)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import inspect, select, text
from sqlmodel import Session, SQLModel

from db import models as m
from db.authstore import auth_engine, auth_session, bind_url, is_separate
from db.engine import data_version, dispose_engines, get_engine
from services import accounts, auth, sessions
from services.rules import localtime, passwords, permissions
from services.rules.viewer import NOBODY, SYSTEM, Viewer

PASSWORD = "Zq7-wx9!pass"
OTHER_PASSWORD = "Other-pw-4411"
T0 = dt.datetime(2022, 10, 31, 8, 0, tzinfo=dt.UTC)
OFFICE, HOME = "10.0.0.5", "10.0.0.6"


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    """Cost 4 instead of 12: the same code path, a millisecond per hash instead of half a second."""
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def session_with_users(engine):
    """Two stations and one account of each role (监管所 = 明水所), all with PASSWORD."""
    with Session(engine) as s:
        s.add(m.Station(id=1, name="明水所"))
        s.add(m.Station(id=2, name="双山所"))
        s.commit()
        for name, role, station in (("leader", "领导", None), ("office", "食安办", None),
                                    ("mingshui", "监管所", 1), ("admin", "管理员", None)):
            accounts.create_user(session=s, viewer=SYSTEM, username=name, password=PASSWORD, role=role, station_id=station)
        yield s


def login(s, username, password=PASSWORD, client=OFFICE, now=T0):
    return auth.authenticate(session=s, username=username, password=password, client=client, now=now)


def every_row_as_text(engine) -> str:
    """Every table of the database and of its auth store (on SQLite a file of its own), every row, as text: what a
    reader of a stolen file would see."""
    url = bind_url(engine)
    engines = [engine, auth_engine(url)] if is_separate(url) else [engine]
    out = []
    for eng in engines:
        with eng.connect() as c:
            present = set(inspect(c).get_table_names())
            for table in SQLModel.metadata.sorted_tables:
                if table.name in present:
                    out += [repr(tuple(row)) for row in c.execute(select(table))]
    return "\n".join(out)


# --- passwords ----------------------------------------------------------------------------------


def test_hashing_round_trip_at_cost_12(monkeypatch):
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 12)
    h = passwords.hash_password(PASSWORD)
    assert h.startswith("$2b$12$") and PASSWORD not in h
    assert passwords.verify_password(PASSWORD, h)
    assert not passwords.verify_password(PASSWORD + "x", h)
    assert passwords.hash_password(PASSWORD) != h  # salted


def test_long_and_unicode_passwords_are_not_truncated():
    base = "密码" * 12  # 72 bytes in UTF-8
    h = passwords.hash_password(base + "甲")
    assert passwords.verify_password(base + "甲", h)
    assert not passwords.verify_password(base + "乙", h)  # differs after byte 72: bcrypt alone would accept it
    assert not passwords.verify_password(base, h)
    assert not passwords.verify_password(PASSWORD, "not a hash")


def test_create_user_refuses_bad_input_in_chinese(session_with_users):
    s = session_with_users
    cases = [
        (dict(username="x1", password=PASSWORD, role="神"), "未知的角色"),
        (dict(username="x2", password=PASSWORD, role="监管所"), "必须指定所属监管所"),
        (dict(username="x3", password=PASSWORD, role="监管所", station_id=99), "不存在"),
        (dict(username="x4", password=PASSWORD, role="领导", station_id=1), "只有监管所账号"),
        (dict(username="x5", password="short7!", role="领导"), "密码至少8个字符"),
        (dict(username="x6", password="aaaaaaaaaa", role="领导"), "同一个字符"),
        (dict(username="longname1", password="LongName1", role="领导"), "不能与用户名相同"),
        (dict(username=" Office ", password=PASSWORD, role="领导"), "已存在"),
        (dict(username="a b", password=PASSWORD, role="领导"), "不能含空格"),
        (dict(username="  ", password=PASSWORD, role="领导"), "不能为空"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            accounts.create_user(session=s, viewer=SYSTEM, **kwargs)
        s.rollback()
    assert len(accounts.users_frame(session=s, viewer=SYSTEM)) == 4


def test_accounts_are_not_data_and_do_not_move_data_version(engine):
    before = data_version(engine)
    with Session(engine) as s:
        accounts.create_user(session=s, viewer=SYSTEM, username="boss", password=PASSWORD, role="领导")
        assert login(s, "boss").ok
    assert data_version(engine) == before


def test_users_frame_never_shows_the_hash(session_with_users):
    frame = accounts.users_frame(session=session_with_users, viewer=SYSTEM)
    assert list(frame.columns) == ["用户名", "姓名", "角色", "监管所", "状态", "在线登录", "创建时间"]
    assert set(frame["在线登录"]) == {0}  # nobody has a session yet
    assert frame.set_index("用户名").loc["mingshui", "监管所"] == "明水所"
    assert "$2b$" not in frame.to_csv()


# --- logins -------------------------------------------------------------------------------------


def test_login_returns_the_user_without_the_hash(session_with_users):
    result = login(session_with_users, "  MingShui ")
    assert result.ok and result.message == "登录成功"
    assert result.user == {"id": result.user["id"], "username": "mingshui", "display_name": "mingshui",
                           "role": "监管所", "station_id": 1, "station_name": "明水所", "is_active": True}


def test_unknown_user_and_wrong_password_get_the_same_message_and_both_check_a_hash(session_with_users,
                                                                                       monkeypatch):
    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda pw, h: checks.append(h) or real(pw, h))
    wrong = login(session_with_users, "office", "wrong-password")
    unknown = login(session_with_users, "nobody", "wrong-password")
    assert wrong == unknown == auth.AuthResult(ok=False, user=None, message="用户名或密码错误")
    assert len(checks) == 2 and all(h.startswith("$2b$") for h in checks)  # a dummy bcrypt run for "nobody"


def test_a_disabled_account_cannot_log_in_and_says_nothing_more(session_with_users):
    s = session_with_users
    accounts.deactivate(session=s, viewer=SYSTEM, username="leader")
    assert login(s, "leader").message == "用户名或密码错误"
    accounts.activate(session=s, viewer=SYSTEM, username="leader")
    assert login(s, "leader").ok


def test_the_last_administrator_cannot_be_disabled(session_with_users):
    with pytest.raises(ValueError, match="最后一个"):
        accounts.deactivate(session=session_with_users, viewer=SYSTEM, username="admin")
    accounts.create_user(session=session_with_users, viewer=SYSTEM, username="admin2", password=PASSWORD, role="管理员")
    accounts.deactivate(session=session_with_users, viewer=SYSTEM, username="admin")


def test_five_failures_lock_that_account_for_that_client_only(session_with_users):
    s = session_with_users
    for i in range(4):
        assert login(s, "office", "wrong", now=T0 + dt.timedelta(minutes=i)).message == "用户名或密码错误"
    assert login(s, "office", now=T0 + dt.timedelta(minutes=4)).ok  # 4 failures: not locked yet
    fifth = login(s, "office", "wrong", now=T0 + dt.timedelta(minutes=5))
    assert fifth.message == "登录失败次数过多，请15分钟后再试"
    assert not login(s, "office", now=T0 + dt.timedelta(minutes=6)).ok  # the right password does not help
    assert login(s, "office", client=HOME, now=T0 + dt.timedelta(minutes=6)).ok  # another client can
    assert login(s, "leader", now=T0 + dt.timedelta(minutes=6)).ok  # another account from this client can


def test_failures_spread_beyond_the_window_do_not_lock(session_with_users):
    s = session_with_users
    for i in range(6):
        login(s, "office", "wrong", now=T0 + dt.timedelta(minutes=4 * i))  # never 5 within 15 minutes
    assert login(s, "office", now=T0 + dt.timedelta(minutes=21)).ok


def test_a_lock_expires_after_15_minutes_and_refusals_do_not_extend_it(session_with_users):
    s = session_with_users
    for i in range(5):
        login(s, "office", "wrong", now=T0 + dt.timedelta(seconds=i))
    last = T0 + dt.timedelta(seconds=4)
    for minutes in (1, 5, 14):  # knocking while locked
        assert login(s, "office", now=last + dt.timedelta(minutes=minutes)).message.startswith("登录失败次数过多")
    assert not login(s, "office", now=last + dt.timedelta(minutes=15) - dt.timedelta(seconds=1)).ok
    assert login(s, "office", now=last + dt.timedelta(minutes=15)).ok


def test_an_unknown_username_locks_the_same_way(session_with_users):
    s = session_with_users
    messages = [login(s, name, "wrong", now=T0 + dt.timedelta(seconds=i)).message
                for i in range(6) for name in ("ghost",)]
    known = [login(s, "office", "wrong", now=T0 + dt.timedelta(seconds=i)).message for i in range(6)]
    assert messages == known == ["用户名或密码错误"] * 4 + ["登录失败次数过多，请15分钟后再试"] * 2


def test_the_administrator_unlocks(session_with_users):
    s = session_with_users
    for client in (OFFICE, HOME):
        for i in range(5):
            login(s, "office", "wrong", client=client, now=T0 + dt.timedelta(seconds=i))
    admin = Viewer(username="admin", role="管理员", client="10.0.0.1")
    minute = T0 + dt.timedelta(minutes=1)
    assert not login(s, "office", client=OFFICE, now=minute).ok
    auth.unlock(session=s, username="office", client=OFFICE, viewer=admin, now=minute)
    assert login(s, "office", client=OFFICE, now=minute + dt.timedelta(seconds=1)).ok
    assert not login(s, "office", client=HOME, now=minute + dt.timedelta(seconds=1)).ok  # still locked there
    auth.unlock(session=s, username="OFFICE", viewer=admin, now=minute + dt.timedelta(seconds=2))  # every client
    assert login(s, "office", client=HOME, now=minute + dt.timedelta(seconds=3)).ok
    with auth_session(s) as a:  # unlocks and their audit rows live in the auth store
        rows = a.exec(select(m.AuditLog).where(m.AuditLog.action == "解锁", m.AuditLog.target == "office",
                                               m.AuditLog.username == "admin").order_by(m.AuditLog.id)).scalars().all()
        assert [r.detail for r in rows] == [{"操作": "解锁", "客户端": OFFICE}, {"操作": "解锁", "客户端": "全部"}]
        assert a.exec(select(m.AccountUnlock.client).order_by(m.AccountUnlock.id)).scalars().all() == [OFFICE, "*"]


def test_one_client_guessing_across_accounts_is_rate_limited(session_with_users):
    s = session_with_users
    names = ["u1", "u2", "u3", "u4", "leader"]
    for i in range(20):  # 4 per name: no single account locks
        assert login(s, names[i % 5], "wrong", now=T0 + dt.timedelta(seconds=i)).message == "用户名或密码错误"
    blocked = login(s, "office", now=T0 + dt.timedelta(seconds=30))
    assert (blocked.ok, blocked.message) == (False, "尝试过于频繁，请稍后再试")
    assert login(s, "office", client=HOME, now=T0 + dt.timedelta(seconds=30)).ok
    assert login(s, "office", now=T0 + dt.timedelta(minutes=15, seconds=20)).ok  # the window has passed


def test_thresholds_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("LOCKOUT_MINUTES", "30")
    monkeypatch.setenv("CLIENT_RATE_LIMIT", "50")
    assert auth.LoginPolicy.from_settings() == auth.LoginPolicy(
        attempts=3, window=dt.timedelta(minutes=30), lock=dt.timedelta(minutes=30), client_limit=50)
    monkeypatch.delenv("LOCKOUT_ATTEMPTS")
    assert auth.LoginPolicy.from_settings().attempts == 5
    assert (auth.LoginPolicy.from_settings().account_attempts, auth.LoginPolicy.from_settings().account_lock) == (
        20, dt.timedelta(minutes=60))
    monkeypatch.setenv("ACCOUNT_LOCKOUT_ATTEMPTS", "40")
    monkeypatch.setenv("ACCOUNT_LOCKOUT_MINUTES", "90")
    policy = auth.LoginPolicy.from_settings()
    assert (policy.account_attempts, policy.account_window, policy.account_lock) == (
        40, dt.timedelta(minutes=90), dt.timedelta(minutes=90))


def test_every_attempt_is_recorded_with_its_reason(session_with_users):
    s = session_with_users
    login(s, "office")
    login(s, "office", "wrong")
    login(s, "ghost", "wrong")
    with auth_session(s) as a:  # attempts and the audit log live in the auth store
        attempts = a.exec(select(m.LoginAttempt.username, m.LoginAttempt.client, m.LoginAttempt.success,
                                 m.LoginAttempt.reason).order_by(m.LoginAttempt.id)).all()
        log = a.exec(select(m.AuditLog.action, m.AuditLog.username, m.AuditLog.role, m.AuditLog.detail)
                     .where(m.AuditLog.action.in_(["登录", "登录失败"])).order_by(m.AuditLog.id)).all()
    assert [tuple(x) for x in attempts] == [("office", OFFICE, True, None), ("office", OFFICE, False, "密码错误"),
                                            ("ghost", OFFICE, False, "用户不存在")]
    assert [tuple(r) for r in log] == [("登录", "office", "食安办", None),
                                       ("登录失败", "office", "食安办", {"原因": "密码错误"}),
                                       ("登录失败", "ghost", None, {"原因": "用户不存在"})]
    frame = accounts.audit_frame(session=s, viewer=SYSTEM, action="登录失败")
    assert list(frame["用户"]) == ["ghost", "office"]  # newest first


def test_passwords_are_never_stored_or_logged_in_clear(engine, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    with Session(engine) as s:
        s.add(m.Station(id=1, name="明水所"))
        s.commit()
        accounts.create_user(session=s, viewer=SYSTEM, username="mingshui", password=PASSWORD, role="监管所", station_id=1)
        login(s, "mingshui")
        login(s, "mingshui", OTHER_PASSWORD)
        login(s, OTHER_PASSWORD, PASSWORD)  # a password typed into the name field is the name, not a password
        accounts.set_password(session=s, viewer=SYSTEM, username="mingshui", password=OTHER_PASSWORD)
        accounts.create_kiosk_token(session=s, viewer=SYSTEM, label="大厅", token="kiosk-secret-token")
    stored = every_row_as_text(engine)
    assert "mingshui" in stored and "$2b$" in stored  # the dump does read the tables
    for secret in (PASSWORD, "kiosk-secret-token"):
        assert secret not in stored
        assert secret not in caplog.text
        assert secret not in "".join(capsys.readouterr())


# --- the client ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "expected"),
    [
        ("203.0.113.7", {}, "", "203.0.113.7"),
        ("203.0.113.7:5678", {}, "", "203.0.113.7"),
        # an untrusted peer cannot choose its name
        ("203.0.113.7", {"X-Forwarded-For": "1.2.3.4", "X-Real-IP": "5.6.7.8"}, "", "203.0.113.7"),
        ("203.0.113.7", {"X-Forwarded-For": "1.2.3.4"}, "10.0.0.2", "203.0.113.7"),
        # behind the proxy: the address it saw
        ("10.0.0.2", {"x-forwarded-for": "198.51.100.9"}, "10.0.0.2", "198.51.100.9"),
        ("10.0.0.2", {"X-Real-IP": "198.51.100.9"}, "10.0.0.2, 10.0.1.0/24", "198.51.100.9"),
        ("10.0.1.40", {"X-Forwarded-For": "198.51.100.9"}, "10.0.0.2, 10.0.1.0/24", "198.51.100.9"),
        # a browser that sends its own X-Forwarded-For: nginx appends the real address; the forged part is skipped
        ("10.0.0.2", {"X-Forwarded-For": "1.2.3.4, 198.51.100.9"}, "10.0.0.2", "198.51.100.9"),
        ("10.0.0.2", {"X-Forwarded-For": "198.51.100.9, 10.0.0.3"}, "10.0.0.2,10.0.0.3", "198.51.100.9"),
        ("10.0.0.2", {"X-Forwarded-For": "garbage"}, "10.0.0.2", "10.0.0.2"),
        ("10.0.0.2", {}, "10.0.0.2", "10.0.0.2"),
        # loopback is a client like any other: a proxy on the same host only when it is listed
        ("127.0.0.1", {"X-Forwarded-For": "198.51.100.9", "X-Real-IP": "5.6.7.8"}, "", "127.0.0.1"),
        ("127.0.0.1", {"X-Forwarded-For": "198.51.100.9"}, "127.0.0.1", "198.51.100.9"),
        ("::ffff:127.0.0.1", {"X-Forwarded-For": "198.51.100.9"}, "", "127.0.0.1"),
        # no known connection: one shared bucket, whatever the headers say (never a per-session name)
        ("", {"X-Forwarded-For": "198.51.100.9"}, "", auth.NO_ADDRESS),
        (None, {"X-Forwarded-For": "198.51.100.9"}, "127.0.0.1", auth.NO_ADDRESS),
        (None, {}, "127.0.0.1", auth.NO_ADDRESS),
        ("not an address", {}, "", auth.NO_ADDRESS),
        ("2001:db8::1", {}, "", "2001:db8::1"),
        ("[2001:db8::1]:443", {}, "", "2001:db8::1"),
    ],
)
def test_client_id(peer, headers, trusted, expected):
    proxies = auth.parse_trusted_proxies(trusted)
    assert auth.client_id(peer=peer, headers=headers, trusted_proxies=proxies) == expected


def test_is_trusted_proxy():
    assert auth.is_trusted_proxy("10.0.1.40", {"10.0.1.0/24"})
    assert auth.is_trusted_proxy("::ffff:10.0.0.2", {"10.0.0.2"})
    assert not auth.is_trusted_proxy("10.0.2.1", {"10.0.1.0/24"})
    assert not auth.is_trusted_proxy("127.0.0.1", set())
    assert not auth.is_trusted_proxy(None, {"127.0.0.1"})


def test_spoofed_headers_do_not_escape_a_lockout(session_with_users):
    s = session_with_users

    def client(forged: str) -> str:
        return auth.client_id(peer="203.0.113.7", headers={"X-Forwarded-For": forged, "X-Real-IP": forged},
                              trusted_proxies=set())

    for i in range(5):
        login(s, "office", "wrong", client=client(f"1.1.1.{i}"), now=T0 + dt.timedelta(seconds=i))
    assert not login(s, "office", client=client("9.9.9.9"), now=T0 + dt.timedelta(seconds=9)).ok


# --- kiosk tokens -------------------------------------------------------------------------------


def test_kiosk_tokens_are_kept_as_hashes(engine):
    with Session(engine) as s:
        token = accounts.create_kiosk_token(session=s, viewer=SYSTEM, label="一楼大厅")
        assert len(token) >= 24
        assert accounts.check_kiosk_token(session=s, token=token)
        for bad in (token[:-1], token + "x", "", None, "x" * 1000):
            assert not accounts.check_kiosk_token(session=s, token=bad)
        with auth_session(s) as a:  # kiosk tokens live in the auth store
            row = a.exec(select(m.KioskToken)).scalars().one()
        assert token not in every_row_as_text(engine) and len(row.token_hash) == 64
        assert row.last_used_at is not None  # 最近使用 on the settings page
        assert list(accounts.kiosk_tokens_frame(session=s, viewer=SYSTEM).columns) == [
            "编号", "名称", "状态", "创建时间", "最近使用"]
        accounts.deactivate_kiosk_token(session=s, viewer=SYSTEM, token_id=row.id)
        assert not accounts.check_kiosk_token(session=s, token=token)
        with pytest.raises(ValueError, match="名称"):
            accounts.create_kiosk_token(session=s, viewer=SYSTEM, label=" ")


# --- permissions --------------------------------------------------------------------------------

# The issue's matrix, as written there (read = see; act = change; — = nothing).
ISSUE_MATRIX = """
| 总览, 包保督导, 任务清单, 小作坊, 工作要点, 指标, 地图 | read | read | read; lists of businesses, visits, problems and sites only for its own station | read | — |
| 年终考核 | read | read | — | read | — |
| 数据导入 | — | act, every kind and station | act, only its own station's 任务进度 and 风险隐患 | — | — |
| 导入记录 | read | read, undo | its own batches | read | — |
| 数据填报 | — | act (KPI values, any station) | act, own station | — | — |
| 上报监测 | read | read | read, its own station | read | — |
| 会议材料 | act | act | — | — | — |
| 系统设置 (kiosk, rules) | — | act | — | act | — |
| 用户管理, 审计日志 | — | — | — | act | — |
| 大屏 | read | read | read | read | read, nothing else |
"""
WHO = ("领导", "食安办", "监管所", "管理员", "kiosk")


def _cell_level(cell: str) -> str | None:
    if cell == "—":
        return None
    if cell.startswith("act") or "undo" in cell:
        return "act"
    return "read"  # "read…", "its own batches"


def issue_cells():
    for line in ISSUE_MATRIX.strip().splitlines():
        first, *cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for page in first.split(" (")[0].split(","):
            for who, cell in zip(WHO, cells, strict=True):
                yield page.strip(), who, _cell_level(cell)


def test_the_permission_matrix_is_the_issues_table():
    cells = list(issue_cells())
    assert {page for page, _, _ in cells} == set(permissions.PAGES)
    for page, who, level in cells:
        assert permissions.PERMISSIONS[(page, who)] == level, (page, who)
        assert permissions.can(who, page, "read") is (level is not None), (page, who)
        assert permissions.can(who, page, "act") is (level == "act"), (page, who)
    assert len(permissions.PERMISSIONS) == len(cells)


def test_nothing_unknown_is_allowed():
    assert not permissions.can(None, "总览")
    assert not permissions.can("游客", "总览")
    assert not permissions.can("领导", "不存在的页面")
    assert not permissions.can("管理员", "用户管理", "delete")
    assert [p for p in permissions.PAGES if permissions.can("kiosk", p)] == ["大屏"]
    with pytest.raises(PermissionError, match="无权操作“数据导入”"):
        permissions.require(Viewer(role="领导"), "数据导入", "act")
    permissions.require(Viewer(role="食安办"), "数据导入", "act")
    permissions.require(SYSTEM, "用户管理", "act")  # the system may do everything …
    with pytest.raises(PermissionError, match="无权查看“总览”"):
        permissions.require(NOBODY, "总览")  # … nobody nothing


def test_station_scope():
    assert permissions.station_scope(Viewer(role="监管所", station_id=3)) == 3
    for role in ("领导", "食安办", "管理员"):
        assert permissions.station_scope(Viewer(role=role)) is None
    assert permissions.station_scope(SYSTEM) is None
    with pytest.raises(PermissionError):
        permissions.station_scope(Viewer(role="监管所"))


def test_viewers():
    cli = Viewer.cli()
    assert cli.system and cli.client.startswith("命令行:") and cli.role is None
    assert SYSTEM == cli  # the system's audit rows name the login that ran the command, like Viewer.cli()
    assert SYSTEM.system and not NOBODY.system and NOBODY.role is None and not NOBODY.logged_in
    account = {"id": 1, "username": "mingshui", "display_name": "明水", "role": "监管所", "station_id": 1,
               "station_name": "明水所", "is_active": True}
    v = Viewer.of_account(account, client="10.0.0.1")
    assert (v.username, v.role, v.station_id, v.station_name, v.display_name, v.client, v.system) == (
        "mingshui", "监管所", 1, "明水所", "明水", "10.0.0.1", False)
    assert v.logged_in


# --- who may change accounts --------------------------------------------------------------------

# Every principal a web session can carry: the four roles, a kiosk, and nobody (None: NOBODY's role).
WEB_PRINCIPALS = (*permissions.ROLES, "kiosk", None)


def _mutators(s, token_id: int, n: int):
    """(name, right needed, call) for every account and kiosk-token change; `n` keeps names unique per call."""
    return [
        ("create_user", "用户管理", lambda a: accounts.create_user(session=s, username=f"new{n}", password=PASSWORD,
                                                             role="领导", viewer=a)),
        ("set_password", "用户管理", lambda a: accounts.set_password(session=s, username="leader",
                                                               password=OTHER_PASSWORD, viewer=a)),
        ("deactivate", "用户管理", lambda a: accounts.deactivate(session=s, username="leader", viewer=a)),
        ("activate", "用户管理", lambda a: accounts.activate(session=s, username="leader", viewer=a)),
        ("set_role", "用户管理", lambda a: accounts.set_role(session=s, username="leader", role="领导", viewer=a)),
        ("sign_out_everywhere", "用户管理", lambda a: accounts.sign_out_everywhere(session=s, username="leader",
                                                                             viewer=a)),
        ("unlock", "用户管理", lambda a: auth.unlock(session=s, username="office", viewer=a)),
        ("create_kiosk_token", "系统设置", lambda a: accounts.create_kiosk_token(session=s, label=f"屏{n}", viewer=a)),
        ("deactivate_kiosk_token", "系统设置", lambda a: accounts.deactivate_kiosk_token(session=s, token_id=token_id,
                                                                                   viewer=a)),
    ]


def account_state(s) -> tuple:
    """Everything an account change could write."""
    s.expire_all()
    users = s.exec(select(m.AppUser.username, m.AppUser.password_hash, m.AppUser.is_active,
                          m.AppUser.password_changed_at, m.AppUser.role).order_by(m.AppUser.id)).all()
    with auth_session(s) as a:  # tokens, unlocks and the audit log live in the auth store
        tokens = a.exec(select(m.KioskToken.id, m.KioskToken.is_active).order_by(m.KioskToken.id)).all()
        unlocks = a.exec(select(m.AccountUnlock.id)).all()
        audit_rows = a.exec(select(m.AuditLog.id)).all()
        revoked = a.exec(select(m.LoginSession.id).where(m.LoginSession.revoked_at.is_not(None))).all()
    return (tuple(map(tuple, users)), tuple(map(tuple, tokens)), len(unlocks), len(audit_rows), len(revoked))


def test_only_the_administrator_manages_users_and_kiosk_tokens_from_the_web(session_with_users):
    s = session_with_users
    accounts.create_kiosk_token(session=s, viewer=SYSTEM, label="大厅")
    with auth_session(s) as a:
        token_id = a.exec(select(m.KioskToken.id)).scalars().one()
    allowed: dict[str, set[str]] = {}
    n = 0
    for who in WEB_PRINCIPALS:
        a = Viewer(username=who or None, role=who, client="10.0.0.1")
        for name, right, call in _mutators(s, token_id, n := n + 1):
            sessions.begin(session=s, user=auth.get_user(session=s, username="leader"), client="10.0.0.9")
            before = account_state(s)
            try:
                call(a)
            except PermissionError as exc:
                assert str(exc) == f"当前账号无权操作“{right}”", (who, name)
                s.rollback()
                assert account_state(s) == before, (who, name)  # nothing written, no audit row, no session ended
                continue
            allowed.setdefault(name, set()).add(who)
            after = account_state(s)
            assert after[3] == before[3] + 1, (who, name)  # audited
            if name == "deactivate":
                # the next principal starts from an active account
                accounts.activate(session=s, viewer=SYSTEM, username="leader")
    managers = {"create_user", "set_password", "deactivate", "activate", "unlock", "set_role", "sign_out_everywhere"}
    assert {name: who for name, who in allowed.items() if name in managers} == {name: {"管理员"} for name in managers}
    assert allowed["create_kiosk_token"] == allowed["deactivate_kiosk_token"] == {"食安办", "管理员"}


@pytest.mark.parametrize("actor", [SYSTEM, Viewer.cli(), Viewer(system=True, client="演示")])
def test_the_command_line_may_still_do_everything(session_with_users, actor):
    s = session_with_users
    token = accounts.create_kiosk_token(session=s, label="大厅", viewer=actor)
    with auth_session(s) as a:
        token_id = a.exec(select(m.KioskToken.id)).scalars().one()
    for _name, _right, call in _mutators(s, token_id, 1):
        call(actor)
    assert auth.get_user(session=s, username="new1") is not None
    assert not accounts.check_kiosk_token(session=s, token=token)


def test_reads_are_checked_for_web_actors_too(session_with_users):
    s = session_with_users
    reads = {"用户管理": [accounts.users_frame, auth.locked_frame], "系统设置": [accounts.kiosk_tokens_frame],
             "审计日志": [accounts.audit_frame]}
    for who in WEB_PRINCIPALS:
        a = Viewer(username=None, role=who, client="10.0.0.1")
        for right, functions in reads.items():
            for fn in functions:
                if permissions.can(who, right):
                    fn(session=s, viewer=a)
                else:
                    with pytest.raises(PermissionError, match=f"当前账号无权查看“{right}”"):
                        fn(session=s, viewer=a)
    admin = Viewer(username="admin", role="管理员", client="x")
    assert len(accounts.users_frame(session=s, viewer=admin)) == 4
    assert len(accounts.audit_frame(session=s, viewer=SYSTEM)) == len(accounts.audit_frame(session=s, viewer=admin))
    assert len(accounts.audit_frame(session=s, viewer=admin)) == 4


def test_locked_frame_lists_locked_usernames_per_client(session_with_users):
    s = session_with_users
    for i in range(5):
        login(s, "office", "wrong", client=OFFICE, now=T0 + dt.timedelta(seconds=i))
        login(s, "ghost", "wrong", client=HOME, now=T0 + dt.timedelta(seconds=i))
    for i in range(4):
        login(s, "leader", "wrong", client=OFFICE, now=T0 + dt.timedelta(seconds=i))  # one short of a lock
    frame = auth.locked_frame(session=s, viewer=SYSTEM, now=T0 + dt.timedelta(minutes=1))
    assert [tuple(r) for r in frame[["用户名", "客户端"]].itertuples(index=False)] == [("ghost", HOME),
                                                                                  ("office", OFFICE)]
    assert set(frame["锁定至"]) == {T0 + dt.timedelta(seconds=4, minutes=15)}
    auth.unlock(session=s, viewer=SYSTEM, username="office", now=T0 + dt.timedelta(minutes=2))
    assert list(auth.locked_frame(session=s, viewer=SYSTEM, now=T0 + dt.timedelta(minutes=3))["用户名"]) == ["ghost"]
    assert auth.locked_frame(session=s, viewer=SYSTEM, now=T0 + dt.timedelta(minutes=20)).empty


def test_audit_frame_filters_by_user_and_local_day(session_with_users):
    s = session_with_users
    # 2022-10-31 23:30 in Shanghai is 15:30 UTC; 2022-11-01 00:30 there is 16:30 UTC the same day.
    for at, who in ((dt.datetime(2022, 10, 31, 15, 30, tzinfo=dt.UTC), "office"),
                    (dt.datetime(2022, 10, 31, 16, 30, tzinfo=dt.UTC), "Office_2"),
                    (dt.datetime(2022, 11, 2, 1, 0, tzinfo=dt.UTC), "leader")):
        with auth_session(s) as a:  # the audit log lives in the auth store
            a.add(m.AuditLog(at=at, username=who.lower(), role="食安办", client="x", action="导出", target="任务清单"))
            a.commit()
    day = accounts.audit_frame(session=s, viewer=SYSTEM, action="导出", start=dt.date(2022, 11, 1), end=dt.date(2022, 11, 1))
    assert list(day["用户"]) == ["office_2"]
    assert list(accounts.audit_frame(session=s, viewer=SYSTEM, action="导出", user="OFFICE")["用户"]) == ["office_2", "office"]
    assert list(accounts.audit_frame(session=s, viewer=SYSTEM, action="导出", user="_")["用户"]) == ["office_2"]  # not a wildcard
    assert list(accounts.audit_frame(session=s, viewer=SYSTEM, action="导出", end=dt.date(2022, 10, 31))["用户"]) == ["office"]
    assert localtime.local_time_label(day.iloc[0]["时间"]) == "2022年11月1日 00:30"


def test_local_time_label():
    assert localtime.local_time_label(dt.datetime(2026, 11, 22, 8, 5, tzinfo=dt.UTC)) == "2026年11月22日 16:05"
    assert localtime.local_time_label(dt.datetime(2026, 12, 31, 16, 0)) == "2027年1月1日 00:00"  # naive = UTC
    assert localtime.local_time_label(None) == ""


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "pg"])
def empty_url(request):
    """An empty database, once on SQLite and once on PostgreSQL (skipped when it is not reachable)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    yield url
    dispose_engines()


def test_0002_upgrades_a_0001_database_in_place(empty_url):
    from db.migrate import current_revision, upgrade

    upgrade(empty_url, "0001")
    assert current_revision(empty_url) == "0001"
    engine = get_engine(empty_url)
    assert "app_user" not in inspect(engine).get_table_names()
    with engine.begin() as c:
        c.execute(text("INSERT INTO station (is_demo, name, aliases, sort_order, coord_precision) "
                       "VALUES (false, '明水所', '[]', 1, '近似')"))
    upgrade(empty_url, "0002")  # to 0002 exactly: later revisions (0003 风险隐患 …) have their own tests
    assert current_revision(empty_url) == "0002"
    engine = get_engine(empty_url)
    tables = set(inspect(engine).get_table_names())
    assert {"app_user", "kiosk_token", "login_attempt", "account_unlock", "audit_log"} <= tables
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("login_attempt")}
    assert {"ix_login_attempt_user_client_at", "ix_login_attempt_client_at"} <= indexes
    with Session(engine) as s:
        station_id = s.exec(select(m.Station.id).where(m.Station.name == "明水所")).scalars().one()
        accounts.create_user(session=s, viewer=SYSTEM, username="mingshui", password=PASSWORD, role="监管所", station_id=station_id)
        assert login(s, "mingshui").user["station_name"] == "明水所"
