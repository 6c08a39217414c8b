"""Logins: who may enter and how it is recorded — authentication with lockouts and rate limits, logout and unlock,
the client behind a trusted proxy, and the signed session token (the login cookie) with its secret. Passwords are
hashed in services.rules.passwords, the rows kept in db.accounts; account administration is services.accounts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from db import accounts as store
from db.engine import get_setting, project_root, set_setting
from db.engine import is_demo_database as _is_demo_database
from db.settings import Settings, get_settings
from services import accounts
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

SECRET_KEY = "session_secret"  # AppSetting of a demo database's generated cookie secret
MIN_SECRET_LENGTH = 32
SECRETS_FILE = project_root() / ".streamlit" / "secrets.toml"


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


def session_hours() -> float:
    """How long a login lasts (SESSION_HOURS)."""
    return get_settings().session_hours


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

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LoginPolicy:
        s = settings or get_settings()
        minutes = dt.timedelta(minutes=s.lockout_minutes)
        return cls(attempts=s.lockout_attempts, window=minutes, lock=minutes, client_limit=s.client_rate_limit)


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    user: dict[str, Any] | None
    message: str


@unit_of_work
def lock_until(*, session: Session | None = None, username: str, client: str, now: dt.datetime | None = None,
               policy: LoginPolicy | None = None) -> dt.datetime | None:
    """When the lock of this username for this client ends, or None when it is not locked at `now`.

    A lock starts at the failure that makes `attempts` counted failures within `window` (after the last unlock)
    and lasts `lock`; failures before a lock do not count again once it has passed."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    name = passwords.normalise_username(username)
    since = now - policy.window - policy.lock
    unlocked = store.last_unlock(session, name, client)
    if unlocked is not None and unlocked > since:
        since = unlocked
    # Bounded: counted failures stop at `attempts` per lock, so a window holds few.
    times = store.failure_times(session, username=name, client=client, reasons=COUNTED_REASONS, since=since,
                                until=now)
    until, start = None, 0
    for i, t in enumerate(times):
        while times[start] < t - policy.window:
            start += 1
        if i - start + 1 >= policy.attempts:
            until, start = t + policy.lock, i + 1
    return until if until is not None and now < until else None


@unit_of_work
def client_failures(*, session: Session | None = None, client: str, now: dt.datetime | None = None,
                    policy: LoginPolicy | None = None) -> int:
    """Counted failures from one client, any username, within the window ending at `now`."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    return store.client_failure_count(session, client=client, reasons=COUNTED_REASONS, since=now - policy.window,
                                      until=now)


@unit_of_work
def authenticate(*, session: Session | None = None, username: str, password: str, client: str,
                 now: dt.datetime | None = None, policy: LoginPolicy | None = None) -> AuthResult:
    """Check a login and record it (LoginAttempt and AuditLog, committed). The message never tells an unknown
    user from a wrong password, nor whether a locked username exists."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    name = passwords.normalise_username(username)
    user = store.get_user_row(session, name) if name else None
    locked_message = MSG_LOCKED.format(minutes=round(policy.lock.total_seconds() / 60))

    def finish(ok: bool, reason: str | None, message: str) -> AuthResult:
        if reason in (REASON_LOCKED, REASON_RATE_LIMITED):
            store.add_login_attempt(session, username=name, client=client, at=now, success=False, reason=reason)
        store.add_audit(session, at=now, username=name or None, role=user.role if user is not None else None,
                        client=client, action="登录" if ok else "登录失败", target=name or None,
                        detail={"原因": reason} if reason else None)
        out = store.user_dict(session, user) if ok and user is not None else None
        session.commit()
        return AuthResult(ok=ok, user=out, message=message)

    # Refusals before any password check: the same for existing and unknown usernames.
    if lock_until(session=session, username=name, client=client, now=now, policy=policy) is not None:
        return finish(False, REASON_LOCKED, locked_message)
    if client_failures(session=session, client=client, now=now, policy=policy) >= policy.client_limit:
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
    store.add_login_attempt(session, username=name, client=client, at=now, success=reason is None, reason=reason)
    if reason is None:
        return finish(True, None, MSG_OK)
    # The failure that completes a lock says so at once.
    locked = lock_until(session=session, username=name, client=client, now=now, policy=policy) is not None
    return finish(False, reason, locked_message if locked else MSG_BAD_LOGIN)


@unit_of_work
def logout(*, session: Session | None = None, viewer: Viewer) -> None:
    """Record a logout (the page deletes the cookie)."""
    accounts.audit(session=session, viewer=viewer, action="退出", target=viewer.username)
    session.commit()


@unit_of_work
def unlock(*, session: Session | None = None, viewer: Viewer, username: str, client: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Lift a lockout of a username, for one client or (None) every client; recorded and audited."""
    require(viewer, USER_ADMIN, ACT)
    name = passwords.normalise_username(username)
    if not name:
        raise ValueError("用户名不能为空")
    store.add_unlock(session, username=name, client=client or "*", at=_now(now), by=viewer.username or viewer.client)
    accounts.audit(session=session, viewer=viewer, action="解锁", target=name,
                   detail={"操作": "解锁", "客户端": client or "全部"})
    session.commit()


@unit_of_work
def locked_frame(*, session: Session | None = None, viewer: Viewer, now: dt.datetime | None = None,
                 policy: LoginPolicy | None = None, limit: int = 200) -> pd.DataFrame:
    """Usernames locked at `now`, per client: 用户名, 客户端, 锁定至 (UTC). Only pairs with enough recent counted
    failures are checked, so this stays cheap; the account need not exist (unknown names lock too)."""
    require(viewer, USER_ADMIN, READ)
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    pairs = store.frequent_failures(session, reasons=COUNTED_REASONS, since=now - policy.window - policy.lock,
                                    until=now, at_least=policy.attempts, limit=limit)
    rows = []
    for name, client in pairs:
        until = lock_until(session=session, username=name, client=client, now=now, policy=policy)
        if until is not None:
            rows.append((name, client, until))
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
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


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


def client_id(*, remote_ip: str | None, headers: Mapping[str, Any], session_fallback: str,
              trusted_proxies: set[str] | Iterable[str] | None = None) -> str:
    """Who is knocking, for lockouts and the audit log.

    Behind a trusted proxy: the X-Forwarded-For chain read from the right, skipping trusted proxies (the left end
    is whatever the browser sent), else X-Real-IP. Otherwise the connection's own address. Streamlit gives no
    address for loopback connections: then a proxy on the same host is trusted when TRUSTED_PROXIES names a
    loopback address, and a direct local browser is told apart by its session. `trusted_proxies`: None = as configured."""
    if trusted_proxies is None:  # as configured (TRUSTED_PROXIES)
        trusted_proxies = get_settings().trusted_proxies
    networks = [ipaddress.ip_network(p, strict=False) for p in parse_trusted_proxies(trusted_proxies)]
    peer = _ip(remote_ip)
    loopback_trusted = any(n.network_address.is_loopback for n in networks)
    from_proxy = _trusted(peer, networks) if peer else (not (remote_ip or "").strip() and loopback_trusted)
    if from_proxy:
        chain = [_ip(part) for part in _header(headers, "X-Forwarded-For").split(",") if part.strip()]
        for hop in reversed(chain):
            if hop is None:
                break  # a garbled hop: nothing left of it can be believed
            if not _trusted(hop, networks):
                return hop
        real = _ip(_header(headers, "X-Real-IP"))
        if real:
            return real
    if peer:
        return peer
    return f"session:{session_fallback}"


# --- signed session tokens (the login cookie) -----------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())


def issue_session_token(*, user: Mapping[str, Any], secret: str, hours: float,
                        now: dt.datetime | None = None) -> str:
    """payload.signature, both base64url: {u, r, s, iat, exp} signed with HMAC-SHA256."""
    now = _now(now)
    iat = round(now.timestamp(), 3)  # milliseconds: a password changed a moment later still voids the token
    body = {"u": user["username"], "r": user["role"], "s": user.get("station_id"), "iat": iat,
            "exp": int(iat) + max(1, int(hours * 3600))}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{payload}.{_sign(payload, secret)}"


def read_session_token(token: str | None, *, secret: str, now: dt.datetime | None = None) -> dict | None:
    """The payload of a genuine, unexpired token; None for anything else (never raises on bad input)."""
    if not token or not isinstance(token, str) or token.count(".") != 1 or len(token) > 4096:
        return None
    payload, signature = token.split(".")
    try:
        expected = _sign(payload, secret)
        if not hmac.compare_digest(expected, signature):
            return None
        body = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(body, dict) or not {"u", "r", "exp", "iat"} <= body.keys():
        return None
    if not isinstance(body["exp"], int) or _now(now).timestamp() >= body["exp"]:
        return None
    return body


@unit_of_work
def user_from_token(*, session: Session | None = None, token: str | None, secret: str,
                    now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The account behind a cookie, if the token is genuine and unexpired and the account is still active, with
    the same role and station, and its password unchanged since the token was issued."""
    body = read_session_token(token, secret=secret, now=now)
    if body is None:
        return None
    user = store.get_user_row(session, passwords.normalise_username(str(body["u"])))
    if user is None or not user.is_active or user.role != body["r"] or user.station_id != body.get("s"):
        return None
    changed = user.password_changed_at
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    if not isinstance(body["iat"], int | float) or changed.timestamp() > body["iat"] + 0.001:
        return None  # issued before the password was last set
    return store.user_dict(session, user)


def _secrets_toml_secret(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    value = (data.get("auth_cookie") or {}).get("secret")
    return str(value) if value else None


@unit_of_work
def session_secret(*, session: Session | None = None, secrets_path: Path | None = None) -> str:
    """The key that signs login cookies: SESSION_SECRET, else secrets.toml [auth_cookie] secret; a demo database
    without either gets a random one stored in the database. A real database without one cannot log anyone in."""
    configured = os.environ.get("SESSION_SECRET") or _secrets_toml_secret(secrets_path or SECRETS_FILE)
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise RuntimeError(f"登录密钥太短：SESSION_SECRET 至少{MIN_SECRET_LENGTH}个字符")
        return configured
    if get_setting(session, "database_kind") == "demo":
        stored = get_setting(session, SECRET_KEY)
        if stored:
            return stored
        value = secrets.token_urlsafe(48)
        # A plain commit, not a write_session: a secret is not data, caches stay valid.
        set_setting(session, SECRET_KEY, value, "演示库自动生成的登录 Cookie 签名密钥（正式库请设置 SESSION_SECRET）")
        session.commit()
        return get_setting(session, SECRET_KEY) or value
    raise RuntimeError(
        "未配置登录密钥：请设置环境变量 SESSION_SECRET（至少32个字符的随机串，"
        "例如 python -c \"import secrets; print(secrets.token_urlsafe(48))\" 的输出），"
        "或写入 .streamlit/secrets.toml 的 [auth_cookie] secret"
    )
