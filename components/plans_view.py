"""工作要点 renderers: the unit filter, status cards and the tables by plan, by lead unit and of single tasks."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import streamlit as st

from components import data, views
from services import plan_entry, plans, reference_plans
from services.plans import PLAN_STATUSES
from services.rules import fmt
from services.rules.viewer import Viewer

log = logging.getLogger(__name__)

ALL = "全部"
DATE_FORMAT = "YYYY年MM月DD日"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_LABELS = {
    "n_tasks": "要点数", "n_not_started": "未开始", "n_in_progress": "进行中", "n_done": "已完成",
    "n_delayed": "已延期", "n_overdue": "逾期", "n_due_30d": "30天内到期",
}


def unit_filter(units: pd.DataFrame, *, key: str) -> str | None:
    """The 成员单位视图 selectbox, bound to the URL; None for 全部."""
    # The option itself is the URL value (?unit=区市场监管局), so no counts in the label: a link must survive an import.
    options = [ALL, *units["unit"].tolist()]
    choice = st.selectbox(
        "成员单位视图", options, index=0, placeholder="请选择", key=key, bind="query-params",
        help="选一个单位，只看它以任何身份（牵头、负责、分别负责、配合，或未列责任单位时的发文单位）参与的要点",
    )
    return None if choice in (None, ALL) else choice


def is_empty(totals: pd.DataFrame) -> bool:
    return totals.empty or int(totals["n_tasks"].iloc[0]) == 0


def show_scope(totals: pd.DataFrame, *, label: str, unit: str | None) -> None:
    """How the figures are counted, and whose view this is."""
    ref = totals["ref"].iloc[0]
    st.caption(f"{label}｜状态取当月或此前最近一次填报，从未填报的计为未开始；完成时限已过（截至"
               f"{fmt.date_label(ref)}）仍未完成的显示为逾期未完成（含已延期）；长期、未定期限的要点不计逾期。"
               "其他地区的参考文件不计入统计。")
    if unit:
        st.caption(f"成员单位视图：{fmt.md_escape(unit)}——只计它以任何身份参与的要点。")


def no_upcoming(totals: pd.DataFrame, *, days: int) -> str:
    """The empty-list sentence for 即将到期, naming the next deadline when there is one."""
    text = f"未来{days}天内没有到期的未完成要点"
    nxt = totals["next_deadline"].iloc[0]
    if isinstance(nxt, dt.date):
        text += f"；最近的完成时限为{fmt.date_label(nxt)}（还有{(nxt - totals['ref'].iloc[0]).days}天）"
    return text + "。"


def show_cards(totals: pd.DataFrame, *, key: str) -> None:
    """任务总数, 已完成, 进行中, 已延期, 逾期 — each task counted once."""
    row = totals.iloc[0]
    n = int(row["n_tasks"])
    next_deadline = row.get("next_deadline")
    due_note = (f"最近的完成时限：{fmt.date_label(next_deadline)}" if isinstance(next_deadline, dt.date)
                else "没有未完成且未到期的要点")
    cards = [
        ("任务总数", n, f"{int(row['n_plans'])}个文件；其中未开始{int(row['n_not_started'])}项"),
        ("已完成", int(row["n_done"]), f"完成率{fmt.pct(row['done_rate'])}"),
        ("进行中", int(row["n_in_progress"]), None),
        ("已延期", int(row["n_delayed"]), "最近一次填报的状态为已延期"),
        ("逾期未完成", int(row["n_overdue"]), f"完成时限已过仍未完成（含已延期）；30天内到期{int(row['n_due_30d'])}项。"
                                             f"{due_note}"),
    ]
    for col, (label, value, help_) in zip(st.columns(len(cards)), cards, strict=True):
        with col.container(border=True, key=f"{key}-{label}"):
            st.metric(label, f"{value}项", help=help_)


def _counts_config() -> dict:
    config = {label: st.column_config.NumberColumn(label, format="%d") for label in COUNT_LABELS.values()}
    config["完成率"] = st.column_config.ProgressColumn("完成率", format="%.1f%%", min_value=0, max_value=100)
    return config


def _counts(df: pd.DataFrame) -> dict[str, pd.Series]:
    out = {label: df[col] for col, label in COUNT_LABELS.items()}
    out["完成率"] = (df["done_rate"] * 100).map(lambda x: fmt.round_half_up(x))
    return out


def show_plan_summary(df: pd.DataFrame, *, key: str) -> None:
    """One row per plan with its origin and counts."""
    view = pd.DataFrame({"文件": df["plan"], "发文单位": df["issuer"], **_counts(df), "来源": df["origin"]})
    st.dataframe(view, hide_index=True, key=key, column_config=_counts_config())


def show_unit_summary(df: pd.DataFrame, *, key: str) -> None:
    """One row per lead unit (a task under each of its units, so the rows add up to more than the total)."""
    st.caption("牵头单位：要点写明的牵头单位；无牵头的按负责（分别负责）单位；都未写明的按发文单位。"
               "一项要点在它的每个单位下各计一次，各行相加可能多于总数。")
    view = pd.DataFrame({"牵头单位": df["unit"], "类别": df["kind"], "文件数": df["n_plans"], **_counts(df)})
    config = _counts_config() | {"文件数": st.column_config.NumberColumn("文件数", format="%d")}
    st.dataframe(view, hide_index=True, key=key, column_config=config)


def _month(m) -> str:
    return "" if pd.isna(m) else f"{int(m)}月"


def task_view(df: pd.DataFrame, *, kind: str = "all", with_role: bool = False) -> pd.DataFrame:
    """The columns a task table shows (and its Excel export writes); kind: all / overdue / upcoming / delays."""
    # 状态 first: the table is sorted by it (services.plans.worst_first); the plan's title, long and the same for
    # most rows (it heads the page), last
    cols: dict[str, pd.Series] = {"状态": df["shown_status"], "条目": df["label"].fillna(""), "要点": df["title"]}
    if kind != "delays":
        cols["完成时限"] = df["deadline_label"]
    if kind == "overdue":
        cols["逾期天数"] = df["overdue_days"]
    if kind == "upcoming":
        cols["剩余天数"] = df["days_to_deadline"]
    cols["牵头单位"] = df["lead_units"]
    if kind == "all":
        cols["责任单位"] = df["units"]
    if with_role:
        cols["本单位职责"] = df["role"]
    cols["填报状态"] = df["status"]
    cols["填报月份"] = df["status_month"].map(_month)
    if kind in ("all", "delays", "overdue"):
        cols["延期原因"] = df["delay_reason"].fillna("")
    if kind == "all":
        cols["进展"] = df["notes"].fillna("")
    cols["文件"] = df["plan"]
    cols["序号"] = df["number"]
    return pd.DataFrame(cols)


def show_tasks(df: pd.DataFrame, *, key: str, kind: str = "all", with_role: bool = False,
               empty: str = "没有符合条件的要点。") -> pd.DataFrame:
    """A task table, worst first (services.plans.worst_first: 逾期未完成, 已延期, 进行中, 未开始, 已完成), and a 详情
    box with one task's full text; returns the frame it drew so an export writes the same rows and columns."""
    df = plans.worst_first(df)
    view = task_view(df, kind=kind, with_role=with_role)
    if view.empty:
        st.caption(empty)
        return view
    if df.attrs.get("truncated"):
        st.caption(f"只列出前{df.attrs['limit']}项。")
    st.caption("按状态排序：逾期未完成、已延期、进行中、未开始、已完成；逾期久的、到期早的在前。"
               "长文字点选单元格可看全文，完整条文见表下“详情”。")
    text = st.column_config.TextColumn
    st.dataframe(
        view, hide_index=True, key=key,
        column_config={
            **({"状态": views.chip_column(views.MILESTONE_COLORS)} if "状态" in view else {}),
            "序号": st.column_config.NumberColumn("序号", format="%d"),
            "逾期天数": st.column_config.NumberColumn("逾期天数", format="%d天"),
            "剩余天数": st.column_config.NumberColumn("剩余天数", format="%d天"),
            "要点": text("要点", width="large", help="要点的标题；全文见表下“详情”"),
            "文件": text("文件", width="medium"),
            "牵头单位": text("牵头单位", width="medium"), "责任单位": text("责任单位", width="large"),
            "延期原因": text("延期原因", width="medium"), "进展": text("进展", width="large"),
        },
    )
    show_detail(df, key=f"{key}-detail")
    return view


def detail_label(r) -> str:
    """How a task reads in the 详情 picker: "〔逾期未完成〕二(一) 加强食品小作坊监管"."""
    number = r.label if isinstance(r.label, str) and r.label else str(r.number)
    return f"〔{r.shown_status}〕{number} {r.title}"


def show_detail(df: pd.DataFrame, *, key: str) -> None:
    """One task in full: its text as the document has it, deadline, units, status and progress."""
    with st.expander("详情：查看一条要点的全文"):
        rows = list(df.itertuples(index=False))
        i = st.selectbox("选择要点", range(len(rows)), format_func=lambda i: detail_label(rows[i]), placeholder="请选择", key=key)
        r = rows[i if i is not None and i < len(rows) else 0]
        st.markdown(f"**{fmt.md_escape(r.title)}**（{fmt.md_escape(r.plan)}）")
        st.markdown(fmt.md_escape(r.text if isinstance(r.text, str) and r.text else r.title))
        facts = [f"完成时限：{r.deadline_label}", f"状态：{r.shown_status}",
                 f"责任单位：{r.units or r.lead_units or '未写明'}"]
        if isinstance(r.delay_reason, str) and r.delay_reason:
            facts.append(f"延期原因：{r.delay_reason}")
        if isinstance(r.notes, str) and r.notes:
            facts.append(f"进展：{r.notes}")
        st.caption(fmt.md_escape("；".join(facts)))


def show_own_plans(own: pd.DataFrame) -> None:
    """The own plan(s) of the year: title, 文号 and issuer, above everything counted."""
    for r in own.itertuples():
        number = f"（{r.doc_number}）" if isinstance(r.doc_number, str) and r.doc_number else ""
        st.markdown(f"**{fmt.md_escape(r.plan)}**{fmt.md_escape(number)}　{fmt.md_escape(r.issuer)}")


def show_schedule(sched: pd.DataFrame, *, chart: dict | None, key: str) -> None:
    """The plan's 配档表: windows coloured by the status shown (an ended window not 已完成 is 逾期未完成, red);
    `chart` its task_tables.schedule_chart (None for an empty one)."""
    if sched.empty:
        st.caption("尚无配档表。")
        return
    st.caption("状态：已完成；窗口已过仍未完成的为逾期未完成（含已延期）；其余按最近一次填报，未填报的按窗口显示未开始或进行中。")
    st.vega_lite_chart(chart, key=f"{key}-chart")
    view = pd.DataFrame({
        "时间": sched["time_text"], "工作重点": sched["focus"], "推进措施": sched["measures"].fillna(""),
        "状态": sched["status"], "填报状态": sched["recorded_status"].fillna("未填报"),
        "延期原因": sched["delay_reason"].fillna(""), "进展": sched["notes"].fillna(""),
    })
    text = st.column_config.TextColumn
    # rows tall enough for the grid to wrap its text (Streamlit wraps cells only when a row is taller than 4rem)
    st.dataframe(view, hide_index=True, key=f"{key}-table", row_height=112,
                 column_config={"状态": views.chip_column(views.MILESTONE_COLORS), "时间": text("时间", width="small"),
                                "工作重点": text("工作重点", width="medium"),
                                "推进措施": text("推进措施", width="large"), "进展": text("进展", width="medium")})


def show_phases(phases: list, *, key: str) -> None:
    """The plan's phases (三、时间安排) with their windows: the 任务清单 is paced by the one its work runs in."""
    if not phases:
        st.caption("该文件没有登记工作阶段。")
        return
    view = pd.DataFrame({
        "条目": [p.label for p in phases], "阶段": [p.name for p in phases], "文件写法": [p.time_text for p in phases],
        "起止日期": [f"{fmt.date_label(p.start)}至{fmt.date_label(p.end)}" for p in phases],
        "工作举措": [p.text or "" for p in phases],
    })
    st.dataframe(view, hide_index=True, key=key)


def show_reference_plans(df: pd.DataFrame, *, key: str) -> None:
    """Other districts' plans, each under its label ("参考：南开区2024年工作要点"): never counted, never mixed in."""
    st.caption("其他地区的公开文件，按其辖区和年度保存，仅作参考，不计入本区统计、督办、大屏和会议材料。")
    if df.empty:
        st.caption("没有参考文件。")
        return
    for r in df.itertuples():
        with st.expander(f"{r.label}：{r.plan}（{int(r.n_tasks)}项）"):
            st.caption(f"发文单位：{fmt.md_escape(r.issuer)}；{fmt.md_escape(r.origin)}")
            points = data.cached(reference_plans.reference_tasks, plan_id=int(r.plan_id))
            st.dataframe(pd.DataFrame({
                "序号": points["number"], "章节": points["section"], "要点": points["title"],
                "责任单位": points["units"], "完成时限": points["deadline_label"],
            }), hide_index=True, key=f"{key}-{int(r.plan_id)}")


def download(view: pd.DataFrame, *, label: str, file_name: str, sheet: str, key: str) -> None:
    views.download(view, label=label, file_name=file_name, sheet=sheet, key=key)


# --- 更新进展: the office's monthly status of each task (services.plan_entry) ------------------------------

PROGRESS_FLASH = "plans_progress_flash"  # the last save's message, shown on the next run (st.rerun drops it now)
PROGRESS_GEN = "plans_progress_gen"  # bumped after a save so the editor starts again from the stored values
COL_STATUS, COL_REASON, COL_NOTES = "状态", "延期原因", "进展情况"


def _save_failed(errors: list[str]) -> None:
    st.error("未保存，请修改以下问题后重新保存：\n" + "\n".join(f"- {fmt.md_escape(e)}" for e in errors))


def show_progress_editor(*, viewer: Viewer, year: int, month: int, as_of: dt.date,
                         key: str = "plan-progress") -> None:
    """The office's editor of the month's status, 延期原因 and 进展情况 for one plan's tasks, with 保存."""
    if flash := st.session_state.pop(PROGRESS_FLASH, None):
        st.success(fmt.md_escape(flash))
    gen = st.session_state.setdefault(PROGRESS_GEN, 0)
    try:
        frame = plan_entry.plan_status_frame(viewer=viewer, plan_id=None, year=year, month=month)
    except PermissionError as e:
        st.error(fmt.md_escape(e))
        return
    if frame.empty:
        st.caption("没有计入统计的要点可以更新。")
        return
    titles = dict(zip(frame["plan_id"].astype(int), frame["plan"], strict=False))
    plan_id = st.selectbox("文件", list(titles), format_func=lambda i: titles[i], placeholder="请选择", key=f"{key}-plan")
    rows = frame[frame["plan_id"] == plan_id].reset_index(drop=True)
    view = pd.DataFrame({
        "序号": rows["number"], "要点": rows["title"], "牵头单位": rows["lead_units"],
        "完成时限": rows["deadline_label"],
        "填报月份": rows["status_month"].map(_month), COL_STATUS: rows["status"], COL_REASON: rows["delay_reason"],
        COL_NOTES: rows["notes"],
    })
    st.caption(f"{fmt.month_label(year, month)}：修改状态、延期原因或进展情况后点“保存”。未填报过的要点显示为未开始，"
               "此前填报的状态沿用到本月；只有改动的要点写入本月，可在“导入记录”中撤销。")
    edited = st.data_editor(
        view, key=f"{key}-{plan_id}-{year}-{month}-{gen}", hide_index=True, num_rows="fixed",
        disabled=["序号", "要点", "牵头单位", "完成时限", "填报月份"],
        column_config={
            "序号": st.column_config.NumberColumn("序号", format="%d"),
            COL_STATUS: st.column_config.SelectboxColumn(COL_STATUS, options=list(PLAN_STATUSES),
                                                         required=True),
            COL_REASON: st.column_config.TextColumn(COL_REASON, max_chars=plan_entry.TEXT_MAX),
            COL_NOTES: st.column_config.TextColumn(COL_NOTES, max_chars=plan_entry.TEXT_MAX),
        },
    )
    if not st.button("保存", type="primary", key=f"{key}-save-{gen}", icon=":material/save:"):
        return
    typed = {
        int(tid): {"status": s, "delay_reason": r, "notes": n}
        for tid, s, r, n in zip(rows["task_id"], edited[COL_STATUS], edited[COL_REASON], edited[COL_NOTES],
                                strict=True)
    }
    try:
        result = plan_entry.save_plan_status(viewer=viewer, year=year, month=month, rows=typed,
                                             today=as_of)
    except PermissionError as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("工作要点进展保存失败")
        st.error("保存失败，数据未写入。请稍后重试，或联系管理员。")
        return
    if result.errors:
        _save_failed(result.errors)
        return
    if not result.changed:
        st.info(fmt.md_escape(result.message))
        return
    data.refresh()
    st.session_state[PROGRESS_FLASH] = result.message + "。如需撤销，可在“导入记录”中撤销该批次。"
    st.session_state[PROGRESS_GEN] = gen + 1
    st.rerun()
