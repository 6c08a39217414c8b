"""包保督导: coverage, completion, on-site and rectification by group; not-visited, overdue and found-by-others
lists; drill-downs (components/baobao_lists.py)."""

import streamlit as st

from components import baobao_lists as lists_view
from components import data, period, views
from services import baobao_view as bv
from services import lists, metrics
from services.rules import fmt

p = period.current()
st.title(f"包保督导 · {p.label}")

stations = data.stations()
names = ["全区", *stations["station"].tolist()]
scope = st.selectbox("范围", names, placeholder="请选择", key="bb_station", bind="query-params")
station_id = None if scope == "全区" else int(stations.loc[stations["station"] == scope, "station_id"].iloc[0])
kw = {"year": p.year, "month": p.month, "station_id": station_id}
# Figures for every scope are open to every role; a 监管所 account's lists are its own station's only (services.access).
own = data.own_station()
if own is not None and station_id is None:
    own_name = stations.loc[stations["station_id"] == own, "station"]
    st.caption(f"汇总数据为全区；监管所账号的名单仅列本所（{fmt.md_escape(''.join(own_name))}）的主体、督导和问题。")

head = data.cached(metrics.baobao, by="station", **kw) if station_id else data.cached(metrics.baobao, by="district", **kw)
if head.empty or not head["n_business"].sum():
    st.info("尚无包保主体数据。")
    st.stop()
r = bv.scope_figures(head, station_id=station_id)
q = head.iloc[0]
high = data.cached(metrics.high_risk_label)  # "C、D级": from the one high-risk setting
kind = data.cached(metrics.jurisdiction_kind)  # 区: 区级 / 镇(街道)级 / 村(社区)级
rule_text = bv.rule_text(data.cached(lists.visit_rules), high)
st.caption(f"季度累计：{fmt.date_label(q['quarter_start'])}至{fmt.date_label(q['ref_date'])}，"
           f"季度时间进度{fmt.pct(q['quarter_progress'])}；督导规则：{rule_text}")
rate = bv.rate

c = st.columns(5)
with c[0]:
    views.rate_card("包保覆盖率", rate(r["n_covered"], r["n_business"]), key="c-cov",
                    note=f"{fmt.num(r['n_covered'])}/{fmt.num(r['n_business'])}个在营主体")
with c[1]:
    views.rate_card("督导完成率", rate(r["n_done"], r["n_assigned"]), key="c-done",
                    note=f"{fmt.num(r['n_done'])}/{fmt.num(r['n_assigned'])}个主体")
with c[2]:
    views.rate_card("现场督导率", rate(r["n_high_risk_onsite"], r["n_high_risk"]), key="c-onsite",
                    note=f"{fmt.num(r['n_high_risk_onsite'])}/{fmt.num(r['n_high_risk'])}个高风险（{high}）主体")
with c[3]:
    views.rate_card(bv.PROBLEM_RATE_LABEL, rate(r["n_prob_ytd_closed"], r["n_prob_ytd"]), key="c-close",
                    help="只计来源为包保督导的问题；累计 = 今年发现的问题中已整改的，当月 = 本月发现的问题中已整改的",
                    note=f"累计{fmt.num(r['n_prob_ytd_closed'])}/{fmt.num(r['n_prob_ytd'])}个；"
                         f"当月{fmt.num(r['n_prob_period_closed'])}/{fmt.num(r['n_prob_period'])}个")
with c[4]:
    views.count_card(bv.OPEN_LABEL, int(r["n_prob_overdue"]), "个", key="c-overdue",
                     help="包保督导、风险隐患、执法、抽检发现的问题都计入",
                     note=f"未整改问题合计{fmt.num(r['n_prob_open'])}个（各来源）；包保督导问题按期整改率"
                          f"{fmt.pct(rate(r['n_prob_due_ontime'], r['n_prob_due']))}")

GROUPS = bv.GROUPS
group = st.segmented_control("分组", list(GROUPS), default="监管所" if not station_id else "镇街", key="bb_group")
by = GROUPS.get(group or "监管所")
if by == "cadre_level":
    lv = data.cached(metrics.baobao_by_cadre_level, **kw)
    st.dataframe(bv.cadre_level_rows(lv, kind), hide_index=True, key="bb-levels",
        column_config={"督导完成率": st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100)})
else:
    g = data.cached(metrics.baobao, by=by, **kw)
    view = views.with_chips(bv.group_rows(g, by=by))
    st.caption(bv.STATUS_NOTE)
    pcol = st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100)
    views.status_table(view, raw=bv.RATE_COLUMNS, key="bb-groups",
                       column_config={**{c: pcol for c in bv.RATE_COLUMNS},
                                      "进度差（百分点）": st.column_config.NumberColumn(format="%.1f")})

# Only the open tab's list is computed and sent (on_change="rerun": tab.open); the tab is kept in the address.
tab1, tab2, tab3, tab4, tab5 = st.tabs(["本季度未督导主体", "逾期未整改问题", bv.OTHERS_TITLE, "整改时长", "按干部查看"],
                                       key="bb_tab", on_change="rerun", bind="query-params")
label = f"{p.year}年{p.month}月"
if tab1.open:
    with tab1:
        lists_view.not_visited(kw, label)
if tab2.open:
    with tab2:
        lists_view.overdue(kw, label)
if tab3.open:
    with tab3:  # 执法, 抽检, 风险隐患 and other cadres' findings at the businesses packaged
        lists_view.others(kw, label, own=own)
if tab4.open:
    with tab4:  # counts per station, no business named: the same for every role
        ag = data.cached(metrics.problem_aging, **kw)
        st.dataframe(bv.aging_rows(ag), hide_index=True, key="bb-aging")
if tab5.open:
    with tab5:
        lists_view.cadre(kw, kind=kind, period=p)
