"""用户管理's 大屏令牌 tab: the tokens with their last use, a new token shown once, revoking one."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components import auth as web_auth
from components import views
from services import accounts
from services.rules import fmt
from services.rules.viewer import Viewer

NEW_TOKEN = "users_new_kiosk_token"  # (label, token): shown once on the next run, then forgotten


def kiosk_tokens(viewer: Viewer, tokens: pd.DataFrame, gen: int, attempt: Callable[..., object]) -> None:
    """The tab's body; `attempt` runs one change and shows a refusal (app_pages/users.py)."""
    if new := st.session_state.pop(NEW_TOKEN, None):
        st.success(f"已新增大屏令牌“{fmt.md_escape(new[0])}”。令牌只显示这一次，请立即复制保存：")
        st.code(new[1], language=None)
        st.caption("大屏打开以下地址即可（令牌停用后失效）：")
        st.code(f"{web_auth.server_base_url() or 'http://<服务器地址>'}/kiosk?token={new[1]}", language=None)
    st.dataframe(views.with_local_times(tokens, "创建时间", "最近使用"), hide_index=True, key="kiosk-table")
    with st.form(f"add-kiosk-{gen}"):
        label = st.text_input("名称", max_chars=64, placeholder="例如：一楼大厅", key=f"kiosk-label-{gen}")
        submitted = st.form_submit_button("新增大屏令牌", type="primary")
    if submitted and (token := attempt(lambda: accounts.create_kiosk_token(viewer=viewer, label=label), None)):
        st.session_state[NEW_TOKEN] = (label.strip(), token)
        st.rerun()
    active = tokens[tokens["状态"] == "启用"]
    token_labels = {int(i): name for i, name in zip(active["编号"], active["名称"], strict=True)}
    with st.form(f"disable-kiosk-{gen}"):
        token_id = st.selectbox("令牌", list(token_labels), index=None, placeholder="请选择要停用的令牌",
                                format_func=lambda i: f"#{i} {token_labels[i]}", key=f"kiosk-off-{gen}")
        submitted = st.form_submit_button("停用令牌")
    if submitted and token_id is None:
        st.error("请选择令牌")
    elif submitted and attempt(lambda: accounts.deactivate_kiosk_token(viewer=viewer, token_id=int(token_id)),
                               f"已停用大屏令牌“{token_labels[token_id]}”"):
        st.rerun()
