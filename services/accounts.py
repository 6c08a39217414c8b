"""Account administration (用户管理), kiosk tokens and the audit log: every change checked against the viewer
(a web account needs the right; the system — the command line — may do everything), committed and audited."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlmodel import Session

from db import accounts as store
from db.authstore import add_when_committed, auth_session
from services import sessions
from services.rules import passwords
from services.rules.localtime import as_utc, local_day_start
from services.rules.permissions import (
    ACT,
    AUDIT_PAGE,
    KIOSK_ADMIN,
    READ,
    ROLES,
    STATION_ROLE,
    USER_ADMIN,
    require,
)
from services.rules.viewer import Viewer
from services.unit import unit_of_work

AUDIT_LIMIT = 5000  # rows the audit page and its export show at most


# --- the audit log ------------------------------------------------------------------------------


def audit(*, session: Session | None = None, viewer: Viewer, action: str, target: str | None,
          detail: dict[str, Any] | None = None) -> None:
    """One audit row for what this viewer did, in the auth store (db/authstore.py). With `session` (the caller's unit
    of work on the main database): written when it commits and dropped if it rolls back — an import's 导入 row
    exists only if the import does. Without: written and committed at once.

    Never put a password or a token in `detail`."""
    row = store.audit_row(username=viewer.username, role=viewer.role, client=viewer.client, action=action,
                          target=target, detail=detail)
    if session is not None:
        add_when_committed(session, row)
        return
    with auth_session() as own:
        own.add(row)
        own.commit()


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """An audit row's detail as a clerk reads it: "操作：新增账号；角色：领导" (nested values as compact JSON)."""
    if not detail:
        return ""
    def value(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return "；".join(f"{k}：{value(v)}" for k, v in detail.items())


@unit_of_work
def audit_frame(*, session: Session | None = None, viewer: Viewer, action: str | None = None,
                user: str | None = None, start: dt.date | None = None, end: dt.date | None = None,
                limit: int = AUDIT_LIMIT) -> pd.DataFrame:
    """The newest audit rows first (bounded: the page and its export show at most `limit`).

    `user`: part of the username, any case; `start`/`end`: calendar days in Asia/Shanghai, both included."""
    require(viewer, AUDIT_PAGE, READ)
    with auth_session(session) as own:
        rows = store.audit_rows(
            own, action=action or None, user=(user or "").strip().lower() or None,
        since=local_day_start(start) if start is not None else None,
            before=local_day_start(end + dt.timedelta(days=1)) if end is not None else None, limit=limit)
    return pd.DataFrame(
        [(r.at, r.username or "", r.role or "", r.client or "", r.action, r.target or "",
          detail_text(r.detail)) for r in rows],
        columns=["时间", "用户", "角色", "客户端", "操作", "对象", "详情"],
    )


# --- accounts -----------------------------------------------------------------------------------


def _require_user(session: Session, username: str):
    user = store.get_user_row(session, passwords.normalise_username(username))
    if user is None:
        raise LookupError(f"用户“{passwords.normalise_username(username)}”不存在")
    return user


def _check_role(session: Session, role: str, station_id: int | None) -> None:
    if role not in ROLES:
        raise ValueError(f"未知的角色“{role}”，可选：{'、'.join(ROLES)}")
    if role == STATION_ROLE:
        if station_id is None:
            raise ValueError("监管所账号必须指定所属监管所")
        if store.station_name(session, station_id) is None:
            raise ValueError(f"监管所（编号 {station_id}）不存在")
    elif station_id is not None:
        raise ValueError("只有监管所账号可以指定监管所")


@unit_of_work
def create_user(*, session: Session | None = None, viewer: Viewer, username: str, password: str, role: str,
                station_id: int | None = None, display_name: str | None = None) -> dict[str, Any]:
    """Add an account (committed, audited). ValueError in Chinese for a bad name, role, station or password;
    PermissionError for a viewer who may not manage users."""
    require(viewer, USER_ADMIN, ACT)
    name = passwords.normalise_username(username)
    if not name:
        raise ValueError("用户名不能为空")
    if len(name) > passwords.MAX_USERNAME_LENGTH or re.search(r"[\s\x00-\x1f]", name) or name in ("*",):
        raise ValueError(f"用户名不能含空格或控制字符，且不超过{passwords.MAX_USERNAME_LENGTH}个字符")
    _check_role(session, role, station_id)
    passwords.check_password_strength(password, username=name)
    if store.get_user_row(session, name) is not None:
        raise ValueError(f"用户名“{name}”已存在")
    user = store.add_user(session, username=name, display_name=(display_name or "").strip() or None, role=role,
                          station_id=station_id, password_hash=passwords.hash_password(password))
    detail: dict[str, Any] = {"操作": "新增账号", "角色": role}
    if station_id is not None:
        detail["监管所"] = store.station_name(session, station_id)
    audit(session=session, viewer=viewer, action="用户管理", target=name, detail=detail)
    out = store.user_dict(session, user)
    session.commit()
    return out


@unit_of_work
def set_password(*, session: Session | None = None, viewer: Viewer, username: str, password: str) -> None:
    """A new password; cookies issued before it stop working."""
    require(viewer, USER_ADMIN, ACT)
    user = _require_user(session, username)
    passwords.check_password_strength(password, username=user.username)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = dt.datetime.now(dt.UTC)
    session.add(user)
    audit(session=session, viewer=viewer, action="用户管理", target=user.username, detail={"操作": "修改密码"})
    session.commit()
    sessions.revoke_account(session, user.username, sessions.ENDED_PASSWORD)


def _set_active(session: Session, viewer: Viewer, username: str, active: bool) -> None:
    require(viewer, USER_ADMIN, ACT)
    user = _require_user(session, username)
    if not active and user.role == "管理员" and user.is_active:
        if store.count_other_active(session, "管理员", user.id) == 0:
            raise ValueError("不能停用最后一个可用的管理员账号")
    user.is_active = active
    session.add(user)
    audit(session=session, viewer=viewer, action="用户管理", target=user.username,
          detail={"操作": "启用账号" if active else "停用账号"})
    session.commit()
    if not active:  # enabling again revives no old session: they were revoked here
        sessions.revoke_account(session, user.username, sessions.ENDED_DISABLED)


@unit_of_work
def set_role(*, session: Session | None = None, viewer: Viewer, username: str, role: str,
             station_id: int | None = None) -> None:
    """Change an account's role (and station): its sessions end at once, so the new role applies from the next
    login."""
    require(viewer, USER_ADMIN, ACT)
    user = _require_user(session, username)
    _check_role(session, role, station_id)
    if user.role == "管理员" and role != "管理员" and user.is_active \
            and store.count_other_active(session, "管理员", user.id) == 0:
        raise ValueError("不能改变最后一个可用的管理员账号的角色")
    before = user.role
    user.role, user.station_id = role, station_id
    session.add(user)
    detail: dict[str, Any] = {"操作": "修改角色", "原角色": before, "新角色": role}
    if station_id is not None:
        detail["监管所"] = store.station_name(session, station_id)
    audit(session=session, viewer=viewer, action="用户管理", target=user.username, detail=detail)
    session.commit()
    sessions.revoke_account(session, user.username, sessions.ENDED_ROLE)


@unit_of_work
def sign_out_everywhere(*, session: Session | None = None, viewer: Viewer, username: str) -> int:
    """An administrator's 退出所有登录 for one account: every session of it ends at once; audited. How many."""
    require(viewer, USER_ADMIN, ACT)
    user = _require_user(session, username)
    count = sessions.revoke_account(session, user.username, sessions.ENDED_EVERYWHERE)
    audit(session=session, viewer=viewer, action="用户管理", target=user.username,
          detail={"操作": sessions.ENDED_EVERYWHERE, "结束的登录": count})
    session.commit()
    return count


@unit_of_work
def deactivate(*, session: Session | None = None, viewer: Viewer, username: str) -> None:
    """Disable an account: it can no longer log in and its cookies stop working (the row stays for the audit)."""
    _set_active(session, viewer, username, False)


@unit_of_work
def activate(*, session: Session | None = None, viewer: Viewer, username: str) -> None:
    _set_active(session, viewer, username, True)


@unit_of_work
def users_frame(*, session: Session | None = None, viewer: Viewer) -> pd.DataFrame:
    """Every account, without its hash: 用户名, 姓名, 角色, 监管所, 状态, 在线登录 (live sessions), 创建时间."""
    require(viewer, USER_ADMIN, READ)
    live = sessions.live_counts(session=session)
    return pd.DataFrame(
        [(u, d or "", r, s or "", "启用" if a else "停用", live.get(u, 0), c)
         for u, d, r, s, a, c in store.user_rows(session)],
        columns=["用户名", "姓名", "角色", "监管所", "状态", "在线登录", "创建时间"],
    )


# --- kiosk tokens -------------------------------------------------------------------------------


@unit_of_work
def create_kiosk_token(*, session: Session | None = None, viewer: Viewer, label: str,
                       token: str | None = None) -> str:
    """A new kiosk token; the clear token is returned once and only its sha256 is kept. `token` fixes it (demo)."""
    require(viewer, KIOSK_ADMIN, ACT)
    label = (label or "").strip()
    if not label:
        raise ValueError("大屏令牌须有名称")
    clear = token or secrets.token_urlsafe(24)
    with auth_session(session) as own:
        store.add_kiosk_token(own, token_hash=passwords.token_hash(clear), label=label)
        store.add_audit(own, username=viewer.username, role=viewer.role, client=viewer.client, action="用户管理",
                        target=label, detail={"操作": "新增大屏令牌"})
        own.commit()
    return clear


@unit_of_work
def check_kiosk_token(*, session: Session | None = None, token: str | None,
                      now: dt.datetime | None = None) -> bool:
    """Does this token open the 大屏 (active)? Its last use is recorded, at most once a minute."""
    if not token or len(token) > 512:
        return False
    wanted = passwords.token_hash(token)
    with auth_session(session) as own:
        match = None
        for h in store.active_kiosk_hashes(own):  # look at every one: the time taken does not depend on the match
            if hmac.compare_digest(h, wanted):
                match = h
        if match is None:
            return False
        now = now or dt.datetime.now(dt.UTC)
        row = store.kiosk_token_by_hash(own, match)
        last = row.last_used_at
        if last is None or now - as_utc(last) >= dt.timedelta(minutes=1):
            row.last_used_at = now
            own.commit()
        return True


@unit_of_work
def deactivate_kiosk_token(*, session: Session | None = None, viewer: Viewer, token_id: int) -> None:
    """Revoke a kiosk token: a screen showing it meets the login form on its next refresh."""
    require(viewer, KIOSK_ADMIN, ACT)
    with auth_session(session) as own:
        row = store.get_kiosk_token(own, token_id)
        if row is None:
            raise LookupError(f"大屏令牌 #{token_id} 不存在")
        row.is_active = False
        own.add(row)
        store.add_audit(own, username=viewer.username, role=viewer.role, client=viewer.client, action="用户管理",
                        target=row.label, detail={"操作": "停用大屏令牌", "编号": token_id})
        own.commit()


@unit_of_work
def kiosk_tokens_frame(*, session: Session | None = None, viewer: Viewer) -> pd.DataFrame:
    """Every kiosk token's number, label, state, date and last use (the tokens themselves are not kept)."""
    require(viewer, KIOSK_ADMIN, READ)
    with auth_session(session) as own:
        rows = store.kiosk_token_rows(own)
        return pd.DataFrame([(t.id, t.label, "启用" if t.is_active else "停用", t.created_at, t.last_used_at)
                             for t in rows], columns=["编号", "名称", "状态", "创建时间", "最近使用"])
