"""上报监测: for the period's month, which stations sent their 月报 (风险隐患排查整治表) or their 进度填报 (任务进度),
chosen on the page, by the deadline, which were late, which are missing — with 月报未报 and 进度未报 named apart —
and the year's on-time rate month by month, from the same reports and deadlines."""


import streamlit as st

from components import data, period, views
from services import metrics, submissions
from services import submissions_view as sv
from services.rules import fmt
from services.rules.style import DOT, STATUS_COLORS

COLORS = {submissions.ON_TIME: STATUS_COLORS["green"], submissions.LATE: STATUS_COLORS["amber"],
          submissions.MISSING: STATUS_COLORS["red"], submissions.NOT_DUE: STATUS_COLORS["grey"],
          submissions.NOT_REQUIRED: STATUS_COLORS["grey"]}
CHIPS = {f"{DOT} {s}": c for s, c in COLORS.items()}
RULE = "截止日期为当月23日（含当日），遇周末或法定节假日顺延至下一个工作日，调休上班日照常计算。"


p = period.current()
st.title(f"上报监测 · {p.label}")
labels = {label: kind for kind, label in submissions.KIND_LABELS.items()}
kind_label = st.segmented_control("上报类型", list(labels), default=submissions.KIND_LABELS[submissions.KINDS[0]],
                                  key="submission_kind",
                                  help="月报（风险隐患排查整治表）计入月报按时上报率；任务进度另计为进度填报") \
    or submissions.KIND_LABELS[submissions.KINDS[0]]
kind = labels[kind_label]
try:  # keyed by the viewer's role and station, so one viewer's rows never serve another
    grid = data.listing(submissions.submission_grid, year=p.year, month=p.month, as_of=p.as_of, kind=kind)
except PermissionError as e:
    st.error(fmt.md_escape(e))
    st.stop()
if grid.empty:
    st.info("尚无监管所，请先导入监管所表。")
    st.stop()

month = sv.month_rows(grid, p.month)
deadline, note = month["deadline"].iloc[0], month["deadline_note"].iloc[0]
st.caption(f"{p.label}{kind_label}截止日期：{fmt.date_label(deadline)}。{RULE}"
           f"逾期天数按{fmt.date_label(p.as_of)}（数据截至日）计算。")
if note:
    st.info(f"{p.label}的截止日期{fmt.md_escape(note)}（节假日安排以国务院办公厅通知为准）。")
if data.own_station() is not None:
    st.caption(f"监管所账号仅显示本所（{fmt.md_escape(month['station'].iloc[0])}）的上报情况。")

nr = data.listing(submissions.not_reported, year=p.year, month=p.month)
st.markdown(f"- **{fmt.md_escape(nr.monthly_line)}**\n- **{fmt.md_escape(nr.progress_line)}**")
if kind == submissions.KINDS[0]:  # the 月报's own figure, as on 总览 (DOMAIN.md §5)
    hz = data.cached(metrics.hazard_rates, year=p.year, month=p.month)
    st.caption(f"{hz.running.sentence}；{hz.cohort.sentence}。{hz.basis_note}。")
counts = submissions.status_counts(month)
for col, status in zip(st.columns(5), submissions.STATUSES, strict=True):
    col.metric(status, f"{counts[status]}个所")

view = sv.month_table(month)
st.caption("按状态排序：未报、逾期、未到期（不要求）、按时；同一状态逾期天数多的在前。")
views.chip_table(view, ["状态"], CHIPS, key="submission-table")
views.download(sv.month_download(month), label="下载上报情况（Excel）",
               file_name=f"上报情况_{kind_label}_{p.year}年{p.month}月.xlsx", key="submission-download")

st.subheader(f"{p.year}年月报按时上报率" if kind == submissions.KINDS[0] else f"{p.year}年进度填报按时率")
tl = data.cached(metrics.report_timeliness, year=p.year, month=p.month, kind=kind)
monthly = sv.timeliness_table(tl)
left, right = st.columns([3, 2])
with left:
    st.dataframe(monthly, hide_index=True, key="timeliness-table",
                 column_config={c: st.column_config.TextColumn(alignment="right") for c in ("应报（个所）", "按时上报")})
    st.caption("全区口径：截止日期已到的月份，按时上报的所数 ÷ 应报所数，逐月累计；截止日期未到的月份不计入。"
               + (f"月报{fmt.md_escape(nr.start_label)}，此前月份不计入。" if kind == submissions.KINDS[0] else ""))
    notes = tl.loc[tl["deadline_note"].notna(), "month"].tolist()
    if notes:
        note_text = fmt.md_escape(tl["deadline_note"].dropna().iloc[0])
        st.caption(f"{'、'.join(f'{m}月' for m in notes)}的截止日期{note_text}。")
with right:
    if tl["due"].any():
        st.altair_chart(views.build_rate_chart(sv.rate_chart_rows(tl), field="累计按时上报率", title="累计按时上报率（%）"),
                        key="timeliness-chart")

st.subheader("各月上报情况")
st.caption("未报月份多的监管所在前，其次逾期月份多的。")
table = sv.grid_table(grid)
views.chip_table(table, list(table.columns[1:]), CHIPS, key="submission-grid")
