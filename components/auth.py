"""Who is looking: the login form, the server-side session, logout and the principal every page and data call is
checked against. The rules themselves (roles, lockouts, sessions) live in services/auth.py and services/sessions.py;
this is only the Streamlit side.

A login lives on the server (services/sessions.py). After the password is checked, the browser is sent to
/account/signin (server.py), which sets the session's token as an HttpOnly cookie and sends it back to its page; every
later run reads that cookie from the websocket handshake (`st.context.cookies`), so a reload or an opened link is
logged in on its first run. Every run asks the server whether the session still lives (revoked, idle, expired, the
account changed). Whoever this run acts for is a services.rules.viewer.Viewer (NOBODY when nobody).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any
from urllib.parse import quote, urlsplit

import streamlit as st

from components import run
from services import accounts, auth, sessions
from services.rules import fmt
from services.rules.passwords import MAX_USERNAME_LENGTH
from services.rules.permissions import KIOSK, roles_for
from services.rules.viewer import NOBODY, Viewer

SESSION_KEY = "_auth_session"  # id of this browser session's login (services.sessions)
_KIOSK_KEY = "_auth_kiosk"
_PRINCIPAL, _USER = "principal", "current_user"  # components.run: asked once per run


def _headers() -> dict[str, str]:
    try:
        return dict(st.context.headers)
    except Exception:  # no request (AppTest)
        return {}


def client() -> str:
    """The client for lockouts and the audit log: the connection's peer (server.py passes it on), or a trusted
    proxy's forwarded address (services.auth.client_id)."""
    headers = _headers()
    peer = next((v for k, v in headers.items() if k.lower() == auth.PEER_HEADER.lower()), None)
    return auth.client_id(peer=peer, headers=headers)


def _cookie_value() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no request (AppTest)
        return None
    return value if isinstance(value, str) and value else None


def current_user() -> Viewer:
    """The logged-in account as a Viewer, or NOBODY. Re-checked against the server's session once every run."""
    return run.once(_USER, _current_user)


def _current_user() -> Viewer:
    account = _current_account()
    return Viewer.of_account(account, client=client()) if account else NOBODY


def _current_account() -> dict[str, Any] | None:
    sid = st.session_state.get(SESSION_KEY)
    if sid is not None:
        live = sessions.resume(session_id=sid)
        if live is not None:
            return live.user
        st.session_state.pop(SESSION_KEY, None)  # ended elsewhere: the login form, whatever the cookie says
        return None
    token = _cookie_value()
    live = sessions.resume(token=token) if token else None
    if live is None:
        return _sso_session()
    st.session_state[SESSION_KEY] = live.session_id
    return live.user


def kiosk_principal() -> Viewer:
    """A kiosk opened with /kiosk?token=TOKEN (or the older ?kiosk=TOKEN; valid tokens only): it may see the 大屏
    and nothing else. The token is checked again on every run, so revoking it ends the screen at its next refresh.
    NOBODY without a valid token."""
    token = st.query_params.get("token") or st.query_params.get("kiosk") or st.session_state.get(_KIOSK_KEY)
    if not token:
        return NOBODY
    ok = accounts.check_kiosk_token(token=token)
    if not ok:
        st.session_state.pop(_KIOSK_KEY, None)
        return NOBODY
    st.session_state[_KIOSK_KEY] = token  # kept on the server only, for runs whose URL no longer carries it
    return Viewer(role=KIOSK, display_name="大屏")  # a screen writes nothing: no client


def principal() -> Viewer:
    """Whoever this run acts for: a logged-in account, else a kiosk token, else NOBODY.

    Asked of the server once per script run (components.run): the frame, the sidebar and each data call of the page
    share the answer, and a revoked session ends at the next run as before."""
    return run.once(_PRINCIPAL, _principal)


def _principal() -> Viewer:
    who = current_user()
    return who if who.logged_in else kiosk_principal()


def log_in(username: str, password: str) -> tuple[auth.AuthResult, bool]:
    """Check a login through the lockout rules; on success start a server-side session for this browser session
    and send the browser to /account/signin for its cookie. Returns the result and whether the browser is on its
    way there (never in AppTest, which has no browser: the session's id alone logs it in)."""
    who = client()
    result = auth.authenticate(username=username, password=password, client=who)
    leaving = False
    if result.ok and result.user:
        sid, code = sessions.begin(user=result.user, client=who)
        st.session_state[SESSION_KEY] = sid
        run.forget(_PRINCIPAL, _USER)
        leaving = _send_browser_to(f"{sessions.SIGNIN_PATH}?code={code}&next={quote(_here(), safe='')}")
    return result, leaving


def _here() -> str:
    """This page's path and query, where the browser returns after /account/signin."""
    try:
        path = urlsplit(str(st.context.url or "")).path or "/"
    except Exception:  # no request (AppTest)
        path = "/"
    if path.rstrip("/").endswith("/login"):  # the login page itself: the role's first page instead
        path = "/"
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in st.query_params.to_dict().items())
    return path + (f"?{query}" if query else "")


def _send_browser_to(url: str) -> bool:
    """Navigate the browser to a server endpoint (Streamlit's own redirect message, as st.login uses). False when
    there is no browser (AppTest)."""
    if not _headers():
        return False
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    ctx.enqueue(msg)
    return True


def audit_export(file_name: str, rows: int) -> None:
    """on_click of a download: who exported which table (action 导出)."""
    export_audit(file_name, rows)()


def export_audit(file_name: str, rows: int) -> functools.partial[None]:
    """The audit of an export (action 导出), bound to this run's viewer: a file made when its button is clicked is
    made outside the script run, where the session cannot be asked who is exporting."""
    who = principal()
    who = who if who.client else dataclasses.replace(who, client=client())  # a kiosk's Viewer carries none
    return functools.partial(accounts.audit, viewer=who, action="导出", target=file_name, detail={"行数": rows})


def log_out(viewer: Viewer) -> bool:
    """End the login on the server at once, then send the browser to /account/signout to drop its cookie. True when
    the browser is on its way (the page then stops)."""
    if viewer.username:
        auth.logout(viewer=viewer, session_id=st.session_state.get(SESSION_KEY))
    st.session_state.pop(SESSION_KEY, None)
    run.forget(_PRINCIPAL, _USER)
    return _send_browser_to(sessions.SIGNOUT_PATH)


def server_base_url() -> str:
    """scheme://host of the request this run answers ("" when unknown, e.g. in AppTest)."""
    try:
        parts = urlsplit(str(st.context.url or ""))
    except Exception:  # no request (AppTest)
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


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
            result, leaving = log_in(username, password)
            if result.ok and leaving:  # the page reloads with its cookie: the form stays until then
                st.info("正在登录…", icon=":material/login:")
                st.stop()
            if result.ok:
                st.rerun()
            st.error(result.message)
    life = sessions.Lifetimes.from_settings()
    st.caption(f"登录后{_hours_text(life.absolute.total_seconds() / 3600)}内刷新页面或打开链接无须再次登录，"
               f"闲置超过{_hours_text(life.idle.total_seconds() / 3600)}须重新登录；退出登录后本次登录立即失效。"
               "连续输错密码将暂时锁定。忘记密码请联系系统管理员。")
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


def _sso_session() -> dict[str, Any] | None:
    """An account for an identity st.login vouched for: the local account named by its e-mail or preferred
    username, with a server-side session of its own (so logout and revocation work the same). An identity without
    a local account gets no role and sees nothing."""
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
            sid, _ = sessions.begin(user=user, client=client())
            st.session_state[SESSION_KEY] = sid
            return user
    return None


def sidebar_account(user: Viewer) -> None:
    with st.sidebar:
        st.divider()
        who = user.display_name or user.username
        role = user.role + (f" · {user.station_name}" if user.station_name else "")
        st.caption(f"当前用户：{fmt.md_escape(who)}（{fmt.md_escape(role)}）")
        if st.button("退出登录", key="logout", icon=":material/logout:"):
            leaving = log_out(user)
            if _sso_configured() and _sso_logged_in():
                st.logout()
            elif leaving:
                st.stop()  # the browser is on its way to /account/signout
            st.rerun()


def _sso_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False
