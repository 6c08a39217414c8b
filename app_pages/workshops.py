"""小作坊 (004 二(二)–(六)): the 冷链 and 高风险 lists and their 第三方评价, 两个档案, 十个管理规范, 无证黑窝点摸排, the
示范 / 视频监管 / 升级 sites named behind the task list's counts, and 评选 — by station worst first, with the lists
and one workshop's card. Leader and office see the district, a 监管所 account its own station."""

import streamlit as st

from components import data, period, views
from services import workshops_view as wv
from services.rules import fmt
from services.rules.style import STATUS_COLORS

p = period.current()
st.title(f"小作坊 · {p.year}年")
try:
    page = data.listing(wv.workshop_page, year=p.year)
except PermissionError as e:
    st.error(fmt.md_escape(e))
    st.stop()
t = page.totals.iloc[0] if not page.totals.empty else None
if t is None or not int(page.rates["registered"].sum()) and page.workshops.empty:
    st.info("尚无小作坊名录，请在“数据导入”中导入“小作坊”表。")
    st.stop()
who = "全区" if page.station_id is None else str(t["station"])
st.caption(
    f"{who}小作坊名录，数据截至{fmt.date_label(p.as_of)}；口径见 `docs/小作坊指标.md`。"
    + ("监管所账号仅显示本所。" if page.station_id is not None else "")
)

c = st.columns(5)
with c[0]:
    views.count_card(
        "在册小作坊",
        int(t["registered"]),
        "家",
        key="ws-registered",
        note=f"冷链{int(t['cold_chain'])}家、高风险{int(t['high_risk'])}家",
    )
with c[1]:
    views.rate_card(
        "两个档案建档率",
        t["archive_rate"],
        key="ws-archives",
        note=f"{int(t['archives_both'])}家两个档案都已建",
    )
with c[2]:
    views.rate_card(
        "十个管理规范达标率",
        t["norm_rate"],
        key="ws-norms",
        note=f"{int(t['norms_met_cells'])}/{int(t['norms_assessed_cells'])}项达标",
    )
with c[3]:
    views.rate_card(
        "冷链第三方评价覆盖率",
        t["cold_review_rate"],
        key="ws-reviews",
        note=f"高风险：{wv.pct_text(t['high_risk_review_rate'])}",
    )
with c[4]:
    views.count_card(
        "黑窝点摸排",
        int(t["swept"]),
        "次",  # one row per place and day: sweeps, not places (docs/小作坊指标.md)
        key="ws-sweeps",
        note=f"发现{int(t['found'])}处，查处{int(t['handled'])}处",
    )

gaps = wv.gap_lines(page.rates)
if gaps:
    st.warning("**名单与上报数不一致（需核对）**\n" + "\n".join(f"- {fmt.md_escape(g)}" for g in gaps))

st.subheader("各监管所（最差在前）", anchor=False)
by_label = st.selectbox("排序依据", list(wv.RATES.values()), key="workshop-sort", placeholder="请选择")
by = next(k for k, v in wv.RATES.items() if v == by_label)
st.dataframe(wv.rate_table(page.rates, by=by), hide_index=True, key="workshop-rates")

st.subheader("十个管理规范达标率（监管所 × 规范）", anchor=False)
heat = wv.norm_heat(page.norms)


def _colour(v):
    if v is None or v != v:
        return ""
    colour = (
        STATUS_COLORS["green"] if v >= 0.9 else STATUS_COLORS["amber"] if v >= 0.75 else STATUS_COLORS["red"]
    )
    return f"background-color: {colour}33"


if not heat.empty:
    rate_cols = [col for col in heat.columns if col != "监管所"]
    st.dataframe(
        heat.style.map(_colour, subset=rate_cols).format(lambda v: wv.pct_text(v), subset=rate_cols),
        hide_index=True,
        key="workshop-norms",
    )
    st.caption("达标项 ÷ 已评项；绿色不低于90%，黄色75%–90%，红色低于75%。")

names, sweeps, awards = st.tabs(["小作坊名录", "黑窝点摸排", "评选"])
with names:
    shops = page.workshops
    f1, f2 = st.columns([1, 2])
    kinds = f1.multiselect(
        "只看",
        ["冷链", "高风险", "远程视频监管", "示范", "已升级", "已退出"],
        placeholder="请选择（不选为全部）",
        key="workshop-filter",
    )
    text = f2.text_input("名称或登记证号", key="workshop-search", placeholder="输入名称的一部分")
    shown = wv.filter_workshops(shops, kinds=kinds, text=text)
    st.dataframe(wv.workshop_table(shown), hide_index=True, key="workshop-list")
    views.download(
        wv.workshop_table(shown),
        label="下载小作坊名录（Excel）",
        file_name=f"小作坊名录_{p.year}年.xlsx",
        key="workshop-download",
    )
    if not shown.empty:
        pick = st.selectbox(
            "查看一家小作坊",
            shown["business_id"].tolist(),
            key="workshop-pick",
            placeholder="请选择",
            format_func=dict(
                zip(shown["business_id"], shown["name"] + "（" + shown["station"] + "）", strict=True)
            ).get,
        )
        with st.container(border=True, key="workshop-card"):
            for label, value in wv.workshop_card(shown[shown["business_id"] == pick].iloc[0]):
                shown_value = (
                    f"`{value}`" if label in wv.CODE_LABELS and value != "—" else fmt.md_escape(value)
                )
                st.markdown(f"**{label}**：{shown_value}")
with sweeps:
    st.dataframe(wv.sweep_table(page.sweeps), hide_index=True, key="workshop-sweeps")
with awards:
    st.dataframe(wv.award_table(page.awards), hide_index=True, key="workshop-awards")
