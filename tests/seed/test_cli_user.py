"""python -m seed user … / kiosk-token …: accounts from the command line, exit codes 0 / 1 / 2, always audited."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from db.authstore import auth_session
from db.engine import get_engine
from services import accounts, auth, sessions
from services.rules import passwords
from tests.seed.fixtures import SEED_DATA
from tests.services.test_auth import every_row_as_text

PASSWORD = "Lk8#first-admin"
CLIENT = "10.1.1.1"


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def real_db_with_stations(sqlite_url, capsys):
    """An empty real (正式) database holding only the stations."""
    assert main(["init", "--db", sqlite_url]) == 0
    assert main(["import", str(SEED_DATA / "监管所.xlsx"), "--db", sqlite_url]) == 0
    capsys.readouterr()
    return sqlite_url


def typed(monkeypatch, *lines: str, tty: bool = False) -> None:
    """What the user types: stdin lines (scripts), or getpass answers at a terminal."""
    if tty:
        answers = iter(lines)
        monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))


def add(url, monkeypatch, name, *extra, password=PASSWORD):
    typed(monkeypatch, password)
    return main(["user", "add", name, "--db", url, "--password-stdin", *extra])


def audit_rows(url) -> list[tuple[str, str | None, dict]]:
    with auth_session(url) as s:  # the audit log lives in the auth store
        rows = s.exec(select(m.AuditLog).where(m.AuditLog.action.in_(["用户管理", "解锁"])).order_by(m.AuditLog.id)).all()
        return [(r.action, r.target, r.detail) for r in rows]


def test_a_real_database_starts_without_accounts(real_db_with_stations, capsys):
    assert main(["user", "list", "--db", real_db_with_stations]) == 0
    assert "没有账号" in capsys.readouterr().out
    with Session(get_engine(real_db_with_stations)) as s:
        assert s.exec(select(m.AppUser)).all() == []
    with auth_session(real_db_with_stations) as a:
        assert a.exec(select(m.KioskToken)).all() == []


def test_user_add_and_list(real_db_with_stations, monkeypatch, capsys):
    url = real_db_with_stations
    assert add(url, monkeypatch, "Root", "--role", "管理员", "--display-name", "信息科") == 0
    assert add(url, monkeypatch, "mingshui", "--role", "监管所", "--station", "明水所") == 0
    assert "已创建账号 mingshui（监管所，明水所）" in capsys.readouterr().out
    assert main(["user", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "root\t信息科\t管理员\t-\t启用" in out and "mingshui\t\t监管所\t明水所\t启用" in out
    assert "$2b$" not in out
    with Session(get_engine(url)) as s:
        result = auth.authenticate(session=s, username="ROOT", password=PASSWORD, client=CLIENT)
        assert result.ok and result.user["role"] == "管理员"
    assert [(a, t, d.get("操作")) for a, t, d in audit_rows(url)] == [
        ("用户管理", "root", "新增账号"), ("用户管理", "mingshui", "新增账号"), ("用户管理", None, "查看账号列表")]


def test_user_add_asks_twice_at_a_terminal(real_db_with_stations, monkeypatch, capsys):
    url = real_db_with_stations
    typed(monkeypatch, PASSWORD, PASSWORD + "x", tty=True)
    assert main(["user", "add", "boss", "--role", "领导", "--db", url]) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    typed(monkeypatch, PASSWORD, PASSWORD, tty=True)
    assert main(["user", "add", "boss", "--role", "领导", "--db", url]) == 0


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "领导"], "short", "密码至少8个字符"),
        (["--role", "领导"], "", "密码至少8个字符"),
        (["--role", "领导"], "weakname", "不能与用户名相同"),
        (["--role", "神"], PASSWORD, "未知的角色"),
        (["--role", "监管所"], PASSWORD, "必须用 --station"),
        (["--role", "监管所", "--station", "火星所"], PASSWORD, "没有名为“火星所”的监管所"),
        (["--role", "领导", "--station", "明水所"], PASSWORD, "只有监管所账号"),
    ],
)
def test_user_add_refuses_with_exit_1(real_db_with_stations, monkeypatch, capsys, args, password, message):
    assert add(real_db_with_stations, monkeypatch, "weakname", *args, password=password) == 1
    assert message in capsys.readouterr().err
    with Session(get_engine(real_db_with_stations)) as s:
        assert s.exec(select(m.AppUser)).all() == []


def test_a_duplicate_name_is_refused(real_db_with_stations, monkeypatch, capsys):
    assert add(real_db_with_stations, monkeypatch, "boss", "--role", "领导") == 0
    assert add(real_db_with_stations, monkeypatch, " BOSS ", "--role", "食安办") == 1
    assert "已存在" in capsys.readouterr().err


def test_passwd_unlock_and_disable(real_db_with_stations, monkeypatch, capsys):
    url = real_db_with_stations
    assert add(url, monkeypatch, "admin", "--role", "管理员") == 0
    assert add(url, monkeypatch, "office", "--role", "食安办") == 0
    engine = get_engine(url)
    with Session(engine) as s:
        for _ in range(5):
            auth.authenticate(session=s, username="office", password="wrong-one", client=CLIENT)
        assert auth.authenticate(session=s, username="office", password=PASSWORD,
                                 client=CLIENT).message.startswith("登录失败次数过多")
    assert main(["user", "unlock", "office", "--db", url]) == 0
    assert "已解除 office 的登录锁定（全部客户端）" in capsys.readouterr().out
    with Session(engine) as s:
        office = auth.authenticate(session=s, username="office", password=PASSWORD, client=CLIENT)
        assert office.ok
        before_passwd, _ = sessions.begin(session=s, user=office.user, client=CLIENT)

    new = "Brand-new-pw-77"
    typed(monkeypatch, new)
    assert main(["user", "passwd", "office", "--db", url, "--password-stdin"]) == 0
    typed(monkeypatch, "short")
    assert main(["user", "passwd", "office", "--db", url, "--password-stdin"]) == 1
    with Session(engine) as s:
        assert not auth.authenticate(session=s, username="office", password=PASSWORD, client=CLIENT).ok
        assert sessions.resume(session=s, session_id=before_passwd) is None  # the new password ended the login
        fresh = auth.authenticate(session=s, username="office", password=new, client=CLIENT)
        assert fresh.ok
        before_disable, _ = sessions.begin(session=s, user=fresh.user, client=CLIENT)
        assert sessions.resume(session=s, session_id=before_disable) is not None

    assert main(["user", "disable", "office", "--db", url]) == 0
    with Session(engine) as s:
        assert auth.authenticate(session=s, username="office", password=new, client=CLIENT).message == "用户名或密码错误"
        assert sessions.resume(session=s, session_id=before_disable) is None
    assert main(["user", "disable", "admin", "--db", url]) == 1  # the last administrator
    assert "最后一个" in capsys.readouterr().err
    for cmd in (["unlock", "ghost"], ["disable", "ghost"], ["passwd", "ghost"]):
        assert main(["user", *cmd, "--db", url]) == 2
        assert "用户“ghost”不存在" in capsys.readouterr().err
    assert [d["操作"] for _, t, d in audit_rows(url) if t == "office"] == ["新增账号", "解锁", "修改密码", "停用账号"]
    assert all(d.get("操作") for _, _, d in audit_rows(url))


def test_kiosk_token_add_prints_it_once(real_db_with_stations, capsys):
    url = real_db_with_stations
    assert main(["kiosk-token", "add", "一楼大厅", "--db", url]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with Session(get_engine(url)) as s:
        assert accounts.check_kiosk_token(session=s, token=token)
    assert token not in every_row_as_text(get_engine(url))
    assert main(["kiosk-token", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "#1\t一楼大厅\t启用" in out and token not in out
    assert main(["kiosk-token", "disable", "1", "--db", url]) == 0
    assert main(["kiosk-token", "disable", "9", "--db", url]) == 2
    with Session(get_engine(url)) as s:
        assert not accounts.check_kiosk_token(session=s, token=token)
    assert [d["操作"] for _, _, d in audit_rows(url)] == ["新增大屏令牌", "查看大屏令牌列表", "停用大屏令牌"]


def test_user_commands_need_their_arguments(capsys):
    for argv in (["user"], ["user", "add", "x"], ["kiosk-token"], ["user", "unlock"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "参数错误" in capsys.readouterr().err


def test_passwords_from_the_command_line_are_never_stored_or_printed(real_db_with_stations, monkeypatch, capsys,
                                                                     caplog):
    caplog.set_level(logging.DEBUG)
    url = real_db_with_stations
    assert add(url, monkeypatch, "admin", "--role", "管理员") == 0
    typed(monkeypatch, PASSWORD + "-2")
    assert main(["user", "passwd", "admin", "--db", url, "--password-stdin"]) == 0
    with Session(get_engine(url)) as s:
        assert auth.authenticate(session=s, username="admin", password=PASSWORD + "-2", client=CLIENT).ok
        assert not auth.authenticate(session=s, username="admin", password=PASSWORD, client=CLIENT).ok
    output = "".join(capsys.readouterr()) + caplog.text
    stored = every_row_as_text(get_engine(url))
    assert "admin" in stored
    for secret in (PASSWORD, PASSWORD + "-2"):
        assert secret not in stored and secret not in output


def test_the_demo_database_has_the_demo_accounts(sqlite_url, capsys, caplog):
    caplog.set_level(logging.INFO)
    assert main(["demo", "--db", sqlite_url]) == 0
    out = "".join(capsys.readouterr())
    assert "演示账号：leader（领导）、office（食安办）、mingshui（监管所·明水所）、admin（管理员）、大屏令牌“演示大屏”" in out
    engine = get_engine(sqlite_url)
    with Session(engine) as s:
        roles = {}
        for name in ("leader", "office", "mingshui", "admin"):
            result = auth.authenticate(session=s, username=name, password="demo1234", client=CLIENT)
            assert result.ok, name
            roles[name] = (result.user["role"], result.user["station_name"])
        assert roles == {"leader": ("领导", None), "office": ("食安办", None), "mingshui": ("监管所", "明水所"),
                         "admin": ("管理员", None)}
        assert accounts.check_kiosk_token(session=s, token="demo-kiosk")
        # a demo database lets an account log in without any configuration (no secret to set)
        sid, code = sessions.begin(session=s, user=auth.get_user(session=s, username="leader"), client=CLIENT)
        token = sessions.claim(session=s, code=code)
        assert sessions.resume(session=s, token=token).session_id == sid
    stored = every_row_as_text(engine)
    assert "demo1234" not in stored and "demo-kiosk" not in stored
    assert "demo1234" not in out + caplog.text
    assert main(["demo", "--db", sqlite_url]) == 0  # again: nothing new
    assert "演示账号" not in capsys.readouterr().out
    with Session(engine) as s:
        assert len(s.exec(select(m.AppUser)).all()) == 4
    with auth_session(sqlite_url) as a:
        assert len(a.exec(select(m.KioskToken)).all()) == 1
