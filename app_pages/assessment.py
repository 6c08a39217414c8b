"""年终考核 (004 三(三)、四(三)): each station's score from the 任务清单, the 小作坊 registers and its reports' timeliness,
who is to be 通报表彰 and 通报批评 and why, the rule in force, and the score table to download."""

import streamlit as st

from components import data, period, views
from services import assessment
from services.rules import assessment as rules
from services.rules import fmt

p = period.current()
st.title(f"年终考核 · {p.year}年")
w = data.cached(assessment.weights)
scores = data.cached(assessment.assessment, year=p.year, weights_in_force=w)
month = assessment.assessment_month(p.year, p.as_of)
st.caption(f"{p.year}年度督导考核，数据截至{fmt.date_label(p.as_of)}（任务清单与上报按{p.year}年{month}月计）。"
           + "；".join(assessment.rule_lines(w)) + "。权重在“系统设置”中调整。")
if scores.empty:
    st.info("尚无监管所，请先导入监管所表。")
    st.stop()

lists = ((rules.PRAISE, "表彰", "praise", f"没有监管所达到表彰线（{fmt.num(w.praise_line, 0)}分）。"),
         (rules.CRITICISE, "批评", "criticise", f"没有监管所低于批评线（{fmt.num(w.criticise_line, 0)}分）。"))
for column, (verdict, word, key, nobody) in zip(st.columns(2), lists, strict=True):
    named = scores[scores["verdict"] == verdict]
    with column, st.container(border=True, key=f"assessment-{key}"):
        st.markdown(f"**拟通报{word}（{len(named)}个所）**")
        for r in named.itertuples():
            reasons = r.reasons or "各项得分均衡"
            st.markdown(f"- {fmt.md_escape(r.station)} {fmt.num(r.total, 1)}分：{fmt.md_escape(reasons)}"
                        f"{fmt.md_escape(assessment.check_note(r))}")
        if named.empty:
            st.caption(nobody)

st.subheader("各监管所得分（高分在前）", anchor=False)
view = assessment.table(scores, w)
st.dataframe(view, hide_index=True, key="assessment-table")
st.caption("任务清单：各任务项累计完成÷目标（超过目标按100%计）的平均；两个档案：两个档案都已建的小作坊÷在册小作坊；"
           "十个管理规范：达标项÷已评项；第三方评价：冷链、高风险小作坊中当年已评价的÷清单数（两张清单分别计）；"
           "黑窝点摸排：查处、取缔、移交的÷发现的（开展摸排未发现的按满分，未开展的为0）；按时上报：月报和进度填报"
           "按时上报的÷应报的。")
views.download(assessment.table(scores, w, numbers=True), label="下载考核得分（Excel）",
               file_name=f"{p.year}年度督导考核得分.xlsx", key="assessment-download")  # points as numbers
st.caption("考核通报（Word草稿）在“会议材料”页生成。")
