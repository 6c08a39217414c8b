"""python -m seed user signout NAME: every login of the account ends at once, audited; `user list` counts live
logins; `kiosk-token list` shows each token's last use."""

from __future__ import annotations

from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine
from services import accounts, auth, sessions
from services.rules.viewer import SYSTEM
from tests.seed.test_cli_user import PASSWORD, add, fast_bcrypt, real_db_with_stations  # noqa: F401 - fixtures


def test_signout_ends_every_login_of_the_account_and_only_its(real_db_with_stations, monkeypatch, capsys):  # noqa: F811
    url = real_db_with_stations
    assert add(url, monkeypatch, "zhang", "--role", "管理员") == 0
    assert add(url, monkeypatch, "li", "--role", "领导") == 0
    with Session(get_engine(url)) as s:
        zhang, li = (auth.get_user(session=s, username=n) for n in ("zhang", "li"))
        tokens = [sessions.claim(session=s, code=sessions.begin(session=s, user=zhang, client="10.0.0.1")[1])
                  for _ in range(2)]
        other = sessions.claim(session=s, code=sessions.begin(session=s, user=li, client="10.0.0.2")[1])
    dispose_engines()
    capsys.readouterr()
    assert main(["user", "list", "--db", url]) == 0
    listed = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "在线登录2" in listed["zhang"] and "在线登录1" in listed["li"]

    assert main(["user", "signout", "zhang", "--db", url]) == 0
    assert "已结束 zhang 的全部登录" in capsys.readouterr().out
    with Session(get_engine(url)) as s:
        assert [sessions.resume(session=s, token=t) for t in tokens] == [None, None]
        assert sessions.resume(session=s, token=other).user["username"] == "li"
    with auth_session(url) as a:
        reasons = set(a.exec(select(m.LoginSession.revoked_reason).where(m.LoginSession.username == "zhang")).all())
        audit = a.exec(select(m.AuditLog).where(m.AuditLog.target == "zhang").order_by(m.AuditLog.id.desc())).first()
    assert reasons == {sessions.ENDED_EVERYWHERE}
    assert audit.detail == {"操作": "退出所有登录", "结束的登录": 2} and audit.client.startswith("命令行")
    assert main(["user", "signout", "nobody", "--db", url]) == 2
    assert "不存在" in capsys.readouterr().err


def test_kiosk_token_list_shows_the_last_use(real_db_with_stations, capsys):  # noqa: F811
    url = real_db_with_stations
    with Session(get_engine(url)) as s:
        token = accounts.create_kiosk_token(session=s, viewer=SYSTEM, label="一楼大厅")
    dispose_engines()
    assert main(["kiosk-token", "list", "--db", url]) == 0
    assert "一楼大厅\t启用\t最近使用：从未使用" in capsys.readouterr().out
    with Session(get_engine(url)) as s:
        assert accounts.check_kiosk_token(session=s, token=token)
    dispose_engines()
    assert main(["kiosk-token", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "一楼大厅\t启用\t最近使用：" in out and "从未使用" not in out and "年" in out
