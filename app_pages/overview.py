"""总览: one screen for leaders — the narrative, task-list pace, KPI gauges, 包保 and the stations lagging most."""

import streamlit as st

from components import data, period, views
from components.gauge import show_gauges
from db import fmt, narrative

p = period.current()
st.title(f"总览 · {p.label}")

totals = data.metric("task_totals", year=p.year, month=p.month)
gauges = data.metric("kpi_gauges", year=p.year, month=p.month)
lags = data.metric("station_lag", year=p.year, month=p.month)
district = data.metric("baobao", year=p.year, month=p.month, by="district")

lines = narrative.overview(totals=totals, gauges=gauges, lags=lags, district=district, year=p.year, month=p.month,
                           as_of=p.as_of)
if lines:
    with st.container(border=True, key="narrative"):
        st.markdown("**本期概况**")
        for line in lines:
            st.markdown(f"- {fmt.md_escape(line)}。")

st.subheader("任务清单进度")
if totals.empty:
    st.info(f"{p.year}年尚无任务清单。")
else:
    cols = st.columns(len(totals))
    for col, row in zip(cols, totals.to_dict("records"), strict=True):
        with col:
            views.task_card(row, key=f"task-{row['indicator_id']}")

st.subheader("重点指标")
show_gauges(gauges, key="overview-gauges", per_row=5)

st.subheader("包保督导")
if district.empty or not district.iloc[0]["n_business"]:
    st.info("尚无包保主体数据。")
else:
    r = district.iloc[0]
    c1, c2, c3, c4, c5 = st.columns(5)
    with c1:
        views.rate_card("包保覆盖率", r["coverage"], key="bb-coverage",
                        note=f"{fmt.num(r['n_covered'])}/{fmt.num(r['n_business'])}个在营主体")
    with c2:
        views.rate_card("督导完成率（本季度）", r["completion_rate"], key="bb-completion",
                        note=f"季度时间进度{fmt.pct(r['quarter_progress'])}")
    with c3:
        views.rate_card("高风险现场督导率", r["onsite_rate"], key="bb-onsite",
                        note=f"{fmt.num(r['n_high_risk_onsite'])}/{fmt.num(r['n_high_risk'])}个C、D级主体")
    with c4:
        views.rate_card("问题整改率（今年累计）", r["ytd_close_rate"], key="bb-close",
                        note=f"{fmt.num(r['n_prob_ytd_closed'])}/{fmt.num(r['n_prob_ytd'])}个问题")
    with c5:
        views.count_card("逾期未整改问题", int(r["n_prob_overdue"]), "个", key="bb-overdue",
                         note=f"按期整改率{fmt.pct(r['ontime_rate'])}")

st.subheader("进度滞后最多的监管所")
worst = lags.head(5)
if worst.empty:
    st.info("尚无监管所进度数据。")
else:
    st.dataframe(
        views.style_status(worst.assign(平均进度差=worst["mean_lag_pp"].map(lambda x: fmt.round_half_up(x)),
                     状态=worst["worst_status"].map(views.status_chip))
        [["station", "平均进度差", "n_red", "n_amber", "状态"]]
        .rename(columns={"station": "监管所", "n_red": "明显滞后指标数", "n_amber": "略有滞后指标数"})),
        hide_index=True, key="worst-stations",
        column_config={"平均进度差": st.column_config.NumberColumn("平均进度差（百分点）", format="%.1f")},
    )
