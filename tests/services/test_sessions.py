"""Server-side login sessions (services/sessions.py): the one-time code and the cookie's token, resuming, every way a
session ends, idle and absolute lifetimes, what is stored; the per-account lockout across clients; whom client_id
believes. Runs on SQLite (the auth store a file of its own) and, under TEST_DB=pg, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from db import models as m
from db.authstore import auth_session, auth_url, bind_url, is_separate
from services import accounts, auth, sessions
from services.rules import passwords
from services.rules.viewer import SYSTEM, Viewer
from tests.services.test_auth import every_row_as_text

PASSWORD = "Zq7-wx9!pass"
OTHER_PASSWORD = "Other-pw-4411"
CLIENT = "10.0.0.5"
ADMIN = Viewer(username="admin", role="管理员", client="10.0.0.1")


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


@pytest.fixture(autouse=True)
def default_lifetimes(monkeypatch):
    for name in ("SESSION_HOURS", "SESSION_IDLE_MINUTES", "TRUSTED_PROXIES", "ACCOUNT_LOCKOUT_ATTEMPTS",
                 "ACCOUNT_LOCKOUT_MINUTES", "LOCKOUT_ATTEMPTS", "LOCKOUT_MINUTES", "CLIENT_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s(engine):
    """Two stations and one account of each role (监管所 = 明水所), all with PASSWORD."""
    with Session(engine) as session:
        session.add(m.Station(id=1, name="明水所"))
        session.add(m.Station(id=2, name="双山所"))
        session.commit()
        for name, role, station in (("leader", "领导", None), ("office", "食安办", None),
                                    ("mingshui", "监管所", 1), ("admin", "管理员", None)):
            accounts.create_user(session=session, viewer=SYSTEM, username=name, password=PASSWORD, role=role,
                                 station_id=station)
        yield session


@pytest.fixture
def t0() -> dt.datetime:
    """A moment after the accounts were made (a session begun before a password was set would be void)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)


def signed_in(s: Session, username: str, now: dt.datetime | None = None) -> tuple[int, str]:
    """A session as the login form and /account/signin make it: (its id, the cookie's token)."""
    user = auth.get_user(session=s, username=username)
    sid, code = sessions.begin(session=s, user=user, client=CLIENT, now=now)
    token = sessions.claim(session=s, code=code, now=now)
    assert token
    return sid, token


def session_row(s: Session, sid: int) -> m.LoginSession:
    with auth_session(s) as a:
        return a.get(m.LoginSession, sid)


def alive(s: Session, sid: int, token: str, now: dt.datetime | None = None) -> bool:
    """Does the session live, asked by its id and by its token (both must agree)?"""
    by_id = sessions.resume(session=s, session_id=sid, now=now)
    by_token = sessions.resume(session=s, token=token, now=now)
    assert (by_id is None) == (by_token is None)
    return by_id is not None


# --- the one-time code and the cookie's token ---------------------------------------------------


def test_a_code_is_exchanged_once_and_only_within_60_seconds(s, t0):
    user = auth.get_user(session=s, username="office")
    sid, code = sessions.begin(session=s, user=user, client=CLIENT, now=t0)
    assert sessions.resume(session=s, session_id=sid, now=t0).user["username"] == "office"  # this browser session
    token = sessions.claim(session=s, code=code, now=t0 + dt.timedelta(seconds=sessions.HANDOFF_SECONDS))
    assert token and token != code
    assert sessions.claim(session=s, code=code, now=t0 + dt.timedelta(seconds=1)) is None  # once
    assert sessions.resume(session=s, token=token, now=t0 + dt.timedelta(seconds=61)).session_id == sid

    sid2, late = sessions.begin(session=s, user=user, client=CLIENT, now=t0)
    assert sessions.claim(session=s, code=late, now=t0 + dt.timedelta(seconds=61)) is None  # too late …
    assert sessions.claim(session=s, code=late, now=t0 + dt.timedelta(seconds=1)) is None  # … and spent
    assert session_row(s, sid2).token_hash is None

    sid3, ended = sessions.begin(session=s, user=user, client=CLIENT, now=t0)
    sessions.end(session=s, session_id=sid3, now=t0)
    assert sessions.claim(session=s, code=ended, now=t0 + dt.timedelta(seconds=1)) is None  # a logged-out code
    for bad in (None, "", "unknown", "x" * 201, token):
        assert sessions.claim(session=s, code=bad, now=t0) is None


def test_resume_by_token_and_by_id(s, t0):
    sid, token = signed_in(s, "mingshui", t0)
    later = t0 + dt.timedelta(minutes=5)
    for found in (sessions.resume(session=s, token=token, now=later),
                  sessions.resume(session=s, session_id=sid, now=later)):
        assert found == sessions.Resumed(session_id=sid, user={
            "id": found.user["id"], "username": "mingshui", "display_name": "mingshui", "role": "监管所",
            "station_id": 1, "station_name": "明水所", "is_active": True})
    for bad in ({"token": token + "x"}, {"token": token[:-1]}, {"token": "x" * 201}, {"token": ""},
                {"session_id": sid + 1000}, {}):
        assert sessions.resume(session=s, now=later, **bad) is None, bad


# --- every way a session ends -------------------------------------------------------------------


def test_logout_ends_the_session_at_once(s, t0):
    sid, token = signed_in(s, "office", t0)
    other_sid, other_token = signed_in(s, "office", t0)  # another browser of the same account
    assert sessions.end(session=s, session_id=sid)
    assert not alive(s, sid, token)
    assert not sessions.end(session=s, session_id=sid)  # nothing live left to end
    assert alive(s, other_sid, other_token)
    assert sessions.end(session=s, token=other_token)  # /account/signout, by the cookie
    assert not alive(s, other_sid, other_token)
    assert session_row(s, sid).revoked_reason == sessions.ENDED_LOGOUT


def test_the_logout_service_revokes_and_is_audited(s, t0):
    sid, token = signed_in(s, "office", t0)
    viewer = Viewer.of_account(auth.get_user(session=s, username="office"), client=CLIENT)
    auth.logout(session=s, viewer=viewer, session_id=sid)
    assert not alive(s, sid, token)
    with auth_session(s) as a:
        row = a.exec(select(m.AuditLog).where(m.AuditLog.action == "退出")).scalars().one()
    assert (row.username, row.client, row.target) == ("office", CLIENT, "office")


@pytest.mark.parametrize(("change", "reason"), [
    (lambda s: accounts.set_password(session=s, viewer=ADMIN, username="mingshui", password=OTHER_PASSWORD),
     sessions.ENDED_PASSWORD),
    (lambda s: accounts.deactivate(session=s, viewer=ADMIN, username="mingshui"), sessions.ENDED_DISABLED),
    (lambda s: accounts.set_role(session=s, viewer=ADMIN, username="mingshui", role="监管所", station_id=2),
     sessions.ENDED_ROLE),
    (lambda s: accounts.set_role(session=s, viewer=ADMIN, username="mingshui", role="领导"), sessions.ENDED_ROLE),
    (lambda s: accounts.sign_out_everywhere(session=s, viewer=ADMIN, username="mingshui"), sessions.ENDED_EVERYWHERE),
], ids=["set_password", "deactivate", "set_role_station", "set_role", "sign_out_everywhere"])
def test_an_account_change_revokes_every_session_of_that_account(s, change, reason):
    first, second = signed_in(s, "mingshui"), signed_in(s, "mingshui")
    bystander = signed_in(s, "office")
    change(s)
    for sid, token in (first, second):
        assert not alive(s, sid, token)
        assert session_row(s, sid).revoked_reason == reason  # revoked on the server, not merely re-checked
    assert alive(s, *bystander)
    if reason == sessions.ENDED_DISABLED:
        accounts.activate(session=s, viewer=ADMIN, username="mingshui")  # enabling again revives nothing
        assert not any(alive(s, sid, token) for sid, token in (first, second))
        assert auth.authenticate(session=s, username="mingshui", password=PASSWORD, client=CLIENT).ok
        assert alive(s, *signed_in(s, "mingshui"))  # a new login works
    with auth_session(s) as a:
        audit = a.exec(select(m.AuditLog.detail).where(m.AuditLog.target == "mingshui",
                                                       m.AuditLog.username == "admin")).scalars().all()
    assert audit  # every change is audited


def test_sign_out_everywhere_counts_what_it_ended(s):
    for _ in range(2):
        signed_in(s, "leader")
    assert accounts.sign_out_everywhere(session=s, viewer=ADMIN, username="leader") == 2
    assert accounts.sign_out_everywhere(session=s, viewer=ADMIN, username="leader") == 0
    with auth_session(s) as a:
        details = a.exec(select(m.AuditLog.detail).where(m.AuditLog.target == "leader").order_by(m.AuditLog.id)
                         ).scalars().all()
    assert details[-2:] == [{"操作": "退出所有登录", "结束的登录": 2}, {"操作": "退出所有登录", "结束的登录": 0}]
    with pytest.raises(PermissionError):
        accounts.sign_out_everywhere(session=s, viewer=Viewer(username="office", role="食安办"), username="leader")


def test_a_role_or_station_changed_in_the_database_voids_a_session(s, t0):
    sid, token = signed_in(s, "mingshui", t0)
    user = s.exec(select(m.AppUser).where(m.AppUser.username == "mingshui")).scalars().one()
    user.station_id = 2  # not through set_role: nothing revoked it, the check itself refuses
    s.commit()
    assert not alive(s, sid, token, t0)
    assert session_row(s, sid).revoked_at is None
    user.station_id, user.role = None, "领导"
    s.commit()
    assert not alive(s, sid, token, t0)
    _, token2 = signed_in(s, "mingshui", t0)  # a new login carries the new role
    assert sessions.resume(session=s, token=token2, now=t0).user["role"] == "领导"


def test_a_password_set_after_the_login_voids_it_even_unrevoked(s, t0):
    sid, token = signed_in(s, "office", t0)
    assert alive(s, sid, token, t0 + dt.timedelta(minutes=5))
    user = s.exec(select(m.AppUser).where(m.AppUser.username == "office")).scalars().one()
    user.password_changed_at = t0 + dt.timedelta(minutes=10)  # e.g. set by another process, straight in the table
    s.commit()
    assert not alive(s, sid, token, t0 + dt.timedelta(minutes=20))


# --- lifetimes ----------------------------------------------------------------------------------


def test_idle_expiry(s, t0, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    sid, token = signed_in(s, "office", t0)
    step = t0 + dt.timedelta(minutes=30)  # exactly the idle time: still live, and the activity is recorded
    assert alive(s, sid, token, step)
    assert alive(s, sid, token, step + dt.timedelta(minutes=30))
    assert not alive(s, sid, token, step + dt.timedelta(minutes=60, seconds=1))
    assert session_row(s, sid).revoked_reason == sessions.ENDED_IDLE
    assert not alive(s, sid, token, step + dt.timedelta(minutes=31))  # ended stays ended


def test_absolute_expiry_however_busy(s, t0, monkeypatch):
    monkeypatch.setenv("SESSION_HOURS", "2")
    sid, token = signed_in(s, "office", t0)
    assert session_row(s, sid).expires_at.replace(tzinfo=dt.UTC) == t0 + dt.timedelta(hours=2)
    for minutes in range(10, 120, 10):  # busy all along
        assert alive(s, sid, token, t0 + dt.timedelta(minutes=minutes)), minutes
    assert alive(s, sid, token, t0 + dt.timedelta(hours=2) - dt.timedelta(seconds=1))
    assert not alive(s, sid, token, t0 + dt.timedelta(hours=2))


def test_lifetimes_come_from_the_environment(monkeypatch):
    assert sessions.Lifetimes.from_settings() == sessions.Lifetimes(idle=dt.timedelta(minutes=120),
                                                                   absolute=dt.timedelta(hours=8))
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_HOURS", "0.5")
    assert sessions.Lifetimes.from_settings() == sessions.Lifetimes(idle=dt.timedelta(minutes=15),
                                                                   absolute=dt.timedelta(minutes=30))


# --- what is stored -----------------------------------------------------------------------------


def stored_bytes(url: str) -> bytes:
    """The auth store's SQLite file (with its write-ahead log) as bytes."""
    path = Path(auth_url(url).removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_tokens_and_codes_are_kept_only_as_sha256(s, engine):
    user = auth.get_user(session=s, username="office")
    sid, code = sessions.begin(session=s, user=user, client=CLIENT)
    token = sessions.claim(session=s, code=code)
    row = session_row(s, sid)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.handoff_hash is None
    text = every_row_as_text(engine)
    assert row.token_hash in text  # the dump reads the sessions' table
    assert token not in text and code not in text
    url = bind_url(engine)
    if is_separate(url):  # SQLite: the auth file itself, free pages and log included
        raw = stored_bytes(url)
        assert row.token_hash.encode() in raw
        assert token.encode() not in raw and code.encode() not in raw
        with Session(engine) as main:  # the main file keeps no session
            assert main.exec(select(m.LoginSession)).all() == []


def test_live_counts_and_the_users_page(s, t0):
    for name in ("office", "office", "leader"):
        signed_in(s, name)
    # Never claimed (no browser went to /account/signin, as in AppTest or SSO): still live in its browser session.
    sessions.begin(session=s, user=auth.get_user(session=s, username="admin"), client=CLIENT)
    sessions.end(session=s, session_id=signed_in(s, "mingshui")[0])  # logged out
    signed_in(s, "mingshui", t0 - dt.timedelta(hours=3))  # idle for 3 hours (SESSION_IDLE_MINUTES 120)
    assert sessions.live_counts(session=s) == {"office": 2, "leader": 1, "admin": 1}
    frame = accounts.users_frame(session=s, viewer=SYSTEM).set_index("用户名")
    assert frame["在线登录"].to_dict() == {"leader": 1, "office": 2, "mingshui": 0, "admin": 1}
    assert sessions.live_counts(session=s, now=t0 + dt.timedelta(hours=9)) == {}  # all past SESSION_HOURS


# --- the per-account lockout --------------------------------------------------------------------

T0 = dt.datetime(2022, 10, 31, 8, 0, tzinfo=dt.UTC)


def login(s, username, password=PASSWORD, client=CLIENT, now=T0):
    return auth.authenticate(session=s, username=username, password=password, client=client, now=now)


def test_twenty_failures_from_twenty_clients_pause_the_account_everywhere(s):
    clients = [f"198.51.100.{i}" for i in range(1, 21)]
    messages = [login(s, "office", "wrong", client=c, now=T0 + dt.timedelta(minutes=2 * i)).message
                for i, c in enumerate(clients)]
    assert messages == ["用户名或密码错误"] * 19 + ["登录失败次数过多，请60分钟后再试"]
    last = T0 + dt.timedelta(minutes=38)
    soon = last + dt.timedelta(minutes=1)
    for client in (clients[0], "203.0.113.99"):  # any client, even one that never failed, with the right password
        result = login(s, "office", client=client, now=soon)
        assert (result.ok, result.message) == (False, "登录失败次数过多，请60分钟后再试")
    assert login(s, "leader", client=clients[0], now=soon).ok  # a different username is unaffected
    frame = auth.locked_frame(session=s, viewer=SYSTEM, now=soon)
    assert [tuple(r) for r in frame[["用户名", "客户端"]].itertuples(index=False)] == [("office", "全部客户端")]
    assert list(frame["锁定至"]) == [last + dt.timedelta(minutes=60)]
    assert not login(s, "office", client="203.0.113.99", now=last + dt.timedelta(minutes=59)).ok
    assert login(s, "office", client="203.0.113.99", now=last + dt.timedelta(minutes=60)).ok  # it passes


def test_an_admin_unlock_of_every_client_lifts_the_account_pause(s):
    for i in range(20):
        login(s, "office", "wrong", client=f"198.51.100.{i + 1}", now=T0 + dt.timedelta(minutes=i))
    soon = T0 + dt.timedelta(minutes=25)
    assert not login(s, "office", client="203.0.113.99", now=soon).ok
    auth.unlock(session=s, viewer=ADMIN, username="office", client="198.51.100.1", now=soon)  # one client: not it
    assert not login(s, "office", client="203.0.113.99", now=soon + dt.timedelta(seconds=1)).ok
    auth.unlock(session=s, viewer=ADMIN, username="office", now=soon + dt.timedelta(seconds=2))  # "*"
    with auth_session(s) as a:
        assert a.exec(select(m.AccountUnlock.client).order_by(m.AccountUnlock.id)).scalars().all() == [
            "198.51.100.1", "*"]
    assert login(s, "office", client="203.0.113.99", now=soon + dt.timedelta(seconds=3)).ok
    assert auth.locked_frame(session=s, viewer=SYSTEM, now=soon + dt.timedelta(seconds=4)).empty


def test_the_account_thresholds_come_from_the_environment(s, monkeypatch):
    monkeypatch.setenv("ACCOUNT_LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("ACCOUNT_LOCKOUT_MINUTES", "90")
    for i in range(3):
        result = login(s, "leader", "wrong", client=f"198.51.100.{i + 1}", now=T0 + dt.timedelta(seconds=i))
    assert result.message == "登录失败次数过多，请90分钟后再试"


# --- whom client_id believes --------------------------------------------------------------------

FORGED = {"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "7.7.7.7"}


def test_forged_headers_from_loopback_are_ignored_without_trusted_proxies(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert auth.client_id(peer="127.0.0.1", headers=FORGED) == "127.0.0.1"
    assert auth.client_id(peer="127.0.0.1", headers={"X-Real-IP": "7.7.7.7"}) == "127.0.0.1"
    assert auth.client_id(peer="::ffff:127.0.0.1", headers=FORGED) == "127.0.0.1"
    assert auth.client_id(peer="::1", headers=FORGED) == "::1"


def test_a_listed_proxy_is_believed_up_to_the_nearest_untrusted_hop(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24")
    chain = {"X-Forwarded-For": "6.6.6.6, 198.51.100.9, 10.0.0.7", "X-Real-IP": "7.7.7.7"}
    assert auth.client_id(peer="127.0.0.1", headers=chain) == "198.51.100.9"
    assert auth.client_id(peer="::ffff:127.0.0.1", headers=chain) == "198.51.100.9"  # the same proxy
    assert auth.client_id(peer="127.0.0.1", headers={"X-Real-IP": "198.51.100.9"}) == "198.51.100.9"
    assert auth.client_id(peer="203.0.113.7", headers=chain) == "203.0.113.7"  # not listed: not believed


def test_no_peer_is_one_shared_bucket(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    for peer in (None, "", "unknown"):
        assert auth.client_id(peer=peer, headers=FORGED) == auth.NO_ADDRESS
        assert auth.client_id(peer=peer, headers={}) == auth.NO_ADDRESS
    assert auth.NO_ADDRESS == "未知地址"  # never a per-session name: a new browser session is no new client


def test_ended_sessions_are_pruned_after_90_days_and_live_ones_kept(s, t0):
    old_end = signed_in(s, "office", t0 - dt.timedelta(days=100))[0]  # ended by SESSION_HOURS 100 days ago
    recent = signed_in(s, "office", t0 - dt.timedelta(days=10))[0]  # ended 10 days ago: kept for now
    live = signed_in(s, "leader", t0)[0]
    signed_in(s, "leader", t0)  # a new login prunes
    assert session_row(s, old_end) is None
    assert session_row(s, recent) is not None and session_row(s, live) is not None
