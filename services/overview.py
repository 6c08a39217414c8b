"""总览's month in frames and sentences: who must act (every red station with the indicator, lag and due date that
make it red; amber and grey ones compactly; who has not reported), the stations lagging most, the month's report
line per kind and the open hazards by station. Streamlit-free; inputs are the frames of services.metrics and services.submissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from services import narrative, places, submissions
from services.rules import fmt, pacing
from services.rules.plan_status import OVERDUE, SCHEDULE_OWNER
from services.rules.text import first_line


def worst_stations(lags: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The n stations most at risk (metrics.station_lag, already sorted: red, amber, grey, green, then by the
    worst lag), each named with its worst indicator.

    Columns: 监管所, 状态 (status code, the worst indicator's), 最差指标, 最差指标进度差 (percentage points, rounded to
    0.1), 平均进度差 (the mean over its indicators, a second figure), 明显滞后指标数, 略有滞后指标数."""
    worst = lags.head(n)
    return pd.DataFrame({
        "监管所": worst["station"], "状态": worst["worst_status"], "最差指标": worst["worst_indicator"],
        "最差指标进度差": worst["worst_lag_pp"].map(lambda x: fmt.round_half_up(x)),
        "平均进度差": worst["mean_lag_pp"].map(lambda x: fmt.round_half_up(x)),
        "明显滞后指标数": worst["n_red"], "略有滞后指标数": worst["n_amber"],
    })


def submission_line(month_rows: pd.DataFrame, label: str) -> str | None:
    """One monthly report's line for the month (rows of submissions.submission_status), plain text; None when
    there are no stations. E.g. "任务进度：按时上报3个所、逾期上报1个所、未上报0个所（共4个所，截止2022年10月24日）"."""
    if month_rows.empty:
        return None
    n = submissions.status_counts(month_rows)
    deadline, note = month_rows.iloc[0]["deadline"], month_rows.iloc[0]["deadline_note"]
    if n[submissions.NOT_DUE]:
        told = f"未到截止日，已报{len(month_rows) - n[submissions.NOT_DUE]}个所"
    else:
        told = "、".join(f"{s}{n[s]}个所" for s in (submissions.ON_TIME, submissions.LATE, submissions.MISSING))
    return f"{label}：{told}（共{len(month_rows)}个所，截止{fmt.date_label(deadline)}{'，' + note if note else ''}）"


def open_hazards(hazards: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(station, open, overdue) for stations with open hazards (metrics.hazards), most open first, then most
    overdue, then the bureau's order."""
    rows = hazards[hazards["n_open"] > 0].sort_values(["n_open", "n_overdue", "sort_order"],
                                                       ascending=[False, False, True])
    return [(r.station, int(r.n_open), int(r.n_overdue)) for r in rows.itertuples()]


# --- who must act (issue 16: every red station by name, not the top five by mean lag) -------------------------


def must_act(lags: pd.DataFrame) -> list[str]:
    """Every red station (metrics.station_lag's order: the worst lag first) with the indicator and lag that make it
    red: "明水所：示范创建 −19.1个百分点". The due date is the task list's, one for all (act_header)."""
    return [narrative.station_phrase(r) for r in lags[lags["worst_status"] == "red"].to_dict("records")]


def act_header(n_red: int, due: dt.date | None) -> str:
    """ "13个监管所有明显滞后的任务项，任务清单2022年11月30日到期" (the task list's window: metrics.task_window)."""
    if not n_red:
        return "无明显滞后的监管所"
    return f"{n_red}个监管所有明显滞后的任务项" + (f"，任务清单{fmt.date_label(due)}到期" if due is not None else "")


def compact(lags: pd.DataFrame, status: str) -> str | None:
    """The stations of one status in one line, each with its worst indicator: "略有滞后：相公所（示范创建 −2.1个百分点）、…";
    grey ones "本年未报：…". None when there are none."""
    rows = lags[lags["worst_status"] == status].to_dict("records")
    if not rows:
        return None
    head = {"amber": "略有滞后", "grey": "本年未报"}.get(status, status)
    parts = [narrative.station_phrase(r).replace("：", "（", 1) + "）" for r in rows]
    return f"{head}（{len(rows)}个所）：" + "、".join(parts)


def unreported_line(nr: submissions.NotReported) -> str:
    """Who has not reported this month, by name: "10月未报：月报 枣园所；任务进度 枣园所" (逾期上报 named apart); for one
    station (a 监管所 account) "本所（明水所）10月未报：…"."""
    monthly = "、".join(nr.monthly_missing) or "无"
    if not nr.monthly_required:
        monthly = "本月不要求"
    elif not nr.monthly_due:
        monthly = "未到截止日"
    late = f"（逾期上报：{'、'.join(nr.monthly_late)}）" if nr.monthly_late else ""
    who = f"本所（{nr.station}）" if nr.station else ""
    return (f"{who}{nr.month}月未报：月报（风险隐患排查整治表）{monthly}{late}；"
            f"任务进度{'、'.join(nr.progress_missing) or '无'}")


def overdue_plans_line(tasks: pd.DataFrame, schedule: pd.DataFrame, *, n: int = 3) -> str | None:
    """The district's 工作要点 tasks and 配档表 windows past their deadline and not done, each with who carries it (as
    the briefing's 督办建议): "逾期未完成：配档表2022年8月~9月 组织观摩交流活动（食品生产监管科（统筹）、各监管所（落实））";
    the first `n` of each, then how many in all. None when nothing is overdue. `tasks`: plans.overdue; `schedule`:
    metrics.schedule."""
    late = schedule[schedule["status"] == OVERDUE] if len(schedule) else schedule
    parts = [f"工作要点第{r.number}项{first_line(r.title)}（{r.lead_units or r.issuer}，期限{r.deadline_label}）"
             for r in tasks.head(n).itertuples()]
    parts += [f"配档表{r.time_text} {first_line(r.focus)}（{SCHEDULE_OWNER}）" for r in late.head(n).itertuples()]
    if not parts:
        return None
    total = len(tasks) + len(late)
    return f"逾期未完成：{'；'.join(parts)}" + (f"等{total}项" if total > len(parts) else "") + "（详见“工作要点”）"


# --- 包保 cards: each with its target (where the rules give one) and its status -----------------------------------

NO_TARGET = "无目标"


@dataclass(frozen=True)
class CardTarget:
    """What a card is measured against ("无目标" when nothing sets one) and its status (None: not judged)."""

    text: str
    status: str | None = None


def baobao_targets(r: pd.Series, high_risk: str) -> dict[str, CardTarget]:
    """The district's 包保 cards (a metrics.baobao district row): 督导完成率 and 现场督导率 are due in full by the
    quarter's end, so paced by the quarter's time progress as the map paces them (services.places); 逾期未整改 is
    judged as the map judges it (none: 达到进度; up to its amber share of the problems due: 略有滞后). 包保覆盖率 and
    问题整改率 have no target in the rules or the settings: 无目标."""
    qp = float(r["quarter_progress"])
    by_quarter = f"季度末全部完成，应达{fmt.pct(qp)}"
    return {
        "coverage": CardTarget(NO_TARGET),
        "completion": CardTarget(f"目标：{by_quarter}",
                                 pacing.status(r["completion_rate"], qp, reported=bool(r["n_assigned"]))),
        "onsite": CardTarget(f"目标：{high_risk}主体{by_quarter}",
                             pacing.status(r["onsite_rate"], qp, reported=bool(r["n_high_risk"]))),
        "close": CardTarget(NO_TARGET),
        "overdue": CardTarget(f"目标：0个（不超过应整改的{fmt.pct(places.OVERDUE_AMBER_SHARE)}为略有滞后）",
                              places.overdue_status(int(r["n_prob_overdue"]), int(r["n_prob_due"]),
                                                     int(r["n_business"]))),
    }
