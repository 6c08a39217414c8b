"""指标: every gauged KPI with its gauge, monthly trend against the pacing line, target and source; then, each in its
own tab, the register figures (主体责任与抽检) and other districts' reference rows."""

import streamlit as st

from components import data, kpi_tables, lineage_view, period, views
from components.gauge import show_gauge
from services import kpis_view as kv
from services import lineage, metrics, narrative
from services.rules import fmt, pacing

p = period.current()
st.title(f"指标 · {p.label}")

gauges = data.cached(metrics.kpi_gauges, year=p.year, month=p.month)
ref_day = pacing.ref_date(p.year, p.month, p.as_of)

if gauges.empty:
    st.info(f"{p.year}年尚无纳入仪表的指标。")
else:
    st.subheader("各指标状态（最需关注在前）", anchor=False)
    views.status_table(data.cached(kpi_tables.status, year=p.year, month=p.month), key="kpi-status",
                       colours=views.KPI_CHIP_COLORS)
# Only the open tab is computed and sent (on_change="rerun": tab.open), kept in the address: the register tables
# below the gauges were 4 of the page's 5 grids, most of what a browser spent drawing it (issue 21).
t_gauges, t_duty, t_ref = st.tabs(["各指标仪表与趋势", "主体责任与抽检", "参考指标"], key="kpi_tab", on_change="rerun",
                                  bind="query-params")
if t_gauges.open:
    with t_gauges:
        charts = data.cached(kpi_tables.trend_specs, year=p.year, month=p.month)  # every KPI's trend from one read
        for row in gauges.to_dict("records"):
            with st.container(border=True, key=f"kpi-{row['kpi_id']}"):
                left, right = st.columns([1, 2])
                with left:
                    show_gauge(row, key=f"kpi-gauge-{row['kpi_id']}", as_of=ref_day)
                with right:
                    st.markdown(f"#### {fmt.md_escape(row['name'])}")
                    # Units and an unknown pacing word come from the data: the whole line is plain text.
                    st.markdown(fmt.md_escape(kv.headline(row, as_of=ref_day)))
                    source = narrative.kpi_source(row)
                    st.caption(fmt.md_escape(source + (f"；{row['rule_text']}" if row.get("rule_text") else "")))
                    lineage_view.expander("数据来源", lineage.kpi_figure, key=f"kpi-lineage-{row['kpi_id']}",
                                          kpi_id=int(row["kpi_id"]), year=p.year, month=p.month,
                                          value_format=lambda v, u=row["unit"]: fmt.with_unit(v, u))
                    if int(row["kpi_id"]) in charts:
                        st.vega_lite_chart(charts[int(row["kpi_id"])], key=f"kpi-trend-{row['kpi_id']}")

if t_ref.open:
    with t_ref:
        st.subheader("参考指标（其他地区公开文件，不纳入仪表）", anchor=False)
        ref = data.cached(metrics.kpi_reference)
        if ref.empty:
            st.caption("无")
        else:
            st.dataframe(kv.reference_rows(ref), hide_index=True, key="kpi-reference")

if t_duty.open:
    with t_duty:
        st.subheader("主体责任与抽检（由台账计算）", anchor=False)
        staffing = data.cached(metrics.duty_staffing, by="sector")
        completion = data.cached(metrics.duty_completion, year=p.year, month=p.month)
        sampled = data.cached(metrics.sampling, year=p.year, month=p.month)
        if any(df["is_demo"].any() for df in (staffing, completion, sampled)):
            st.caption("示例数据：主体责任、日管控周排查月调度与抽检台账为生成的演示数据，并非真实统计。")
        st.markdown("**食品安全总监、食品安全员配备率（按业态）**")
        st.caption("总监配备率 = 已配总监 ÷ 应配总监（包保分级A、B级的企业）；安全员配备率 = 已配安全员 ÷ 在营企业。")
        st.dataframe(data.cached(kpi_tables.staffing), hide_index=True, key="duty-staffing")
        st.markdown(f"**日管控、周排查、月调度（{p.month}月及本年累计，最需关注在前）**")
        st.dataframe(data.cached(kpi_tables.completion, year=p.year, month=p.month), hide_index=True,
                     key="duty-completion")
        st.markdown("**抽检与不合格食品核查处置（本年累计）**")
        st.caption(fmt.md_escape(kv.per_thousand_line(sampled)))
        st.dataframe(data.cached(kpi_tables.sampling, year=p.year, month=p.month), hide_index=True, key="sampling")
