"""任务清单: station × 任务项 progress, ranking, monthly trend, a station's sites, the 督办 list, the 配档表 and each
station's 风险隐患排查整治 (counts year to date, 隐患整改率, open hazards). Every table of stations opens worst first
(services.tasks_view)."""

import streamlit as st

from components import data, lineage_view, period, task_tables, views
from services import access, lineage, metrics, narrative, tasks_view
from services.rules import fmt, pacing
from services.rules.style import STATUS_COLORS

p = period.current()
st.title(f"任务清单 · {p.label}")

df = data.cached(metrics.task_progress, year=p.year, month=p.month)
if df.empty:
    st.info(f"{p.year}年尚无任务清单，可用命令 python -m seed import 导入任务清单文件。")
    st.stop()

indicators = list(dict.fromkeys(df["indicator"]))
choice = st.segmented_control(tasks_view.INDICATOR, [tasks_view.ALL_INDICATORS, *indicators], default=tasks_view.ALL_INDICATORS,
                              key="task_indicator", format_func=fmt.md_escape)
shown = tasks_view.for_indicator(df, choice)
window = data.cached(metrics.task_window, year=p.year)
st.caption(fmt.md_escape(narrative.pace_basis(window, pacing.ref_date(p.year, p.month, p.as_of))))

n_unreported = int((~shown["reported"]).sum())
n_mismatch = int(shown["item_mismatch"].sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("监管所×任务项", f"{len(shown)}项")
c2.metric("明显滞后", f"{int((shown['status'] == 'red').sum())}项")
c3.metric("本月未报", f"{n_unreported}项", help="当月没有上报，沿用此前最近一次的累计数")
c4.metric("与明细不符", f"{n_mismatch}项", help="已完成/已验收的点位数与上报的累计数不一致")

st.subheader("各监管所进度")
st.caption("监管所按状态排序（明显滞后、略有滞后、未报、达到进度），同一状态按最差任务项的进度差；所内任务项同样最差在前。")
views.progress_table(data.cached(task_tables.progress, year=p.year, month=p.month, indicator=choice), key="task-table",
                     height=min(38 * len(shown) + 40, 640))

left, right = st.columns(2)
with left:
    st.subheader("监管所排名")
    st.caption("按最差一项任务项的进度差排序，颜色为该任务项的状态；悬停可见任务项名称与平均进度差")
    st.vega_lite_chart(data.cached(task_tables.ranking_spec, year=p.year, month=p.month), key="task-ranking")
with right:
    st.subheader("全区月度进度")
    trend = data.cached(metrics.task_trend, year=p.year)
    trend_ind = choice if choice not in (None, tasks_view.ALL_INDICATORS) else indicators[0]
    st.caption(f"{fmt.md_escape(trend_ind)}：累计完成率与时序进度（{fmt.md_escape(narrative.basis(window))}）")
    st.vega_lite_chart(views.trend_spec(tasks_view.for_indicator(trend, trend_ind)), key="task-trend")

st.subheader("督办清单")
duban_view = data.cached(task_tables.duban, year=p.year, month=p.month)
if duban_view.empty:
    st.success("各监管所各项任务均达到时序进度。")
else:
    st.caption(f"共{len(duban_view)}项滞后于时序进度：明显滞后在前，再按进度差（最落后在前）")
    views.status_table(duban_view, key="duban")
    views.download(duban_view, label="下载督办清单（Excel）", file_name=f"督办清单_{p.year}年{p.month}月.xlsx",
                   key="duban-download")

st.subheader("监管所明细")
picker = data.cached(task_tables.station_picker, year=p.year, month=p.month)  # worst first, each named with its worst 任务项
stations = picker.stations
# A 监管所 account opens on its own station; the progress rows of any station are figures open to every role,
# the sites behind them (names of businesses) are its own station's only (services.access).
default = picker.position(data.own_station())
# the options are the names themselves: the URL holds the option as shown (?task_station=双山所)
station = st.selectbox("选择监管所", stations, index=default, placeholder="请选择", key="task_station",
                       bind="query-params", help="最落后的监管所在前")
st.caption(f"{fmt.md_escape(picker.labels.get(station, station))}")
with st.container(key="station-box"):  # the one station's rows (a browser test finds them by this key)
    views.status_table(data.cached(task_tables.station_rows, year=p.year, month=p.month, station=station),
                       key="station-rows")
station_id = picker.ids[station]
lineage_view.expander("数据来源：每个数字来自哪个批次、文件和行，或由谁填报", lineage.station_figures, key="station-lineage",
                      indicator_label=tasks_view.INDICATOR, year=p.year, month=p.month, station_id=station_id)
try:
    items = data.listing(access.task_items, year=p.year, station_id=station_id)
except PermissionError as e:
    st.error(fmt.md_escape(str(e)))
    items = None
if items is None:
    pass
elif items.empty:
    st.caption("该所尚未登记任务明细（示范点、试点点位）。")
else:
    st.dataframe(tasks_view.item_rows(items), hide_index=True, key="station-items")

st.subheader("配档表")
sched = data.cached(metrics.schedule, year=p.year)
if sched.empty:
    st.caption(f"{p.year}年尚无配档表。")
else:
    st.vega_lite_chart(data.cached(task_tables.schedule_chart, year=p.year), key="schedule")
    # st.table wraps the long 工作重点 and 推进措施 in full (seven rows), where a grid cell would cut them
    st.table(views.style_plan_status(tasks_view.schedule_rows(sched)))

st.subheader("风险隐患排查整治")
hz = data.cached(task_tables.hazards, year=p.year, month=p.month)
if hz is None:
    st.caption(f"{p.year}年尚无风险隐患排查整治表。")
else:
    h, hz_rates, hz_view = hz.total, hz.rates, hz.view
    ref = pacing.ref_date(p.year, p.month, p.as_of)
    st.caption(f"全区{hz_rates.running.sentence}，{hz_rates.cohort.sentence}；"
               f"截至{fmt.date_label(ref)}隐患清单中未整改{fmt.num(h['n_open'])}项，其中逾期{fmt.num(h['n_overdue'])}项。"
               f"{hz_rates.definition}；{hz_rates.basis_note}。")
    st.caption("按状态排序：有逾期隐患、有待整改隐患、本月未报、已全部整改；同一状态逾期和未整改多的在前。")
    chips = {chip: STATUS_COLORS[code] for code, chip in tasks_view.HAZARD_CHIPS.items()}
    views.chip_table(hz_view, ["状态"], chips, key="hazard-table",
                     height=35 * (len(hz_view) + 1) + 3,  # every station and the district row, no inner scroll
                     column_config={"监管所": st.column_config.TextColumn("监管所", pinned=True),
                                    **{c: st.column_config.NumberColumn(format="%d") for c in tasks_view.HAZARD_COUNTS}})
    views.download(hz_view, label="下载风险隐患排查整治情况（Excel）",
                   file_name=f"风险隐患排查整治_{p.year}年{p.month}月.xlsx", key="hazard-download")
