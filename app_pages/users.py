"""用户管理 (管理员): accounts, passwords, unlocks, kiosk tokens. Every change goes through db/auth, which checks the
web user's role again and writes the audit row."""

from collections.abc import Callable
from urllib.parse import urlsplit

import streamlit as st
from sqlmodel import Session

from components import auth as web_auth
from components import data
from db import queries
from db.models import ROLES, STATION_ROLE
from services import auth
from services.rules import fmt

FLASH = "users_flash"  # a success message for the next run (st.rerun would drop one shown now)
NEW_TOKEN = "users_new_kiosk_token"  # (label, token): shown once on the next run, then forgotten
GEN = "users_form_gen"  # bumped after a success so the forms start empty (no password left in a field)

user = web_auth.current_user()
actor = web_auth.actor(user)
st.title("用户管理")
if not auth.can(actor.role, auth.USER_ADMIN, auth.ACT):
    st.error("当前账号无权操作“用户管理”")
    st.stop()

gen = st.session_state.setdefault(GEN, 0)
if flash := st.session_state.pop(FLASH, None):
    st.success(fmt.md_escape(flash))


def attempt(change: Callable[[Session], object], done: str | None) -> object | None:
    """Run one change in its own session: on success remember `done` and return the result (True for none);
    a refusal from db/auth is shown in its own words and nothing is written."""
    with Session(data.engine()) as session:
        try:
            out = change(session)
        except (ValueError, LookupError, PermissionError) as exc:
            session.rollback()
            st.error(fmt.md_escape(exc))
            return None
    if done:
        st.session_state[FLASH] = done
    st.session_state[GEN] = gen + 1
    return out if out is not None else True


def passwords_match(first: str, second: str) -> bool:
    if first != second:
        st.error("两次输入的密码不一致")
        return False
    return True


with Session(data.engine()) as session:
    users = auth.users_frame(session=session, actor=actor)
    locked = auth.locked_frame(session=session, actor=actor)
    tokens = auth.kiosk_tokens_frame(session=session, actor=actor)
    stations = queries.stations(session=session)
station_names = {int(i): name for i, name in zip(stations["station_id"], stations["station"], strict=True)}
usernames = users["用户名"].tolist()

t_users, t_add, t_password, t_state, t_unlock, t_kiosk = st.tabs(
    ["账号列表", "新增账号", "重置密码", "停用/启用", "解锁", "大屏令牌"])

with t_users:
    st.dataframe(users.assign(创建时间=users["创建时间"].map(auth.local_time_label)), hide_index=True,
                 key="users-table")
    st.caption(f"共{len(users)}个账号。停用的账号不能登录，已登录的会话也随即失效。")

with t_add:
    role = st.selectbox("角色", ROLES, key="new-role")
    with st.form(f"add-user-{gen}"):
        username = st.text_input("用户名", max_chars=auth.MAX_USERNAME_LENGTH, key=f"new-username-{gen}")
        display_name = st.text_input("姓名", max_chars=64, key=f"new-display-{gen}")
        station_id = None
        if role == STATION_ROLE:
            station_id = st.selectbox("监管所", list(station_names), format_func=station_names.get, index=None,
                                      placeholder="请选择所属监管所", key=f"new-station-{gen}")
        first = st.text_input("初始密码", type="password", max_chars=256, key=f"new-password-{gen}",
                              autocomplete="new-password")
        second = st.text_input("再次输入初始密码", type="password", max_chars=256, key=f"new-password2-{gen}",
                               autocomplete="new-password")
        st.caption(f"密码至少{auth.MIN_PASSWORD_LENGTH}个字符，不能与用户名相同。")
        submitted = st.form_submit_button("新增账号", type="primary")
    if submitted and passwords_match(first, second):
        if role == STATION_ROLE and station_id is None:
            st.error("监管所账号必须指定所属监管所")
        elif attempt(lambda s: auth.create_user(session=s, username=username, password=first, role=role,
                                                station_id=station_id, display_name=display_name, actor=actor),
                     f"已新增账号“{auth.normalise_username(username)}”（{role}）"):
            st.rerun()

with t_password:
    with st.form(f"set-password-{gen}"):
        target = st.selectbox("账号", usernames, index=None, placeholder="请选择账号", key=f"pw-user-{gen}")
        first = st.text_input("新密码", type="password", max_chars=256, key=f"pw-new-{gen}",
                              autocomplete="new-password")
        second = st.text_input("再次输入新密码", type="password", max_chars=256, key=f"pw-new2-{gen}",
                               autocomplete="new-password")
        st.caption("重置后该账号须用新密码重新登录。")
        submitted = st.form_submit_button("重置密码", type="primary")
    if submitted and passwords_match(first, second):
        if target is None:
            st.error("请选择账号")
        elif attempt(lambda s: auth.set_password(session=s, username=target, password=first, actor=actor),
                     f"已重置“{target}”的密码"):
            st.rerun()

with t_state:
    with st.form(f"set-active-{gen}"):
        target = st.selectbox("账号", usernames, index=None, placeholder="请选择账号", key=f"state-user-{gen}")
        left, right = st.columns(2)
        disable = left.form_submit_button("停用", icon=":material/block:")
        enable = right.form_submit_button("启用", icon=":material/check_circle:")
    if disable or enable:
        if target is None:
            st.error("请选择账号")
        elif disable and attempt(lambda s: auth.deactivate(session=s, username=target, actor=actor),
                                 f"已停用账号“{target}”"):
            st.rerun()
        elif enable and attempt(lambda s: auth.activate(session=s, username=target, actor=actor),
                                f"已启用账号“{target}”"):
            st.rerun()

with t_unlock:
    if locked.empty:
        st.caption("当前没有被锁定的用户名。")
    else:
        st.caption("当前被锁定的用户名（按登录的客户端分别计算）：")
        st.dataframe(locked.assign(锁定至=locked["锁定至"].map(auth.local_time_label)), hide_index=True,
                     key="locked-table")
    with st.form(f"unlock-{gen}"):
        target = st.text_input("用户名", max_chars=auth.MAX_USERNAME_LENGTH, key=f"unlock-user-{gen}",
                               help="解除该用户名在所有客户端上的登录锁定；用户名不必是已有账号。")
        submitted = st.form_submit_button("解锁", type="primary")
    if submitted and attempt(lambda s: auth.unlock(session=s, username=target, actor=actor),
                             f"已解除“{auth.normalise_username(target)}”的登录锁定"):
        st.rerun()

with t_kiosk:
    if new := st.session_state.pop(NEW_TOKEN, None):
        label, token = new
        st.success(f"已新增大屏令牌“{fmt.md_escape(label)}”。令牌只显示这一次，请立即复制保存：")
        st.code(token, language=None)
        try:
            parts = urlsplit(str(st.context.url or ""))
            base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        except Exception:  # no request (AppTest)
            base = ""
        st.caption("大屏打开以下地址即可（令牌停用后失效）：")
        st.code(f"{base or 'http://<服务器地址>'}/kiosk?token={token}", language=None)
    st.dataframe(tokens.assign(创建时间=tokens["创建时间"].map(auth.local_time_label)), hide_index=True,
                 key="kiosk-table")
    with st.form(f"add-kiosk-{gen}"):
        label = st.text_input("名称", max_chars=64, placeholder="例如：一楼大厅", key=f"kiosk-label-{gen}")
        submitted = st.form_submit_button("新增大屏令牌", type="primary")
    if submitted:
        token = attempt(lambda s: auth.create_kiosk_token(session=s, label=label, actor=actor), None)
        if token:
            st.session_state[NEW_TOKEN] = (label.strip(), token)
            st.rerun()
    active = tokens[tokens["状态"] == "启用"]
    token_labels = {int(i): name for i, name in zip(active["编号"], active["名称"], strict=True)}
    with st.form(f"disable-kiosk-{gen}"):
        token_id = st.selectbox("令牌", list(token_labels), index=None, placeholder="请选择要停用的令牌",
                                format_func=lambda i: f"#{i} {token_labels[i]}", key=f"kiosk-off-{gen}")
        submitted = st.form_submit_button("停用令牌")
    if submitted:
        if token_id is None:
            st.error("请选择令牌")
        elif attempt(lambda s: auth.deactivate_kiosk_token(session=s, token_id=int(token_id), actor=actor),
                     f"已停用大屏令牌“{token_labels[token_id]}”"):
            st.rerun()
