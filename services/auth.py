"""Logins: who may enter and how it is recorded — authentication with lockouts (per username and client, and per
account across every client) and a per-client rate limit, logout and unlock, and the client behind a trusted proxy.
Attempts, unlocks and audit rows are written in the auth store (db/authstore.py), so a sign-in never waits behind an
import. Sessions are services.sessions; passwords are hashed in services.rules.passwords; account administration is
services.accounts."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlmodel import Session

from db import accounts as store
from db.authstore import auth_session
from db.engine import is_demo_database as _is_demo_database
from db.settings import Settings, get_settings
from services import accounts, sessions
from services.rules import passwords
from services.rules.permissions import ACT, READ, USER_ADMIN, require
from services.rules.viewer import Viewer
from services.unit import unit_of_work

# --- words the user sees ------------------------------------------------------------------------

MSG_BAD_LOGIN = "用户名或密码错误"  # the same for an unknown user, a wrong password and a disabled account
MSG_LOCKED = "登录失败次数过多，请{minutes}分钟后再试"  # minutes: LOCKOUT_MINUTES (15)
MSG_RATE_LIMITED = "尝试过于频繁，请稍后再试"
MSG_OK = "登录成功"

# Why an attempt failed (kept in LoginAttempt.reason and the audit detail; never shown on the login page).
REASON_WRONG_PASSWORD = "密码错误"
REASON_UNKNOWN_USER = "用户不存在"
REASON_DISABLED = "账号已停用"
REASON_LOCKED = "已锁定"
REASON_RATE_LIMITED = "尝试过频"
# Only attempts that tested a password count towards a lockout; refusals while locked do not extend it.
COUNTED_REASONS = (REASON_WRONG_PASSWORD, REASON_UNKNOWN_USER, REASON_DISABLED)
ACCOUNT_WIDE = "全部客户端"  # the client column of an account-wide pause (locked_frame)



def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(dt.UTC)


# --- accounts as a login sees them ----------------------------------------------------------------


@unit_of_work
def get_user(*, session: Session | None = None, username: str) -> dict[str, Any] | None:
    """An account by username (any case), without its hash; None when there is none."""
    user = store.get_user_row(session, passwords.normalise_username(username))
    return store.user_dict(session, user) if user is not None else None


@unit_of_work
def is_demo_database(*, session: Session | None = None) -> bool:
    """Is this the demo database (the login page then names the demo accounts)?"""
    return _is_demo_database(session)


# --- logins and lockouts ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPolicy:
    attempts: int = 5  # failures of one username from one client …
    window: dt.timedelta = dt.timedelta(minutes=15)  # … within this time …
    lock: dt.timedelta = dt.timedelta(minutes=15)  # … lock that username for that client this long
    client_limit: int = 20  # failures from one client (any username) within the window before it must pause
    account_attempts: int = 20  # failures of one username from every client together …
    account_window: dt.timedelta = dt.timedelta(minutes=60)  # … within this time …
    account_lock: dt.timedelta = dt.timedelta(minutes=60)  # … pause that username everywhere this long

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LoginPolicy:
        s = settings or get_settings()
        minutes = dt.timedelta(minutes=s.lockout_minutes)
        account = dt.timedelta(minutes=s.account_lockout_minutes)
        return cls(attempts=s.lockout_attempts, window=minutes, lock=minutes, client_limit=s.client_rate_limit,
                   account_attempts=s.account_lockout_attempts, account_window=account, account_lock=account)


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    user: dict[str, Any] | None
    message: str


def _lock_end(own: Session, name: str, client: str | None, now: dt.datetime, attempts: int,
              window: dt.timedelta, lock: dt.timedelta) -> dt.datetime | None:
    """When a lock of this username (from this client, or None: from every client together) ends, or None.

    A lock starts at the failure that makes `attempts` counted failures within `window` (after the last unlock)
    and lasts `lock`; failures before a lock do not count again once it has passed."""
    since = now - window - lock
    unlocked = store.last_unlock(own, name, client or "*")
    if unlocked is not None and unlocked > since:
        since = unlocked
    # Bounded: counted failures stop at `attempts` per lock, so a window holds few.
    times = store.failure_times(own, username=name, client=client, reasons=COUNTED_REASONS, since=since, until=now)
    until, start = None, 0
    for i, t in enumerate(times):
        while times[start] < t - window:
            start += 1
        if i - start + 1 >= attempts:
            until, start = t + lock, i + 1
    return until if until is not None and now < until else None


def _locks(own: Session, name: str, client: str, now: dt.datetime,
           policy: LoginPolicy) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(the end of this client's lock of the username, the end of the username's lock across all clients)."""
    return (_lock_end(own, name, client, now, policy.attempts, policy.window, policy.lock),
            _lock_end(own, name, None, now, policy.account_attempts, policy.account_window, policy.account_lock))


@unit_of_work
def lock_until(*, session: Session | None = None, username: str, client: str, now: dt.datetime | None = None,
               policy: LoginPolicy | None = None) -> dt.datetime | None:
    """When the lock of this username for this client ends — its own, or the account's across every client,
    whichever is later — or None when it is not locked at `now`."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    with auth_session(session) as own:
        ends = [t for t in _locks(own, passwords.normalise_username(username), client, now, policy) if t]
    return max(ends) if ends else None


@unit_of_work
def client_failures(*, session: Session | None = None, client: str, now: dt.datetime | None = None,
                    policy: LoginPolicy | None = None) -> int:
    """Counted failures from one client, any username, within the window ending at `now`."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    with auth_session(session) as own:
        return store.client_failure_count(own, client=client, reasons=COUNTED_REASONS, since=now - policy.window,
                                          until=now)


@unit_of_work
def authenticate(*, session: Session | None = None, username: str, password: str, client: str,
                 now: dt.datetime | None = None, policy: LoginPolicy | None = None) -> AuthResult:
    """Check a login and record it (LoginAttempt and AuditLog in the auth store, committed). The message never tells
    an unknown user from a wrong password, nor whether a locked username exists. The account is only read from the
    main database, so an import holding its writer never delays a sign-in."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    name = passwords.normalise_username(username)
    user = store.get_user_row(session, name) if name else None
    with auth_session(session) as own:

        def finish(ok: bool, reason: str | None, message: str) -> AuthResult:
            if reason in (REASON_LOCKED, REASON_RATE_LIMITED):
                store.add_login_attempt(own, username=name, client=client, at=now, success=False, reason=reason)
            store.add_audit(own, at=now, username=name or None, role=user.role if user is not None else None,
                            client=client, action="登录" if ok else "登录失败", target=name or None,
                            detail={"原因": reason} if reason else None)
            own.commit()
            out = store.user_dict(session, user) if ok and user is not None else None
            return AuthResult(ok=ok, user=out, message=message)

        def lock_message(ends: tuple[dt.datetime | None, dt.datetime | None]) -> str | None:
            if ends[0] is None and ends[1] is None:
                return None
            longest = policy.account_lock if ends[1] is not None else policy.lock
            return MSG_LOCKED.format(minutes=round(longest.total_seconds() / 60))

        # Refusals before any password check: the same for existing and unknown usernames.
        if locked := lock_message(_locks(own, name, client, now, policy)):
            return finish(False, REASON_LOCKED, locked)
        if store.client_failure_count(own, client=client, reasons=COUNTED_REASONS, since=now - policy.window,
                                      until=now) >= policy.client_limit:
            return finish(False, REASON_RATE_LIMITED, MSG_RATE_LIMITED)

        if user is None:
            passwords.dummy_verify(password)
            reason: str | None = REASON_UNKNOWN_USER
        elif not passwords.verify_password(password, user.password_hash):
            reason = REASON_WRONG_PASSWORD
        elif not user.is_active:
            reason = REASON_DISABLED
        else:
            reason = None
        store.add_login_attempt(own, username=name, client=client, at=now, success=reason is None, reason=reason)
        if reason is None:
            return finish(True, None, MSG_OK)
        # The failure that completes a lock says so at once.
        locked = lock_message(_locks(own, name, client, now, policy))
        return finish(False, reason, locked or MSG_BAD_LOGIN)


@unit_of_work
def logout(*, session: Session | None = None, viewer: Viewer, session_id: int | None = None) -> None:
    """End this login on the server (a replayed cookie then meets the login form) and record it."""
    if session_id is not None:
        sessions.end(session=session, session_id=session_id)
    accounts.audit(session=session, viewer=viewer, action="退出", target=viewer.username)
    session.commit()


@unit_of_work
def unlock(*, session: Session | None = None, viewer: Viewer, username: str, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Lift a lockout of a username, for one client or (None) every client and the account-wide pause; recorded
    and audited."""
    require(viewer, USER_ADMIN, ACT)
    name = passwords.normalise_username(username)
    if not name:
        raise ValueError("用户名不能为空")
    with auth_session(session) as own:
        store.add_unlock(own, username=name, client=client or "*", at=_now(now),
                         by=viewer.username or viewer.client)
        store.add_audit(own, username=viewer.username, role=viewer.role, client=viewer.client, action="解锁",
                        target=name, detail={"操作": "解锁", "客户端": client or "全部"})
        own.commit()


@unit_of_work
def locked_frame(*, session: Session | None = None, viewer: Viewer, now: dt.datetime | None = None,
                 policy: LoginPolicy | None = None, limit: int = 200) -> pd.DataFrame:
    """Usernames locked at `now`, per client (客户端 "全部客户端": the account-wide pause): 用户名, 客户端, 锁定至 (UTC). Only pairs with enough recent counted
    failures are checked, so this stays cheap; the account need not exist (unknown names lock too)."""
    require(viewer, USER_ADMIN, READ)
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    rows = []
    with auth_session(session) as own:
        pairs = store.frequent_failures(own, reasons=COUNTED_REASONS, since=now - policy.window - policy.lock,
                                        until=now, at_least=policy.attempts, limit=limit)
        for name, client in pairs:
            until = _lock_end(own, name, client, now, policy.attempts, policy.window, policy.lock)
            if until is not None:
                rows.append((name, client, until))
        for name in dict.fromkeys(n for n, _ in store.frequent_failures(
                own, reasons=COUNTED_REASONS, since=now - policy.account_window - policy.account_lock, until=now,
                at_least=1, limit=limit)):
            until = _lock_end(own, name, None, now, policy.account_attempts, policy.account_window,
                              policy.account_lock)
            if until is not None:
                rows.append((name, ACCOUNT_WIDE, until))
    return pd.DataFrame(rows, columns=["用户名", "客户端", "锁定至"])


# --- who is the client ---------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str | Iterable[str] | None) -> set[str]:
    """TRUSTED_PROXIES ("10.0.0.2, 10.0.1.0/24") as a set of addresses and networks; bad entries are ignored."""
    items = text.split(",") if isinstance(text, str) else list(text or ())
    out = set()
    for item in items:
        item = item.strip()
        if not item:
            continue
        try:
            out.add(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            continue
    return out


def _ip(text: str | None) -> str | None:
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 1.2.3.4:5678
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(addr, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket is 127.0.0.1
    return str(mapped or addr)


def _trusted(ip: str | None, networks: list[Network]) -> bool:
    if ip is None:
        return False
    addr = ipaddress.ip_address(ip)
    return any(addr.version == n.version and addr in n for n in networks)


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value or "")
    return ""


NO_ADDRESS = "未知地址"  # the client when no connection is known (AppTest, a misconfigured launch): one shared bucket
PEER_HEADER = "X-Shian-Peer"  # the socket peer, written by server.py's middleware (a browser's own is removed)


def is_trusted_proxy(peer: str | None, trusted_proxies: set[str] | Iterable[str] | None = None) -> bool:
    """Is this connection's peer a proxy listed in TRUSTED_PROXIES (None = as configured)?"""
    if trusted_proxies is None:
        trusted_proxies = get_settings().trusted_proxies
    networks = [ipaddress.ip_network(p, strict=False) for p in parse_trusted_proxies(trusted_proxies)]
    return _trusted(_ip(peer), networks)


def client_id(*, peer: str | None, headers: Mapping[str, Any],
              trusted_proxies: set[str] | Iterable[str] | None = None) -> str:
    """Who is knocking, for lockouts and the audit log: the connection's own address (`peer`, the raw socket peer),
    unless that peer is a proxy listed in TRUSTED_PROXIES — then the nearest X-Forwarded-For entry that is not a
    listed proxy (read from the right; the left end is whatever the browser sent), else X-Real-IP. No header counts
    from anyone else, loopback included. A new browser session is never a new client; without a known connection
    every such login shares NO_ADDRESS. `trusted_proxies`: None = as configured."""
    if trusted_proxies is None:  # as configured (TRUSTED_PROXIES)
        trusted_proxies = get_settings().trusted_proxies
    networks = [ipaddress.ip_network(p, strict=False) for p in parse_trusted_proxies(trusted_proxies)]
    peer_ip = _ip(peer)
    if peer_ip is None:
        return NO_ADDRESS
    if _trusted(peer_ip, networks):
        chain = [_ip(part) for part in _header(headers, "X-Forwarded-For").split(",") if part.strip()]
        for hop in reversed(chain):
            if hop is None:
                break  # a garbled hop: nothing left of it can be believed
            if not _trusted(hop, networks):
                return hop
        real = _ip(_header(headers, "X-Real-IP"))
        if real and not chain:
            return real
    return peer_ip
