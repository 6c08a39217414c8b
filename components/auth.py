"""Who is looking: the login form, the session cookie, logout and the principal every page and data call is checked
against. The rules themselves (roles, lockouts, tokens) live in services/auth.py; this is only the Streamlit side.

The signed login cookie is written in the browser by extra-streamlit-components' CookieManager and read back on the
server from the websocket handshake (`st.context.cookies`), so a reload or an opened link is logged in on its first
run. The session keeps only the username; every run re-reads the account, so a disabled account or a changed
password takes effect at once. Whoever this run acts for is a services.rules.viewer.Viewer (NOBODY when nobody).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from services import accounts, auth
from services.rules import fmt
from services.rules.passwords import MAX_USERNAME_LENGTH
from services.rules.permissions import KIOSK, roles_for
from services.rules.viewer import NOBODY, Viewer

COOKIE = "shian_session"
USER_KEY = "auth_user"  # username of the account logged in in this browser session
_SET_KEY = "_auth_cookie_set"  # (token, expires) still to be written by the cookie component
_CLEAR_KEY = "_auth_cookie_clear"  # the cookie is to be removed (after a logout or an expired token)
_KIOSK_KEY = "_auth_kiosk"
_UNTIL_KEY = "_auth_until"  # POSIX time the login ends: a reload may reconnect to this very session (Streamlit ≥ 1.61)


def _session_id() -> str:
    sid = st.session_state.get("_auth_sid")
    if sid is None:
        sid = st.session_state["_auth_sid"] = uuid.uuid4().hex[:12]
    return sid


def client() -> str:
    """The client for lockouts and the audit log (a trusted proxy's forwarded address, the peer, or this session)."""
    ctx = st.context
    try:
        headers = dict(ctx.headers)
    except Exception:  # no request (AppTest)
        headers = {}
    try:
        ip = ctx.ip_address
    except Exception:
        ip = None
    return auth.client_id(remote_ip=ip, headers=headers, session_fallback=_session_id())


def _cookie_value() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no request (AppTest)
        return None


def current_user() -> Viewer:
    """The logged-in account as a Viewer, or NOBODY. Re-checked against the database on every run."""
    account = _current_account()
    return Viewer.of_account(account, client=client()) if account else NOBODY


def _current_account() -> dict[str, Any] | None:
    name = st.session_state.get(USER_KEY)
    if name:
        until = st.session_state.get(_UNTIL_KEY)
        user = auth.get_user(username=name)
        if user and user["is_active"] and (until is None or dt.datetime.now(dt.UTC).timestamp() < until):
            return user
        _forget()
        return None
    if st.session_state.get(_CLEAR_KEY):
        return None  # logged out in this session: the handshake's cookie is stale
    token = _cookie_value()
    if not token:
        return _remember(_sso_account())
    try:
        secret = auth.session_secret()
    except RuntimeError:  # no secret configured: nobody can be logged in by cookie
        return None
    user = auth.user_from_token(token=token, secret=secret)
    if user is None:
        st.session_state[_CLEAR_KEY] = True  # expired or void: remove it from the browser
        return None
    _remember(user, until=float(auth.read_session_token(token, secret=secret)["exp"]))
    return user


def _forget() -> None:
    """End this session's login and remove the cookie from the browser."""
    for key in (USER_KEY, _SET_KEY, _UNTIL_KEY):
        st.session_state.pop(key, None)
    st.session_state[_CLEAR_KEY] = True


def _remember(user: dict[str, Any] | None, until: float | None = None) -> dict[str, Any] | None:
    if user:
        st.session_state[USER_KEY] = user["username"]
        st.session_state[_UNTIL_KEY] = until if until is not None else (
            dt.datetime.now(dt.UTC).timestamp() + auth.session_hours() * 3600)
    return user


def kiosk_principal() -> Viewer:
    """A kiosk opened with /kiosk?token=TOKEN (or the older ?kiosk=TOKEN; valid tokens only): it may see the 大屏
    and nothing else. NOBODY without a valid token."""
    token = st.query_params.get("token") or st.query_params.get("kiosk")
    if not token:
        return st.session_state.get(_KIOSK_KEY) or NOBODY
    ok = accounts.check_kiosk_token(token=token)
    principal = Viewer(role=KIOSK, display_name="大屏") if ok else None  # a screen writes nothing: no client
    st.session_state[_KIOSK_KEY] = principal
    return principal or NOBODY


def principal() -> Viewer:
    """Whoever this run acts for: a logged-in account, else a kiosk token, else NOBODY."""
    who = current_user()
    return who if who.logged_in else kiosk_principal()


def log_in(username: str, password: str) -> auth.AuthResult:
    """Check a login through the lockout rules; on success remember it in the session and schedule the cookie."""
    hours = auth.session_hours()
    result = auth.authenticate(username=username, password=password, client=client())
    if result.ok and result.user:
        secret = auth.session_secret()
        now = dt.datetime.now(dt.UTC)
        token = auth.issue_session_token(user=result.user, secret=secret, hours=hours, now=now)
        expires = now + dt.timedelta(seconds=max(1, int(hours * 3600)))
        st.session_state[USER_KEY] = result.user["username"]
        st.session_state[_UNTIL_KEY] = float(auth.read_session_token(token, secret=secret, now=now)["exp"])
        st.session_state[_SET_KEY] = (token, expires)
        st.session_state.pop(_CLEAR_KEY, None)
    return result


def audit_export(file_name: str, rows: int) -> None:
    """on_click of a download: who exported which table (action 导出)."""
    who = principal()
    who = who if who.client else dataclasses.replace(who, client=client())  # a kiosk's Viewer carries none
    accounts.audit(viewer=who, action="导出", target=file_name, detail={"行数": rows})


def log_out(viewer: Viewer) -> None:
    if viewer.username:
        auth.logout(viewer=viewer)
    _forget()


def server_base_url() -> str:
    """scheme://host of the request this run answers ("" when unknown, e.g. in AppTest)."""
    try:
        parts = urlsplit(str(st.context.url or ""))
    except Exception:  # no request (AppTest)
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _secure() -> bool:
    try:
        return str(st.context.url or "").startswith("https://")
    except Exception:
        return False


def sync_cookie() -> None:
    """Write or remove the login cookie in the browser (zero-height component, same position on every run)."""
    pending = st.session_state.get(_SET_KEY)
    clear = st.session_state.get(_CLEAR_KEY)
    if not pending and not clear:
        return
    import extra_streamlit_components as stx

    manager = stx.CookieManager(key="auth-cookies")
    if pending:
        token, expires = pending
        manager.set(COOKIE, token, key="auth-cookie-set", expires_at=expires, secure=_secure(), same_site="strict")
    else:
        # An expiry in the past removes it; the value is emptied too in case the browser keeps it.
        manager.set(COOKIE, "", key="auth-cookie-clear", expires_at=dt.datetime(1970, 1, 2, tzinfo=dt.UTC),
                    secure=_secure(), same_site="strict")


def login_form() -> None:
    """The 登录 page: a narrow form in the middle of the wide layout."""
    _, middle, _ = st.columns([1, 1.3, 1])
    with middle:
        _login_form_body()


def _login_form_body() -> None:
    st.title("食安督导看板")
    with st.form("login", enter_to_submit=True):  # Enter logs in; chrome.py hides the English hint
        st.subheader("登录")
        username = st.text_input("用户名", key="login_username", max_chars=MAX_USERNAME_LENGTH,
                                 autocomplete="username")
        password = st.text_input("密码", type="password", key="login_password", max_chars=256,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    if submitted:
        if not username.strip() or not password:
            st.error("请输入用户名和密码")
        else:
            result = log_in(username, password)
            if result.ok:
                st.rerun()
            st.error(result.message)
    hours = auth.session_hours()
    st.caption(f"登录后{_hours_text(hours)}内刷新页面或打开链接无须再次登录；连续输错密码将暂时锁定。"
               "忘记密码请联系系统管理员。")
    if auth.is_demo_database():
        st.info("演示库账号（密码均为 demo1234）：leader（领导）、office（食安办）、mingshui（明水所）、admin（管理员）")
    sso_button()


def forbidden(page: str) -> None:
    """What a role that may not open this page sees at its URL: the page's name, no data, and whom to ask."""
    st.title(page)
    st.error(f"无权访问：当前账号不能打开“{page}”页面。", icon=":material/block:")
    roles = "、".join(roles_for(page))
    whom = f"此页面供{roles}账号使用。" if roles else ""
    st.info(f"{whom}如工作需要，请联系系统管理员开通权限；左侧菜单列出了当前账号可以打开的页面。",
            icon=":material/info:")


def _hours_text(hours: float) -> str:
    if hours >= 1 and float(hours).is_integer():
        return f"{int(hours)}小时"
    return f"{round(hours * 60)}分钟"


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml
        return False


def sso_button() -> None:
    """Single sign-on (OIDC via st.login) when [auth] is set in .streamlit/secrets.toml; see the README."""
    if not _sso_configured():
        return
    st.divider()
    if st.button("使用单位统一身份认证登录", key="sso-login"):
        st.login()


def _sso_account() -> dict[str, Any] | None:
    """An account for an identity st.login vouched for: the local account named by its e-mail or preferred
    username. An identity without a local account gets no role and sees nothing."""
    if not _sso_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        names = [st.user.get("preferred_username"), st.user.get("email")]
    except Exception:
        return None
    for name in filter(None, names):
        user = auth.get_user(username=str(name))
        if user and user["is_active"]:
            return user
    return None


def sidebar_account(user: Viewer) -> None:
    with st.sidebar:
        st.divider()
        who = user.display_name or user.username
        role = user.role + (f" · {user.station_name}" if user.station_name else "")
        st.caption(f"当前用户：{fmt.md_escape(who)}（{fmt.md_escape(role)}）")
        if st.button("退出登录", key="logout", icon=":material/logout:"):
            log_out(user)
            if _sso_configured() and _sso_logged_in():
                st.logout()
            st.rerun()


def _sso_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False
