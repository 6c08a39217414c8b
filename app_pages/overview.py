"""总览: one screen for leaders — a two-line headline, who must act (every red station, the unreported ones),
task-list pace, KPI gauges, 包保 and the 风险隐患排查整治 (隐患整改率, open hazards by station)."""

import streamlit as st

from components import data, overview_parts, period, task_tables, views
from components.gauge import show_gauges
from services import metrics, narrative, overview, submissions
from services.rules import fmt, pacing
from services.rules.style import DOT, STATUS_MD

p = period.current()
st.title(f"总览 · {p.label}")

totals = data.cached(metrics.task_totals, year=p.year, month=p.month)
gauges = data.cached(metrics.kpi_gauges, year=p.year, month=p.month)
window = data.cached(metrics.task_window, year=p.year)
district = data.cached(metrics.baobao, year=p.year, month=p.month, by="district")

try:  # a viewer who may not see the month's reports sees the rest
    nr = data.listing(submissions.not_reported, year=p.year, month=p.month)
except PermissionError:
    nr = None
unreported = tuple(dict.fromkeys((*nr.monthly_missing, *nr.progress_missing))) if nr else ()
lines = data.cached(overview_parts.headline, year=p.year, month=p.month, unreported=unreported,
                    reporting_station=nr.station if nr else None)
with st.container(border=True, key="narrative"):
    for line in lines:
        st.markdown(f"**{fmt.md_escape(line)}。**")

with st.container(border=True, key="act-now"):
    act = data.cached(overview_parts.act_now, year=p.year, month=p.month)
    red = act.red
    st.markdown(f"**需要督办** · {overview.act_header(len(red), window.due if not totals.empty else None)}")
    if red:
        per = -(-len(red) // 3)  # down each column, in metrics.station_lag's order
        for k, col in enumerate(st.columns(3)):
            with col:  # one block of paragraphs per column: a city's hundred stations are 3 elements, not 100
                if lines_k := red[k * per:(k + 1) * per]:
                    st.markdown("\n\n".join(f":red[{DOT}] {fmt.md_escape(line)}" for line in lines_k))
    for status, more in act.more:
        st.markdown(f":{STATUS_MD[status]}[{DOT}] {fmt.md_escape(more)}")
    if act.plans:
        st.markdown(f":red[{DOT}] {fmt.md_escape(act.plans)}")
    if nr is not None:
        st.markdown(f":gray[{DOT}] {fmt.md_escape(overview.unreported_line(nr))}")

st.subheader("任务清单进度")
if totals.empty:
    st.info(f"{p.year}年尚无任务清单。")
else:
    st.caption(fmt.md_escape(narrative.pace_basis(window, pacing.ref_date(p.year, p.month, p.as_of))))
    cols = st.columns(len(totals))
    for col, row in zip(cols, totals.to_dict("records"), strict=True):
        with col:
            views.task_card(row, key=f"task-{row['indicator_id']}")

st.subheader("重点指标")
show_gauges(gauges, key="overview-gauges", per_row=5, as_of=pacing.ref_date(p.year, p.month, p.as_of))

st.subheader("包保督导")
if district.empty or not district.iloc[0]["n_business"]:
    st.info("尚无包保主体数据。")
else:
    r = district.iloc[0]
    high_risk = data.cached(metrics.high_risk_label)
    tg = overview.baobao_targets(r, high_risk)
    c1, c2, c3, c4, c5 = st.columns(5)
    with c1:
        views.rate_card("包保覆盖率", r["coverage"], key="bb-coverage", target=tg["coverage"].text,
                        note=f"{fmt.num(r['n_covered'])}/{fmt.num(r['n_business'])}个在营主体")
    with c2:
        views.rate_card("督导完成率（本季度）", r["completion_rate"], key="bb-completion", target=tg["completion"].text,
                        status=tg["completion"].status, note=f"{fmt.num(r['n_done'])}/{fmt.num(r['n_assigned'])}个主体")
    with c3:
        views.rate_card("高风险现场督导率", r["onsite_rate"], key="bb-onsite", target=tg["onsite"].text,
                        status=tg["onsite"].status,
                        note=f"{fmt.num(r['n_high_risk_onsite'])}/{fmt.num(r['n_high_risk'])}个{high_risk}主体")
    with c4:
        views.rate_card("问题整改率（包保督导，累计）", r["ytd_close_rate"], key="bb-close", target=tg["close"].text,
                        note=f"{fmt.num(r['n_prob_ytd_closed'])}/{fmt.num(r['n_prob_ytd'])}个问题")
    with c5:
        views.count_card("逾期未整改问题（各来源）", int(r["n_prob_overdue"]), "个", key="bb-overdue",
                         target=tg["overdue"].text, status=tg["overdue"].status,
                         note=f"按期整改率{fmt.pct(r['ontime_rate'])}")

st.subheader(f"{p.month}月月报上报")
# The same submissions 月报按时上报率 counts (services.metrics.report_timeliness); by station on 上报监测.
try:
    for kind, label in submissions.KIND_LABELS.items():
        month_rows = data.listing(submissions.submission_status, year=p.year, month=p.month, kind=kind)
        if line := overview.submission_line(month_rows, label):
            st.markdown(fmt.md_escape(line))
    if nr is not None:
        st.markdown(f"- **{fmt.md_escape(nr.monthly_line)}**\n- **{fmt.md_escape(nr.progress_line)}**")
        if nr.station:
            st.caption(f"监管所账号仅显示本所（{fmt.md_escape(nr.station)}）的上报情况。")
except PermissionError:
    pass

st.subheader("风险隐患排查整治")
hazards = data.cached(task_tables.hazard_summary, year=p.year, month=p.month)  # as 任务清单 shows them
if hazards is None:
    st.info(f"{p.year}年尚无风险隐患排查整治表。")
else:
    h, hz = hazards.total, hazards.rates  # the district row; 隐患整改率 by DOMAIN.md §5
    c1, c1b, c2, c3, c4 = st.columns(5)
    for col, rr, k in ((c1, hz.running, "hz-rate"), (c1b, hz.cohort, "hz-month-rate")):
        with col:
            views.rate_card(rr.label, rr.rate, key=k, help=hz.definition, note=rr.fraction)
    with c2:
        ref = pacing.ref_date(p.year, p.month, p.as_of)
        views.count_card("未整改隐患", int(h["n_open"]), "项", key="hz-open",
                         help=f"隐患清单中截至{fmt.date_label(ref)}尚未整改的隐患（未整改 + 逾期）",
                         note=f"其中逾期{fmt.num(h['n_overdue'])}项")
    with c3:
        views.count_card("检查主体（今年累计）", int(h["entities_checked"]), "家次", key="hz-checked",
                         help="各月风险隐患排查整治表“检查主体数”相加：同一主体在几个月里都被检查的，每月各计一次",
                         note=f"立案{fmt.num(h['cases_opened'])}件")
    with c4:
        views.count_card(f"{p.month}月已报", int(h["n_reported"]), "个所", key="hz-reported",
                         note=f"共{fmt.num(h['n_stations'])}个所，详见“上报监测”")
    open_by_station = hazards.open_by_station
    if not open_by_station:
        st.caption("各监管所的隐患均已整改。")
    else:
        parts = [f"{fmt.md_escape(name)}{n}项" + (f"（逾期{late}项）" if late else "")
                 for name, n, late in open_by_station]
        st.caption("未整改隐患（按监管所）：" + "、".join(parts))
    st.caption(f"隐患整改率{hz.basis_note}。")
