"""The briefing's sections and tables, each written from one field of services.meeting.PackFigures:
任务清单进度 · 包保督导 · 风险隐患排查整治 · 月报上报 · 工作要点与配档表 · 督办建议, and the appendix of reference plans."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from services import metrics, narrative, workshops_view
from services.meeting import DELAYED, DONE, IN_PROGRESS, NOT_STARTED, OVERDUE, SHOWN_STATUSES, PackFigures
from services.rules import fmt, pacing
from services.rules.plan_status import SCHEDULE_OWNER
from services.rules.style import STATUS_LABELS
from services.rules.text import first_line

# A 督办 item without a deadline of its own (a missing report, an overdue hazard): due this many days after the day
# the data stand at — the bureau's usual 一周内 for 补报 and 整改销号 (our choice: the documents set no term).
DUBAN_DAYS = 7
HEADINGS = ("一、任务清单进度", "二、包保督导", "三、风险隐患排查整治", "四、月报上报", "五、工作要点与配档表", "六、督办建议")
NO_OVERDUE = "无逾期未完成事项"
DUBAN_COLUMNS = ["类别", "事项", "责任单位", "完成时限", "进展"]
GROUPED = ("风险隐患", "配档表")  # 督办 categories said in one line of the briefing (one row each in the table)
HAZARD_TASK = "逾期未整改隐患整改销号"
WORKSHOP_TABLE = "小作坊"  # the 附表 of the 小作坊 figures by station


def appendix_heading(district: str) -> str:
    return f"附录：参考资料（其他地区工作要点，不计入{district}统计）"


def _names(items: list[str], sep: str = "、") -> str:
    return sep.join(items)


def _ratio(num: int, den: int) -> str:
    return f"{fmt.pct(num / den if den else math.nan)}（{num}/{den}）"


# --- 一、任务清单进度 ---------------------------------------------------------------------------------


def red_phrase(r) -> str:
    """ "明水所（示范创建，低于时序进度13.3个百分点）", with the count when more than one indicator is red."""
    more = f"，红色指标共{int(r.n_red)}项：{r.red_indicators}" if int(r.n_red) > 1 else ""
    return f"{r.station}（{r.worst_indicator}，{fmt.lag_words(r.worst_lag_pp)}{more}）"


def task_section(f: PackFigures, *, year: int, month: int) -> list[str]:
    lines = (narrative.task_lines(f.totals, year=year, month=month, as_of=f.as_of, window=f.task_window)
             or [f"{year}年尚无任务清单"])
    red = f.red_stations
    if len(red):
        lines.append(f"进度明显滞后（红色）的监管所{len(red)}个：" + _names([red_phrase(r) for r in red.itertuples()]))
    elif not f.progress.empty:
        lines.append("各监管所均无明显滞后（红色）的任务项")
    kpi = narrative.kpi_line(f.gauges, as_of=pacing.ref_date(year, month, f.as_of),
                             sources="各指标的来源见附表2") if not f.gauges.empty else None
    if kpi:
        lines.append(f"重点指标：{kpi}")
    return lines + workshop_lines(f)


def workshop_lines(f: PackFigures) -> list[str]:
    """The 小作坊 registers behind the task list (docs/小作坊指标.md): the 名录's lists and rates, the sweeps, and every
    station whose named sites differ from the count it reported (who must check). Nothing when there is no 名录."""
    shops = f.workshops
    if shops is None or shops.empty or not int(shops["registered"].sum()):
        return []
    t = metrics.workshop_totals_frame(shops).iloc[0]
    lines = [f"小作坊名录：在册{int(t['registered'])}家，其中冷链{int(t['cold_chain'])}家、高风险{int(t['high_risk'])}家；"
             f"两个档案建档率{_ratio(int(t['archives_both']), int(t['registered']))}，十个管理规范达标率"
             f"{_ratio(int(t['norms_met_cells']), int(t['norms_assessed_cells']))}，冷链、高风险小作坊第三方评价覆盖率"
             f"{fmt.pct(t['cold_review_rate'])}、{fmt.pct(t['high_risk_review_rate'])}；无证黑窝点摸排"
             f"{int(t['swept'])}次，发现{int(t['found'])}处，已查处{int(t['handled'])}处（各所见附表“{WORKSHOP_TABLE}”）"]
    gaps = workshops_view.gap_lines(shops)
    if gaps:
        lines.append("名单与上报数不一致、需核对的：" + "；".join(gaps))
    return lines


def workshop_table(f: PackFigures) -> pd.DataFrame:
    """附表: the 小作坊 figures by station, worst 两个档案建档率 first (the page's table)."""
    if f.workshops is None or f.workshops.empty or not int(f.workshops["registered"].sum()):
        return pd.DataFrame()  # no 名录 imported: no table (the section says nothing either)
    return workshops_view.rate_table(f.workshops, by="archive_rate")


# --- 二、包保督导 ------------------------------------------------------------------------------------


def baobao_section(f: PackFigures) -> list[str]:
    return [narrative.baobao_line(f.district) or "尚无包保主体数据"]


# --- 三、风险隐患排查整治 ------------------------------------------------------------------------------


def hazard_section(f: PackFigures, *, year: int, month: int) -> list[str]:
    h = f.hazards
    ref = pacing.ref_date(year, month, f.as_of)
    if not h.found_ytd and not h.n_reported and not h.n_overdue:
        return [f"{year}年尚无风险隐患排查整治数据"]
    lines = [
        f"{month}月，{h.n_stations}个监管所中{h.n_reported}个报送了风险隐患排查整治表",
        f"今年以来（1月1日至{fmt.date_label(ref)}）发现隐患{h.found_ytd}处，已整改{h.rectified_ytd}处，"
        f"隐患整改率（累计）{_ratio(h.rectified_ytd, h.found_ytd)}",
        f"{month}月发现隐患{h.found_month}处，已整改{h.rectified_month}处，"
        f"隐患整改率（当月）{_ratio(h.rectified_month, h.found_month)}",
    ]
    tail = f"逾期未整改隐患{h.n_overdue}处，未到整改期限的未整改隐患{h.n_pending}处"
    worst = f.hazard_stations[f.hazard_stations["n_overdue"] > 0].sort_values(
        ["n_overdue", "sort_order"], ascending=[False, True])
    if len(worst):
        tail += "；逾期未整改隐患所在监管所：" + _names([f"{r.station}{int(r.n_overdue)}处" for r in worst.itertuples()])
    lines.append(tail)
    return lines


def hazard_table(f: PackFigures) -> pd.DataFrame:
    df = f.hazard_stations
    return pd.DataFrame({
        "监管所": df["station"], "本月报送": df["reported"].map(lambda x: "是" if x else "否"),
        "今年发现隐患": df["found_ytd"], "已整改": df["rectified_ytd"],
        "隐患整改率（累计）": df["rectification_rate"].map(fmt.pct),
        "逾期未整改": df["n_overdue"], "未到期未整改": df["n_pending"],
    })


# --- 四、月报上报 ------------------------------------------------------------------------------------

REPORT_WORDS = {"任务进度": ("任务进度", "进度未报"), "风险隐患": ("风险隐患排查整治表（月报）", "月报未报")}


def report_line(df: pd.DataFrame, kind: str, *, month: int) -> str:
    label, missing_word = REPORT_WORDS[kind]
    rows = df[df["kind"] == kind]
    if rows.empty:
        return f"{month}月{label}：尚无监管所"
    deadline = rows["deadline"].iloc[0]
    ontime = rows[rows["status"] == "按时"]
    late = rows[rows["status"] == "逾期"]
    missing = rows[rows["status"] == "未报"]
    not_due = rows[rows["status"] == "未到期"]
    parts = [f"按时{len(ontime)}个"]
    late_names = _names([f"{r.station}{int(r.days_late)}天" for r in late.itertuples()])
    parts.append(f"逾期{len(late)}个" + (f"（{late_names}）" if len(late) else ""))
    parts.append(f"{missing_word}{len(missing)}个" + (f"（{_names(list(missing['station']))}）" if len(missing) else ""))
    if len(not_due):
        parts.append(f"未到截止日{len(not_due)}个")
    return f"{month}月{label}（截止{fmt.date_label(deadline)}）：" + "，".join(parts)


def report_section(f: PackFigures, *, month: int) -> list[str]:
    r = f.report_rate
    lines = [report_line(f.reports, "风险隐患", month=month), report_line(f.reports, "任务进度", month=month)]
    if r.n_due:
        lines.append(f"月报按时上报率（风险隐患排查整治表，{r.start}月起）{_ratio(r.n_ontime, r.n_due)}")
    return lines


def report_table(f: PackFigures) -> pd.DataFrame:
    df = f.reports

    def cell(r) -> str:
        if r.status == "逾期":
            return f"逾期{int(r.days_late)}天（{fmt.date_label(r.report_date)}）"
        if r.status == "按时":
            return f"按时（{fmt.date_label(r.report_date)}）"
        return r.status

    wide = {kind: {r.station: cell(r) for r in df[df["kind"] == kind].itertuples()} for kind in REPORT_WORDS}
    stations = list(dict.fromkeys(df["station"]))
    return pd.DataFrame({"监管所": stations,
                         "风险隐患排查整治表": [wide["风险隐患"].get(s, "") for s in stations],
                         "任务进度": [wide["任务进度"].get(s, "") for s in stations]})


# --- 五、工作要点与配档表 ------------------------------------------------------------------------------


def _by_status(shown: pd.Series) -> str:
    counts = shown.value_counts()
    return "、".join(f"{s}{int(counts.get(s, 0))}项" for s in SHOWN_STATUSES)


def plan_section(f: PackFigures, *, year: int, month: int) -> list[str]:
    """章丘's own plan and 配档表 with status; "无逾期未完成事项" only when nothing of either is overdue."""
    ref = pacing.ref_date(year, month, f.as_of)
    d = f.district_name
    lines = []
    own, sched = f.own_plan, f.schedule
    if own.empty:
        lines.append(f"{d}{year}年工作要点尚未导入（其他地区工作要点仅作参考，列于附录，不计入本区统计）")
    else:
        lines.append(f"{d}{year}年工作要点共{len(own)}项：{_by_status(own['shown'])}")
        late = own[own["shown"] == OVERDUE]
        if len(late):
            lines.append("逾期未完成的工作要点：" + "；".join(
                f"第{r.number}项{r.title}（{r.lead_units or r.issuer}，"
                f"期限{r.deadline_label}"
                f"{'，' + r.status if r.status else ''}）" for r in late.itertuples()))
        delayed = own[own["shown"] == DELAYED]
        if len(delayed):
            lines.append("已延期（尚未到期）的工作要点：" + "；".join(
                f"{r.label or '第' + str(r.number) + '项'}{r.title}（期限{r.deadline_label}"
                f"{'，原因：' + r.delay_reason if isinstance(r.delay_reason, str) and r.delay_reason else ''}）"
                for r in delayed.itertuples()))
    if sched.empty:
        lines.append(f"{year}年尚无配档表")
    else:
        counts = sched["shown"].value_counts()
        lines.append(f"配档表共{len(sched)}个时间段：" +
                     "、".join(f"{s}{int(counts.get(s, 0))}个" for s in SHOWN_STATUSES))
        late = sched[sched["shown"] == OVERDUE]
        if len(late):
            lines.append("配档表逾期未完成：" + "；".join(f"{r.time_text}，{first_line(r.focus)}" for r in late.itertuples()))
    n_overdue = int((own["shown"] == OVERDUE).sum()) if len(own) else 0
    n_overdue += int((sched["shown"] == OVERDUE).sum()) if len(sched) else 0
    if not n_overdue:
        lines.append(f"截至{fmt.date_label(ref)}，{NO_OVERDUE}")
    return lines


def own_plan_table(f: PackFigures) -> pd.DataFrame:
    own = f.own_plan
    return pd.DataFrame({
        "序号": own["number"], "任务": own["title"], "牵头单位": own["lead_units"],
        "完成时限": own["deadline_label"],
        "记录状态": own["status"], "状态": own["shown"], "延期原因": own["delay_reason"],
    })


def schedule_table(f: PackFigures) -> pd.DataFrame:
    s = f.schedule
    return pd.DataFrame({"时间": s["time_text"], "工作重点": s["focus"], "责任单位": SCHEDULE_OWNER,
                         "状态": s["shown"]})


# --- 六、督办建议 ------------------------------------------------------------------------------------


def duban_table(f: PackFigures, *, year: int, month: int) -> pd.DataFrame:
    """Who, what, by when: red stations (by the task list's due day), missing reports, overdue hazards, overdue
    plan tasks and 配档表 windows, overdue 包保 problems (within DUBAN_DAYS of the data day)."""
    ref = pacing.ref_date(year, month, f.as_of)
    soon = fmt.date_label(ref + dt.timedelta(days=DUBAN_DAYS))
    rows = []
    for r in f.red_stations.itertuples():
        p = f.progress[(f.progress["station_id"] == r.station_id) & (f.progress["indicator"] == r.worst_indicator)]
        done = (f"完成{fmt.num(p['actual'].iloc[0])}/{fmt.num(p['target'].iloc[0])}{p['unit'].iloc[0]}，"
                if len(p) else "，")
        done = "：" + done if len(p) else done
        more = f"；红色指标共{int(r.n_red)}项：{r.red_indicators}" if int(r.n_red) > 1 else ""
        rows.append(("任务清单", f"{r.worst_indicator}{done}完成率{fmt.pct(r.worst_rate)}，追赶时序进度", r.station,
                     fmt.date_label(f.task_window.due), f"{fmt.lag_words(r.worst_lag_pp)}{more}"))
    for kind, (label, word) in REPORT_WORDS.items():
        for r in f.reports[(f.reports["kind"] == kind) & (f.reports["status"] == "未报")].itertuples():
            rows.append(("月报上报", f"补报{month}月{label}", r.station, soon, f"{word}，已超截止日{int(r.days_late)}天"))
    for r in f.hazard_stations[f.hazard_stations["n_overdue"] > 0].itertuples():
        rows.append(("风险隐患", HAZARD_TASK, r.station, soon, f"逾期未整改{int(r.n_overdue)}处"))
    for r in f.own_plan[f.own_plan["shown"] == OVERDUE].itertuples() if len(f.own_plan) else ():
        days = f"，逾期{int(r.overdue_days)}天" if not pd.isna(r.overdue_days) else ""
        rows.append(("工作要点", f"第{r.number}项：{r.title}", r.lead_units or r.issuer, soon, f"{OVERDUE}{days}"))
    for r in f.schedule[f.schedule["shown"] == OVERDUE].itertuples() if len(f.schedule) else ():
        rows.append(("配档表", f"{r.time_text}：{first_line(r.focus)}", SCHEDULE_OWNER, soon,
                     f"{OVERDUE}，窗口{fmt.date_label(r.end_date)}结束"))
    if not f.district.empty and int(f.district.iloc[0]["n_prob_overdue"]):
        n = int(f.district.iloc[0]["n_prob_overdue"])
        rows.append(("包保督导", f"{n}个逾期未整改问题（各来源）整改销号", "各监管所、包保干部", soon, "逾期未整改"))
    return pd.DataFrame(rows, columns=DUBAN_COLUMNS)


def duban_section(table: pd.DataFrame) -> list[str]:
    """One line per item, "（1）明水所：示范创建：完成14/20家，…，2022年11月30日前完成（低于时序进度…）"; the
    stations' overdue hazards and the 配档表's overdue windows each make one line naming every station or window."""
    if table.empty:
        return ["本期无需督办事项"]
    items = []
    for r in table[~table["类别"].isin(GROUPED)].itertuples(index=False):
        items.append(f"{r.责任单位}：{r.事项}，{r.完成时限}前完成（{r.进展}）")
    hz = table[table["类别"] == "风险隐患"]
    if len(hz):
        who = _names([f"{r.责任单位}（{r.进展.removeprefix('逾期未整改')}）" for r in hz.itertuples(index=False)])
        items.append(f"{who}：{HAZARD_TASK}，{hz['完成时限'].iloc[0]}前完成")
    sc = table[table["类别"] == "配档表"]
    if len(sc):
        what = "；".join(r.事项 for r in sc.itertuples(index=False))
        items.append(f"{SCHEDULE_OWNER}：配档表{len(sc)}个已结束的时间段尚未完成（{what}），"
                     f"{sc['完成时限'].iloc[0]}前完成或报告进展")
    return [f"（{i}）{item}" for i, item in enumerate(items, start=1)]


# --- 附录 ---------------------------------------------------------------------------------------------


def appendix_lines(f: PackFigures) -> list[str]:
    return [f"{r.label}：《{r.plan}》（{int(r.n_tasks)}项，发文单位{r.issuer}）"
            for r in f.reference_plans.itertuples()]


# --- 附表 ---------------------------------------------------------------------------------------------


def _lag(x) -> float:
    return fmt.round_half_up(x) if not pd.isna(x) else math.nan


def station_table(progress: pd.DataFrame) -> pd.DataFrame:
    """任务清单 by station and indicator, as the 任务清单 page's table shows it."""
    return pd.DataFrame({
        "监管所": progress["station"], "指标": progress["indicator"], "单位": progress["unit"],
        "目标": progress["target"], "累计完成": progress["actual"], "完成率": progress["rate"].map(fmt.pct),
        "时序进度": progress["expected_rate"].map(fmt.pct), "进度差（百分点）": progress["lag_pp"].map(_lag),
        "状态": progress["status"].map(lambda s: STATUS_LABELS.get(s, "")),
    })


def kpi_table(gauges: pd.DataFrame, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """附表2: each KPI with what it is compared with (时序进度 for a ramp, 目标 for a level, the due date for a
    once), the value expected to date, the sentence the pages say, its baseline and its source."""
    def value(x, unit):
        return fmt.pct(x) if unit == "%" else fmt.num(x)

    rows = [r._asdict() for r in gauges.itertuples(index=False)]
    compared = {"ramp": "时序进度", "level": "目标", "once": "到期日"}
    return pd.DataFrame({
        "指标": gauges["name"], "目标": [value(x, u) for x, u in zip(gauges["target"], gauges["unit"], strict=True)],
        "实际": [value(r["actual"], r["unit"]) + (narrative.fraction_text(r) if r["unit"] == "%" else "")
                 for r in rows],
        "比较对象": gauges["pacing"].map(lambda k: compared.get(k, "时序进度")),
        "应达值": [narrative.due_words(r) if r["pacing"] == "once" else value(r["expected"], r["unit"]) for r in rows],
        # a once KPI has no pace: no 进度差, and 未到期 rather than 达到进度 before its due date (as its gauge says)
        "进度差（百分点）": [math.nan if r["pacing"] == "once" else _lag(r["lag_pp"]) for r in rows],
        "状态": [narrative.kpi_status_word(r) for r in rows],
        "说明": [narrative.comparison(r, as_of=as_of) for r in rows],
        "基线": [narrative.baseline_text(r) for r in rows],
        "来源": [narrative.kpi_source(r) for r in rows],
    })


def baobao_table(by_station: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "监管所": by_station["station"], "在营主体": by_station["n_business"],
        "包保覆盖率": by_station["coverage"].map(fmt.pct), "督导完成率（本季度）": by_station["completion_rate"].map(fmt.pct),
        "今年发现问题（包保督导）": by_station["n_prob_ytd"], "已整改（包保督导）": by_station["n_prob_ytd_closed"],
        "逾期未整改问题（各来源）": by_station["n_prob_overdue"],
    })


__all__ = ["DONE", "HEADINGS", "IN_PROGRESS", "NOT_STARTED", "NO_OVERDUE", "OVERDUE", "appendix_heading",
           "appendix_lines", "baobao_section", "baobao_table", "duban_section", "duban_table", "hazard_section",
           "hazard_table", "kpi_table", "own_plan_table", "plan_section", "report_section", "report_table",
           "schedule_table", "station_table", "task_section"]
