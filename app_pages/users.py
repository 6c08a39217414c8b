"""用户管理 (管理员): accounts, passwords, unlocks, kiosk tokens. Every change goes through services.accounts /
services.auth, which check the viewer's role again and write the audit row."""

from collections.abc import Callable

import streamlit as st

from components import auth as web_auth
from components import data, users_view, views
from services import accounts, auth
from services.rules import fmt
from services.rules.passwords import MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH, normalise_username
from services.rules.permissions import ACT, ROLES, STATION_ROLE, USER_ADMIN, can

FLASH = "users_flash"  # a success message for the next run (st.rerun would drop one shown now)
GEN = "users_form_gen"  # bumped after a success so the forms start empty (no password left in a field)

viewer = web_auth.current_user()
st.title("用户管理")
if not can(viewer.role, USER_ADMIN, ACT):
    st.error("当前账号无权操作“用户管理”")
    st.stop()

gen = st.session_state.setdefault(GEN, 0)
if flash := st.session_state.pop(FLASH, None):
    st.success(fmt.md_escape(flash))


def attempt(change: Callable[[], object], done: str | None) -> object | None:
    """Run one change: on success remember `done`, return the result (True for none); a refusal is shown."""
    try:
        out = change()
    except (ValueError, LookupError, PermissionError) as exc:
        st.error(fmt.md_escape(exc))
        return None
    if done:
        st.session_state[FLASH] = done
    st.session_state[GEN] = gen + 1
    return out if out is not None else True


def passwords_match(first: str, second: str) -> bool:
    if first != second:
        st.error("两次输入的密码不一致")
    return first == second


def password_pair(labels: tuple[str, str], keys: tuple[str, str]) -> list[str]:
    return [st.text_input(label, type="password", max_chars=256, key=key, autocomplete="new-password")
            for label, key in zip(labels, keys, strict=True)]


users = accounts.users_frame(viewer=viewer)
locked = auth.locked_frame(viewer=viewer)
tokens = accounts.kiosk_tokens_frame(viewer=viewer)
station_names = {int(row.station_id): row.station for row in data.stations().itertuples()}
usernames = users["用户名"].tolist()

t_users, t_add, t_password, t_role, t_state, t_unlock, t_kiosk = st.tabs(
    ["账号列表", "新增账号", "重置密码", "修改角色", "停用/启用/退出登录", "解锁", "大屏令牌"])

with t_users:
    st.dataframe(views.with_local_times(users, "创建时间"), hide_index=True, key="users-table")
    st.caption(f"共{len(users)}个账号。“在线登录”是该账号尚未失效的登录数。停用、重置密码、修改角色或“退出所有登录”"
               "后，该账号已有的登录立即失效（别处打开的页面下次操作即回到登录页）。")

with t_add:
    role = st.selectbox("角色", ROLES, placeholder="请选择", key="new-role")
    with st.form(f"add-user-{gen}"):
        username = st.text_input("用户名", max_chars=MAX_USERNAME_LENGTH, key=f"new-username-{gen}")
        display_name = st.text_input("姓名", max_chars=64, key=f"new-display-{gen}")
        station_id = None
        if role == STATION_ROLE:
            station_id = st.selectbox("监管所", list(station_names), format_func=station_names.get, index=None,
                                      placeholder="请选择所属监管所", key=f"new-station-{gen}")
        first, second = password_pair(("初始密码", "再次输入初始密码"), (f"new-password-{gen}", f"new-password2-{gen}"))
        st.caption(f"密码至少{MIN_PASSWORD_LENGTH}个字符，不能与用户名相同。")
        submitted = st.form_submit_button("新增账号", type="primary")
    if submitted and passwords_match(first, second):
        if role == STATION_ROLE and station_id is None:
            st.error("监管所账号必须指定所属监管所")
        elif attempt(lambda: accounts.create_user(viewer=viewer, username=username, password=first, role=role,
                                                  station_id=station_id, display_name=display_name),
                     f"已新增账号“{normalise_username(username)}”（{role}）"):
            st.rerun()

with t_password:
    with st.form(f"set-password-{gen}"):
        target = st.selectbox("账号", usernames, index=None, placeholder="请选择账号", key=f"pw-user-{gen}")
        first, second = password_pair(("新密码", "再次输入新密码"), (f"pw-new-{gen}", f"pw-new2-{gen}"))
        st.caption("重置后该账号须用新密码重新登录。")
        submitted = st.form_submit_button("重置密码", type="primary")
    if submitted and passwords_match(first, second):
        if target is None:
            st.error("请选择账号")
        elif attempt(lambda: accounts.set_password(viewer=viewer, username=target, password=first),
                     f"已重置“{target}”的密码"):
            st.rerun()

with t_role:
    new_role = st.selectbox("新角色", ROLES, index=None, placeholder="请选择", key="role-new")
    with st.form(f"set-role-{gen}"):
        target = st.selectbox("账号", usernames, index=None, placeholder="请选择账号", key=f"role-user-{gen}")
        station_id = None
        if new_role == STATION_ROLE:
            station_id = st.selectbox("监管所", list(station_names), format_func=station_names.get, index=None,
                                      placeholder="请选择所属监管所", key=f"role-station-{gen}")
        submitted = st.form_submit_button("修改角色", type="primary")
    if submitted and (target is None or new_role is None):
        st.error("请选择账号和新角色")
    elif submitted and attempt(lambda: accounts.set_role(viewer=viewer, username=target, role=new_role,
                                                         station_id=station_id),
                               f"已把“{target}”改为{new_role}，该账号须重新登录"):
        st.rerun()

with t_state:
    with st.form(f"set-active-{gen}"):
        target = st.selectbox("账号", usernames, index=None, placeholder="请选择账号", key=f"state-user-{gen}")
        left, middle, right = st.columns(3)
        disable = left.form_submit_button("停用", icon=":material/block:")
        enable = middle.form_submit_button("启用", icon=":material/check_circle:")
        everywhere = right.form_submit_button("退出所有登录", icon=":material/logout:")
    change, verb = ((accounts.deactivate, "停用账号") if disable else (accounts.activate, "启用账号") if enable
                    else (accounts.sign_out_everywhere, "结束全部登录："))
    if (disable or enable or everywhere) and target is None:
        st.error("请选择账号")
    elif (disable or enable or everywhere) and attempt(lambda: change(viewer=viewer, username=target),
                                                       f"已{verb}“{target}”"):
        st.rerun()

with t_unlock:
    if locked.empty:
        st.caption("当前没有被锁定的用户名。")
    else:
        st.caption("当前被锁定的用户名（按登录的客户端分别计算）：")
        st.dataframe(views.with_local_times(locked, "锁定至"), hide_index=True, key="locked-table")
    with st.form(f"unlock-{gen}"):
        target = st.text_input("用户名", max_chars=MAX_USERNAME_LENGTH, key=f"unlock-user-{gen}",
                               help="解除该用户名在所有客户端上的登录锁定；用户名不必是已有账号。")
        submitted = st.form_submit_button("解锁", type="primary")
    if submitted and attempt(lambda: auth.unlock(viewer=viewer, username=target),
                             f"已解除“{normalise_username(target)}”的登录锁定"):
        st.rerun()

with t_kiosk:
    users_view.kiosk_tokens(viewer, tokens, gen, attempt)
