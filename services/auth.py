"""Accounts, logins and who may do what: password hashing, lockouts, signed session tokens, kiosk tokens, audit."""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from db.engine import get_setting, project_root, set_setting
from db.models import (
    ROLES,
    STATION_ROLE,
    AccountUnlock,
    AppUser,
    AuditLog,
    KioskToken,
    LoginAttempt,
    Station,
)
from db.settings import Settings, get_settings
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

ACTIONS = ("登录", "登录失败", "退出", "导入", "撤销", "编辑", "导出", "用户管理", "解锁", "系统设置")
KIOSK = "kiosk"  # the pseudo-role of a 大屏 opened with a kiosk token
MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64
BCRYPT_ROUNDS = 12  # tests lower it; hashes record their own cost, so old hashes keep verifying
SECRET_KEY = "session_secret"  # AppSetting of a demo database's generated cookie secret
MIN_SECRET_LENGTH = 32
SECRETS_FILE = project_root() / ".streamlit" / "secrets.toml"


# --- permissions as data ------------------------------------------------------------------------

READ, ACT = "read", "act"
PAGES = ("总览", "包保督导", "任务清单", "工作要点", "指标", "地图", "数据导入", "导入记录", "数据填报", "上报监测",
         "会议材料", "系统设置", "用户管理", "审计日志", "大屏")
PRINCIPALS = (*ROLES, KIOSK)
VIEW_PAGES = ("总览", "包保督导", "任务清单", "工作要点", "指标", "地图")
# What a 监管所 account may import: its own station's rows of these kinds only.
STATION_IMPORT_KINDS = ("任务进度", "风险隐患")


def _matrix() -> dict[tuple[str, str], str | None]:
    """The issue's table, row by row: (page, role) -> read / act / None. Scoping (own station) is station_scope."""
    rows: dict[str, tuple[str | None, ...]] = {  # 领导, 食安办, 监管所, 管理员, kiosk
        **{page: (READ, READ, READ, READ, None) for page in VIEW_PAGES},
        "数据导入": (None, ACT, ACT, None, None),
        "导入记录": (READ, ACT, READ, READ, None),  # 食安办 may undo; 监管所 sees its own batches
        "数据填报": (None, ACT, ACT, None, None),
        "上报监测": (READ, READ, READ, READ, None),  # 监管所: its own station's rows only
        "会议材料": (ACT, ACT, None, None, None),
        "系统设置": (None, ACT, None, ACT, None),
        "用户管理": (None, None, None, ACT, None),
        "审计日志": (None, None, None, ACT, None),
        "大屏": (READ, READ, READ, READ, READ),
    }
    return {(page, who): level for page, levels in rows.items() for who, level in zip(PRINCIPALS, levels, strict=True)}


PERMISSIONS: dict[tuple[str, str], str | None] = _matrix()


def can(role: str | None, capability: str, action: str = READ) -> bool:
    """May this role see (read) or change (act) this page? Unknown roles, pages and actions may do nothing."""
    level = PERMISSIONS.get((capability, role or ""))
    if action == READ:
        return level in (READ, ACT)
    if action == ACT:
        return level == ACT
    return False


def require(user: Mapping[str, Any] | None, capability: str, action: str = READ) -> None:
    """Raise PermissionError (in Chinese) unless the user's role may do this; for data functions to call first."""
    role = user.get("role") if user else None
    if not can(role, capability, action):
        verb = "查看" if action == READ else "操作"
        raise PermissionError(f"当前账号无权{verb}“{capability}”")


def station_scope(user: Mapping[str, Any] | None) -> int | None:
    """The station a user's lists are limited to: a 监管所 account's own station; None = every station.

    A 监管所 account without a station is refused rather than shown everything."""
    if not user or user.get("role") != STATION_ROLE:
        return None
    station_id = user.get("station_id")
    if station_id is None:
        raise PermissionError("监管所账号未指定监管所，请联系管理员")
    return int(station_id)


# The rights the account functions below check (ACT to change, READ to list).
USER_ADMIN, KIOSK_ADMIN, AUDIT_PAGE = "用户管理", "系统设置", "审计日志"


def _check(actor: Actor | None, capability: str, action: str = ACT) -> None:
    """Refuse a web actor (a string role; "" = nobody logged in) without this right, before anything is written.
    The command line (role None) and no actor at all stay allowed."""
    if actor is not None and actor.role is not None:
        require({"role": actor.role}, capability, action)


# --- times as people read them ------------------------------------------------------------------

# China has kept UTC+8 without daylight saving since 1991: a fixed offset is exact and needs no tz database.
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def local_time_label(at: dt.datetime | None) -> str:
    """A stored (UTC) time as read in the bureau: 2026年11月22日 16:05; "" for none. Naive times are UTC."""
    if at is None or pd.isna(at):
        return ""
    if at.utcoffset() is None:
        at = at.replace(tzinfo=dt.UTC)
    t = at.astimezone(LOCAL_TZ)
    return f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}"


def _local_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, LOCAL_TZ).astimezone(dt.UTC)


# --- passwords ----------------------------------------------------------------------------------


def _password_bytes(password: str) -> bytes:
    """bcrypt reads at most 72 bytes: a longer password is first reduced to base64(sha256), always the same way."""
    raw = password.encode("utf-8")
    if len(raw) > 72:
        raw = base64.b64encode(hashlib.sha256(raw).digest())
    return raw


def hash_password(password: str) -> str:
    return bcrypt.hashpw(_password_bytes(password), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_password_bytes(password), password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):  # not a bcrypt hash: never a match
        return False


_dummy_hashes: dict[int, str] = {}


def _dummy_verify(password: str) -> None:
    """Spend the time a real check takes, so an unknown user answers as slowly as a wrong password."""
    dummy = _dummy_hashes.get(BCRYPT_ROUNDS)
    if dummy is None:
        dummy = _dummy_hashes[BCRYPT_ROUNDS] = hash_password(secrets.token_urlsafe(16))
    verify_password(password, dummy)


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:200]  # bounded: the name is stored with every attempt


def check_password_strength(password: str, *, username: str = "") -> None:
    """ValueError (in Chinese) for a password too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少{MIN_PASSWORD_LENGTH}个字符")
    if not password.strip():
        raise ValueError("密码不能全是空格")
    if username and password.strip().lower() == normalise_username(username):
        raise ValueError("密码不能与用户名相同")
    if len(set(password)) == 1:
        raise ValueError("密码不能由同一个字符重复组成")


# --- accounts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who performs an account change, for the audit log."""

    username: str | None
    role: str | None
    client: str

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except Exception:  # no login name in some containers
            who = "?"
        return cls(username=None, role=None, client=f"命令行:{who}")


def _actor(actor: Actor | None) -> Actor:
    return actor or Actor.cli()


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(dt.UTC)


def _get_user(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == normalise_username(username))).first()


@unit_of_work
def get_user(*, session: Session | None = None, username: str) -> dict[str, Any] | None:
    """An account by username (any case), without its hash; None when there is none."""
    user = _get_user(session, username)
    return _user_dict(session, user) if user is not None else None


def _require_user(session: Session, username: str) -> AppUser:
    user = _get_user(session, username)
    if user is None:
        raise LookupError(f"用户“{normalise_username(username)}”不存在")
    return user


def _user_dict(session: Session, user: AppUser) -> dict[str, Any]:
    station = session.get(Station, user.station_id) if user.station_id is not None else None
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name or user.username,
        "role": user.role,
        "station_id": user.station_id,
        "station_name": station.name if station else None,
        "is_active": user.is_active,
    }


@unit_of_work
def audit(*, session: Session | None = None, username: str | None, role: str | None, client: str | None, action: str,
          target: str | None, detail: dict[str, Any] | None = None) -> None:
    """Add one audit row to the caller's unit of work (an import logs in the same transaction as its rows).

    Never put a password or a token in `detail`."""
    session.add(AuditLog(at=dt.datetime.now(dt.UTC), username=username, role=role, client=client, action=action,
                         target=target, detail=detail))
    session.flush()


def _audit_change(session: Session, actor: Actor | None, target: str, detail: dict[str, Any],
                  action: str = "用户管理") -> None:
    a = _actor(actor)
    audit(session=session, username=a.username, role=a.role, client=a.client, action=action, target=target,
          detail=detail)


@unit_of_work
def create_user(*, session: Session | None = None, username: str, password: str, role: str, station_id: int | None = None,
                display_name: str | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Add an account (committed, audited). ValueError in Chinese for a bad name, role, station or password;
    PermissionError for a web actor who may not manage users."""
    _check(actor, USER_ADMIN)
    name = normalise_username(username)
    if not name:
        raise ValueError("用户名不能为空")
    if len(name) > MAX_USERNAME_LENGTH or re.search(r"[\s\x00-\x1f]", name) or name in ("*",):
        raise ValueError(f"用户名不能含空格或控制字符，且不超过{MAX_USERNAME_LENGTH}个字符")
    if role not in ROLES:
        raise ValueError(f"未知的角色“{role}”，可选：{'、'.join(ROLES)}")
    if role == STATION_ROLE:
        if station_id is None:
            raise ValueError("监管所账号必须指定所属监管所")
        if session.get(Station, station_id) is None:
            raise ValueError(f"监管所（编号 {station_id}）不存在")
    elif station_id is not None:
        raise ValueError("只有监管所账号可以指定监管所")
    check_password_strength(password, username=name)
    if _get_user(session, name) is not None:
        raise ValueError(f"用户名“{name}”已存在")
    user = AppUser(username=name, display_name=(display_name or "").strip() or None, role=role,
                   station_id=station_id, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    detail: dict[str, Any] = {"操作": "新增账号", "角色": role}
    if station_id is not None:
        detail["监管所"] = session.get(Station, station_id).name
    _audit_change(session, actor, name, detail)
    out = _user_dict(session, user)
    session.commit()
    return out


@unit_of_work
def set_password(*, session: Session | None = None, username: str, password: str, actor: Actor | None = None) -> None:
    """A new password; cookies issued before it stop working."""
    _check(actor, USER_ADMIN)
    user = _require_user(session, username)
    check_password_strength(password, username=user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = dt.datetime.now(dt.UTC)
    session.add(user)
    _audit_change(session, actor, user.username, {"操作": "修改密码"})
    session.commit()


def _set_active(session: Session, username: str, active: bool, actor: Actor | None) -> None:
    _check(actor, USER_ADMIN)
    user = _require_user(session, username)
    if not active and user.role == "管理员" and user.is_active:
        others = session.exec(select(func.count()).select_from(AppUser).where(
            AppUser.role == "管理员", col(AppUser.is_active).is_(True), AppUser.id != user.id)).one()
        if others == 0:
            raise ValueError("不能停用最后一个可用的管理员账号")
    user.is_active = active
    session.add(user)
    _audit_change(session, actor, user.username, {"操作": "启用账号" if active else "停用账号"})
    session.commit()


@unit_of_work
def deactivate(*, session: Session | None = None, username: str, actor: Actor | None = None) -> None:
    """Disable an account: it can no longer log in and its cookies stop working (the row stays for the audit)."""
    _set_active(session, username, False, actor)


@unit_of_work
def activate(*, session: Session | None = None, username: str, actor: Actor | None = None) -> None:
    _set_active(session, username, True, actor)


@unit_of_work
def users_frame(*, session: Session | None = None, actor: Actor | None = None) -> pd.DataFrame:
    """Every account, without its hash: 用户名, 姓名, 角色, 监管所, 状态, 创建时间."""
    _check(actor, USER_ADMIN, READ)
    rows = session.exec(
        select(AppUser.username, AppUser.display_name, AppUser.role, Station.name, AppUser.is_active,
               AppUser.created_at)
        .join(Station, col(AppUser.station_id) == Station.id, isouter=True)
        .order_by(AppUser.username)
        .limit(10_000)  # accounts are a few dozen; the bound only guards the page
    ).all()
    return pd.DataFrame(
        [(u, d or "", r, s or "", "启用" if a else "停用", c) for u, d, r, s, a, c in rows],
        columns=["用户名", "姓名", "角色", "监管所", "状态", "创建时间"],
    )


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


def _last_unlock(session: Session, username: str, client: str) -> dt.datetime | None:
    return session.exec(
        select(func.max(AccountUnlock.at)).where(
            AccountUnlock.username == username, col(AccountUnlock.client).in_([client, "*"]))
    ).one()


@unit_of_work
def lock_until(*, session: Session | None = None, username: str, client: str, now: dt.datetime | None = None,
               policy: LoginPolicy | None = None) -> dt.datetime | None:
    """When the lock of this username for this client ends, or None when it is not locked at `now`.

    A lock starts at the failure that makes `attempts` counted failures within `window` (after the last unlock)
    and lasts `lock`; failures before a lock do not count again once it has passed."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    name = normalise_username(username)
    since = now - policy.window - policy.lock
    unlocked = _last_unlock(session, name, client)
    if unlocked is not None and unlocked > since:
        since = unlocked
    times = session.exec(
        select(LoginAttempt.at).where(
            LoginAttempt.username == name, LoginAttempt.client == client, col(LoginAttempt.success).is_(False),
            col(LoginAttempt.reason).in_(COUNTED_REASONS), LoginAttempt.at > since, LoginAttempt.at <= now)
        .order_by(LoginAttempt.at, LoginAttempt.id)
        .limit(10_000)  # bounded: counted failures stop at `attempts` per lock, so a window holds few
    ).all()
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
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.client == client, col(LoginAttempt.success).is_(False),
            col(LoginAttempt.reason).in_(COUNTED_REASONS), LoginAttempt.at > now - policy.window,
            LoginAttempt.at <= now)
    ).one()


@unit_of_work
def authenticate(*, session: Session | None = None, username: str, password: str, client: str, now: dt.datetime | None = None,
                 policy: LoginPolicy | None = None) -> AuthResult:
    """Check a login and record it (LoginAttempt and AuditLog, committed). The message never tells an unknown
    user from a wrong password, nor whether a locked username exists."""
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    name = normalise_username(username)
    user = _get_user(session, name) if name else None
    locked_message = MSG_LOCKED.format(minutes=round(policy.lock.total_seconds() / 60))

    def finish(ok: bool, reason: str | None, message: str) -> AuthResult:
        if reason in (REASON_LOCKED, REASON_RATE_LIMITED):
            session.add(LoginAttempt(username=name, client=client, at=now, success=False, reason=reason))
        session.add(AuditLog(at=now, username=name or None, role=user.role if user is not None else None,
                             client=client, action="登录" if ok else "登录失败", target=name or None,
                             detail={"原因": reason} if reason else None))
        out = _user_dict(session, user) if ok and user is not None else None
        session.commit()
        return AuthResult(ok=ok, user=out, message=message)

    # Refusals before any password check: the same for existing and unknown usernames.
    if lock_until(session=session, username=name, client=client, now=now, policy=policy) is not None:
        return finish(False, REASON_LOCKED, locked_message)
    if client_failures(session=session, client=client, now=now, policy=policy) >= policy.client_limit:
        return finish(False, REASON_RATE_LIMITED, MSG_RATE_LIMITED)

    if user is None:
        _dummy_verify(password)
        reason: str | None = REASON_UNKNOWN_USER
    elif not verify_password(password, user.password_hash):
        reason = REASON_WRONG_PASSWORD
    elif not user.is_active:
        reason = REASON_DISABLED
    else:
        reason = None
    session.add(LoginAttempt(username=name, client=client, at=now, success=reason is None, reason=reason))
    session.flush()
    if reason is None:
        return finish(True, None, MSG_OK)
    # The failure that completes a lock says so at once.
    locked = lock_until(session=session, username=name, client=client, now=now, policy=policy) is not None
    return finish(False, reason, locked_message if locked else MSG_BAD_LOGIN)


@unit_of_work
def logout(*, session: Session | None = None, user: Mapping[str, Any], client: str) -> None:
    """Record a logout (the page deletes the cookie)."""
    audit(session=session, username=user.get("username"), role=user.get("role"), client=client, action="退出",
          target=user.get("username"))
    session.commit()


@unit_of_work
def unlock(*, session: Session | None = None, username: str, client: str | None = None, actor: Actor | None = None,
           now: dt.datetime | None = None) -> None:
    """Lift a lockout of a username, for one client or (None) every client; recorded and audited."""
    _check(actor, USER_ADMIN)
    name = normalise_username(username)
    if not name:
        raise ValueError("用户名不能为空")
    a = _actor(actor)
    session.add(AccountUnlock(username=name, client=client or "*", at=_now(now), by=a.username or a.client))
    _audit_change(session, a, name, {"操作": "解锁", "客户端": client or "全部"}, action="解锁")
    session.commit()


@unit_of_work
def locked_frame(*, session: Session | None = None, now: dt.datetime | None = None, policy: LoginPolicy | None = None,
                 actor: Actor | None = None, limit: int = 200) -> pd.DataFrame:
    """Usernames locked at `now`, per client: 用户名, 客户端, 锁定至 (UTC). Only pairs with enough recent counted
    failures are checked, so this stays cheap; the account need not exist (unknown names lock too)."""
    _check(actor, USER_ADMIN, READ)
    now, policy = _now(now), policy or LoginPolicy.from_settings()
    pairs = session.exec(
        select(LoginAttempt.username, LoginAttempt.client).where(
            col(LoginAttempt.success).is_(False), col(LoginAttempt.reason).in_(COUNTED_REASONS),
            LoginAttempt.at > now - policy.window - policy.lock, LoginAttempt.at <= now)
        .group_by(LoginAttempt.username, LoginAttempt.client)
        .having(func.count() >= policy.attempts)
        .order_by(LoginAttempt.username, LoginAttempt.client)
        .limit(limit)
    ).all()
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


def client_id(*, remote_ip: str | None, headers: Mapping[str, Any], trusted_proxies: set[str] | Iterable[str],
              session_fallback: str) -> str:
    """Who is knocking, for lockouts and the audit log.

    Behind a trusted proxy: the X-Forwarded-For chain read from the right, skipping trusted proxies (the left end
    is whatever the browser sent), else X-Real-IP. Otherwise the connection's own address. Streamlit gives no
    address for loopback connections: then a proxy on the same host is trusted when TRUSTED_PROXIES names a
    loopback address, and a direct local browser is told apart by its session."""
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
    user = _get_user(session, str(body["u"]))
    if user is None or not user.is_active or user.role != body["r"] or user.station_id != body.get("s"):
        return None
    changed = user.password_changed_at
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    if not isinstance(body["iat"], int | float) or changed.timestamp() > body["iat"] + 0.001:
        return None  # issued before the password was last set
    return _user_dict(session, user)


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


# --- kiosk tokens -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@unit_of_work
def create_kiosk_token(*, session: Session | None = None, label: str, token: str | None = None,
                       actor: Actor | None = None) -> str:
    """A new kiosk token; the clear token is returned once and only its sha256 is kept. `token` fixes it (demo)."""
    _check(actor, KIOSK_ADMIN)
    label = (label or "").strip()
    if not label:
        raise ValueError("大屏令牌须有名称")
    clear = token or secrets.token_urlsafe(24)
    session.add(KioskToken(token_hash=_token_hash(clear), label=label, created_at=dt.datetime.now(dt.UTC)))
    session.flush()
    _audit_change(session, actor, label, {"操作": "新增大屏令牌"})
    session.commit()
    return clear


@unit_of_work
def check_kiosk_token(*, session: Session | None = None, token: str | None) -> bool:
    if not token or len(token) > 512:
        return False
    wanted = _token_hash(token)
    hashes = session.exec(
        select(KioskToken.token_hash).where(col(KioskToken.is_active).is_(True)).limit(1000)  # a handful exist
    ).all()
    found = False
    for h in hashes:  # look at every one: the time taken does not depend on where a match is
        found |= hmac.compare_digest(h, wanted)
    return found


@unit_of_work
def deactivate_kiosk_token(*, session: Session | None = None, token_id: int, actor: Actor | None = None) -> None:
    _check(actor, KIOSK_ADMIN)
    row = session.get(KioskToken, token_id)
    if row is None:
        raise LookupError(f"大屏令牌 #{token_id} 不存在")
    row.is_active = False
    session.add(row)
    _audit_change(session, actor, row.label, {"操作": "停用大屏令牌", "编号": token_id})
    session.commit()


@unit_of_work
def kiosk_tokens_frame(*, session: Session | None = None, actor: Actor | None = None) -> pd.DataFrame:
    """Every kiosk token's number, label, state and date (the tokens themselves are not kept)."""
    _check(actor, KIOSK_ADMIN, READ)
    rows = session.exec(select(KioskToken).order_by(KioskToken.id).limit(1000)).all()
    return pd.DataFrame([(t.id, t.label, "启用" if t.is_active else "停用", t.created_at) for t in rows],
                        columns=["编号", "名称", "状态", "创建时间"])


# --- the audit log ------------------------------------------------------------------------------

AUDIT_LIMIT = 5000  # rows the audit page and its export show at most


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """An audit row's detail as a clerk reads it: "操作：新增账号；角色：领导" (nested values as compact JSON)."""
    if not detail:
        return ""
    def value(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return "；".join(f"{k}：{value(v)}" for k, v in detail.items())


@unit_of_work
def audit_frame(*, session: Session | None = None, action: str | None = None, user: str | None = None,
                start: dt.date | None = None, end: dt.date | None = None, limit: int = AUDIT_LIMIT,
                actor: Actor | None = None) -> pd.DataFrame:
    """The newest audit rows first (bounded: the page and its export show at most `limit`).

    `user`: part of the username, any case; `start`/`end`: calendar days in Asia/Shanghai, both included."""
    _check(actor, AUDIT_PAGE, READ)
    q = select(AuditLog).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    if action:
        q = q.where(AuditLog.action == action)
    wanted = (user or "").strip().lower()
    if wanted:
        q = q.where(func.lower(AuditLog.username).contains(wanted, autoescape=True))
    if start is not None:
        q = q.where(AuditLog.at >= _local_day_start(start))
    if end is not None:
        q = q.where(AuditLog.at < _local_day_start(end + dt.timedelta(days=1)))
    rows = session.exec(q).all()
    return pd.DataFrame(
        [(r.at, r.username or "", r.role or "", r.client or "", r.action, r.target or "",
          detail_text(r.detail)) for r in rows],
        columns=["时间", "用户", "角色", "客户端", "操作", "对象", "详情"],
    )
