"""数据导入: the fill-in templates, then an upload checked in a dry run (errors by cell, a preview of the figures it
changes) and imported on confirmation in one transaction; a 监管所 account imports its own station's rows only."""

import streamlit as st

from components import auth as web_auth
from components import import_view
from services import imports
from services.rules import fmt
from services.rules.permissions import ACT, can, station_scope

viewer = web_auth.current_user()
st.title("数据导入")
if not can(viewer.role, imports.IMPORT_PAGE, ACT):
    st.error("当前账号无权操作“数据导入”")
    st.stop()
try:
    kinds = imports.importable_kinds(viewer)
except PermissionError as e:  # a 监管所 account without a station
    st.error(fmt.md_escape(e))
    st.stop()

import_view.show_flash(key="imp")
if station_scope(viewer) is not None:
    st.caption(f"监管所账号只能导入本所（{fmt.md_escape(viewer.station_name or '')}）的"
               f"{'、'.join(kinds)}；含其他监管所数据的文件会被拒绝。")

st.subheader("1. 下载填报模板")
import_view.templates(viewer, kinds, key="imp-template")

st.subheader("2. 上传并检查")
gen = st.session_state.get(import_view.GEN, 0)
files = import_view.read_uploads(key=f"imp-upload-{gen}")
checked = import_view.checked_for(files, viewer, key="imp")
if checked is None:
    st.caption("上传后先逐行检查（不写入数据），确认无误后再导入；多个文件一并导入，全部成功或全部不写入。")
else:
    import_view.show_checked(checked, key="imp")
    import_view.confirm(checked, viewer, key="imp")
