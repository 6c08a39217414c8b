"""导入记录: every import and 数据填报 batch this account may see (a 监管所 account: its own station's), a batch's
changes and original file; the office undoes a batch unless a later one changed the same rows."""

import streamlit as st

from components import auth as web_auth
from components import import_view
from services import imports
from services.rules import fmt
from services.rules.permissions import can, station_scope

viewer = web_auth.current_user()
st.title("导入记录")
if not can(viewer.role, imports.LOG_PAGE):
    st.error("当前账号无权查看“导入记录”")
    st.stop()

import_view.show_flash(key="log")
try:
    frame = imports.batches(viewer=viewer)
except PermissionError as e:  # a 监管所 account without a station
    st.error(fmt.md_escape(e))
    st.stop()

if frame.empty:
    st.info("尚无导入记录。")
    st.stop()
scope = "本所账号的" if station_scope(viewer) is not None else ""
more = f"（最多显示最近{imports.LOG_LIMIT}个）" if len(frame) >= imports.LOG_LIMIT else ""
st.caption(f"{scope}全部导入与填报批次{more}，从新到旧；时间为北京时间。")
import_view.log_table(frame, key="log-table")
import_view.batch_detail(frame, viewer, key="log")
