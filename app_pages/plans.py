"""工作要点: the district's own plan of the year (004 for 2022) — its tasks by plan and by lead unit with the status
shown, deadlines, delays, its phases and its 配档表 — and, apart, the other districts' plans as reference only."""

import streamlit as st

from components import auth as web_auth
from components import data, period, plans_view, task_tables
from services import metrics, plan_entry, plans, reference_plans

UPCOMING_DAYS = 60

p = period.current()
user = web_auth.current_user()
editor = plan_entry.can_edit(user)  # 更新进展 is the office's: leaders, stations and the kiosk see no editor
st.title("工作要点")

unit = plans_view.unit_filter(data.cached(plans.units, year=p.year), key="unit")
scope = {"year": p.year, "month": p.month, "as_of": p.as_of, "unit": unit}
totals = data.cached(plans.totals, **scope)
plans_view.show_scope(totals, label=p.label, unit=unit)

if plans_view.is_empty(totals):
    st.info(f"{p.year}年尚无本区的工作要点。可用命令 python -m seed import 导入本区文件（辖区为本区的工作要点）。")
    st.subheader("参考文件（其他地区，不计入统计）")
    plans_view.show_reference_plans(data.cached(reference_plans.reference_plans), key="reference-plans")
    st.stop()

plans_view.show_own_plans(data.cached(plans.own_plans, year=p.year))

plans_view.show_cards(totals, key="plan-cards")
mine = unit is not None
labels = ["要点清单", "工作阶段", "配档表", "按牵头单位", "逾期未完成", "即将到期", "延期原因", "按文件", "参考文件"]
# Only the open tab is computed and sent (on_change="rerun": tab.open), but for 更新进展; the tab is kept in the
# address.
t_list, t_phases, t_sched, t_units, t_overdue, t_upcoming, t_delays, t_plans, t_ref, *t_edit = st.tabs(
    [*labels, "更新进展"] if editor else labels, key="plan_tab", on_change="rerun", bind="query-params")
if t_plans.open:
    with t_plans:
        plans_view.show_plan_summary(data.cached(plans.plan_summary, **scope), key="plan-summary")
if t_units.open:
    with t_units:
        plans_view.show_unit_summary(data.cached(plans.unit_summary, **scope), key="unit-summary")
if t_list.open:
    with t_list:
        plans_view.show_tasks(data.cached(plans.plan_tasks, **scope), key="task-list", with_role=mine)
if t_phases.open:
    with t_phases:
        plans_view.show_phases(data.cached(plans.phases, year=p.year), key="phases")
if t_sched.open:
    with t_sched:
        sched = data.cached(metrics.schedule, year=p.year, month=p.month)
        plans_view.show_schedule(sched, key="plan-schedule", chart=None if sched.empty else data.cached(
            task_tables.schedule_chart, year=p.year, month=p.month))
if t_overdue.open:
    with t_overdue:
        view = plans_view.show_tasks(data.cached(plans.overdue, **scope), key="overdue", kind="overdue",
                                     with_role=mine, empty="没有逾期未完成的要点。")
        if not view.empty:
            plans_view.download(view, label="下载逾期任务（Excel）", sheet="逾期任务",
                                file_name=f"工作要点逾期未完成_{p.year}年{p.month}月.xlsx", key="overdue-download")
if t_upcoming.open:
    with t_upcoming:
        plans_view.show_tasks(data.cached(plans.upcoming, days=UPCOMING_DAYS, **scope), key="upcoming",
                              kind="upcoming", with_role=mine, empty=plans_view.no_upcoming(totals, days=UPCOMING_DAYS))
if t_delays.open:
    with t_delays:
        plans_view.show_tasks(data.cached(plans.delays, **scope), key="delays", kind="delays", with_role=mine,
                              empty="没有已延期的要点。")
if t_ref.open:
    with t_ref:
        plans_view.show_reference_plans(data.cached(reference_plans.reference_plans), key="reference-plans")
if t_edit:  # drawn whichever tab is open: a tab switch must not throw away edits not yet saved
    with t_edit[0]:
        plans_view.show_progress_editor(viewer=user, year=p.year, month=p.month,
                                        as_of=p.as_of)
