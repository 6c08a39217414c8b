"""审计日志 (管理员): who did what, when; filter and export (the export is itself audited)."""

import datetime as dt
from typing import Any

import streamlit as st

from components import auth as web_auth
from components import views
from services import accounts
from services.rules.localtime import LOCAL_TZ
from services.rules.passwords import MAX_USERNAME_LENGTH
from services.rules.permissions import ACTIONS, AUDIT_PAGE, can
from services.rules.viewer import Viewer

DEFAULT_DAYS = 30
ALL = "全部"

viewer = web_auth.current_user()
st.title("审计日志")
if not can(viewer.role, AUDIT_PAGE):
    st.error("当前账号无权查看“审计日志”")
    st.stop()

today = dt.datetime.now(LOCAL_TZ).date()
c_action, c_user, c_days = st.columns([1, 1, 2])
action = c_action.selectbox("操作", [ALL, *ACTIONS], placeholder="请选择", key="audit-action")
who = c_user.text_input("用户", max_chars=MAX_USERNAME_LENGTH, placeholder="用户名（部分即可）",
                        key="audit-user")
days = c_days.date_input("日期", value=(today - dt.timedelta(days=DEFAULT_DAYS - 1), today), max_value=today,
                         format="YYYY-MM-DD", key="audit-days")
start, end = (tuple(days) + (None, None))[:2] if isinstance(days, list | tuple) else (days, days)
end = end or start  # one day picked so far: that day

filters: dict[str, Any] = {"action": None if action == ALL else action, "user": who.strip() or None,
                           "start": start, "end": end}
frame = accounts.audit_frame(viewer=viewer, **filters)
view = views.with_local_times(frame, "时间")

st.dataframe(view, hide_index=True, key="audit-table")
more = f"最多显示{accounts.AUDIT_LIMIT}条，请用筛选缩小范围。" if len(view) >= accounts.AUDIT_LIMIT else ""
st.caption(f"共{len(view)}条，按时间从新到旧；时间为北京时间。{more}")


def record_export(who: Viewer, rows: int, shown: dict[str, Any]) -> None:
    """The download button's callback: the export is audited before the rerun it triggers."""
    detail = {"页面": "审计日志", "条数": rows, **{k: v for k, v in shown.items() if v}}
    accounts.audit(viewer=who, action="导出", target="审计日志", detail=detail)


if not view.empty:
    shown = {"操作": filters["action"], "用户": filters["user"],
             "日期": f"{start.isoformat()}至{end.isoformat()}" if start else None}
    st.download_button("导出Excel", data=views.xlsx_bytes(view, sheet="审计日志"), mime=views.XLSX_MIME,
                       file_name=f"审计日志_{today.isoformat()}.xlsx", key="audit-export",
                       icon=":material/download:", on_click=record_export, args=(viewer, len(view), shown))
