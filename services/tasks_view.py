"""任务清单's tables: the 督办 list, a station's progress and sites, the 配档表 and the 风险隐患排查整治 table by
station. Streamlit-free; inputs are the frames of services.metrics and services.access; outputs are the tables the
page shows, with Chinese headings (状态 as a status code, written as a chip by components.views.with_chips).

Worst first (issue 16): every table of stations opens with the most severe status (red, amber, grey, green), then
the largest lag behind, then the bureau's order; a 任务项 (task indicator) is always labelled 任务项, never 指标."""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.metrics.tasks import station_lag_frame
from services.rules import fmt, pacing
from services.rules.duban import duban_tasks
from services.rules.style import DOT, STATUS_LABELS

INDICATOR = "任务项"  # the glossary's word for a column of the 任务清单 (示范创建 …)
ALL_INDICATORS = "全部任务项"
SEVERITY = {s: i for i, s in enumerate(pacing.STATUS_SEVERITY)}  # red, amber, grey, green


def _severity(status: pd.Series) -> pd.Series:
    return status.map(SEVERITY).fillna(len(SEVERITY))


def worst_rows(progress: pd.DataFrame, lags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Station × 任务项 rows (metrics.task_progress), worst first: the stations in the order of their status
    (metrics.station_lag_frame: worst 任务项's status, then its lag, then the bureau's order), and within a station
    its 任务项 by status, then lag, then the bureau's order of 任务项. `lags`: station_lag_frame(progress) when the
    caller has it already (metrics.station_lag)."""
    if progress.empty:
        return progress
    lags = station_lag_frame(progress) if lags is None else lags
    rank = {sid: i for i, sid in enumerate(lags["station_id"])}
    return (progress.assign(_rank=progress["station_id"].map(rank), _sev=_severity(progress["status"]))
            .sort_values(["_rank", "_sev", "lag_pp", "indicator_order"], na_position="last", kind="stable")
            .drop(columns=["_rank", "_sev"]))


def for_indicator(frame: pd.DataFrame, choice: str | None) -> pd.DataFrame:
    """The rows of one task indicator, or all of them for ALL_INDICATORS (or no choice)."""
    return frame if choice in (None, ALL_INDICATORS) else frame[frame["indicator"] == choice]


def duban(progress: pd.DataFrame) -> pd.DataFrame:
    """The station × 任务项 rows behind the time schedule (red or amber): red first, then amber, each most behind
    first, ties in the bureau's order of stations and 任务项.

    Columns: 监管所, 任务项, 目标, 累计完成, 完成率, 应完成率, 进度差（百分点）, 状态."""
    late = duban_tasks(progress)  # the one 督办 rule (services.rules.duban)
    late = (late.assign(_sev=_severity(late["status"]))
            .sort_values(["_sev", "lag_pp", "sort_order", "indicator_order"], kind="stable"))
    return pd.DataFrame({
        "监管所": late["station"], INDICATOR: late["indicator"], "目标": late["target"], "累计完成": late["actual"],
        "完成率": late["rate"].map(fmt.pct), "应完成率": late["expected_rate"].map(fmt.pct),
        "进度差（百分点）": late["lag_pp"].map(lambda x: fmt.round_half_up(x)), "状态": late["status"],
    })


def station_rows(progress: pd.DataFrame, station: str) -> pd.DataFrame:
    """One station's 任务项, worst first. Columns: 任务项, 目标, 累计完成, 完成率, 应完成率, 进度差（百分点）, 状态."""
    rows = progress[progress["station"] == station]
    # one station: its rank among stations is the same for every row, so only its 任务项 are ordered
    rows = rows.assign(_sev=_severity(rows["status"])).sort_values(
        ["_sev", "lag_pp", "indicator_order"], na_position="last", kind="stable")
    return pd.DataFrame({INDICATOR: rows["indicator"], "目标": rows["target"], "累计完成": rows["actual"],
                         "完成率": rows["rate"].map(fmt.pct), "应完成率": rows["expected_rate"].map(fmt.pct),
                         "进度差（百分点）": rows["lag_pp"].map(lambda x: fmt.round_half_up(x)),
                         "状态": rows["status"]})


def stations_worst_first(progress: pd.DataFrame, lags: pd.DataFrame | None = None) -> list[str]:
    """The page's list of stations, worst first (metrics.station_lag_frame; `lags` when the caller has it)."""
    return (station_lag_frame(progress) if lags is None else lags)["station"].tolist()


def station_labels(progress: pd.DataFrame, lags: pd.DataFrame | None = None) -> dict[str, str]:
    """What the page says under its station picker: the station's status and the 任务项 that makes it so (its worst
    one, with its lag), e.g. "普集所：明显滞后，最差任务项抱团发展活动（完成率0.0%，低于时序进度89.1个百分点）"; on pace
    or without reports, the status alone."""
    lags = station_lag_frame(progress) if lags is None else lags
    worst = progress.set_index(["station_id", "indicator"])["rate"]
    out = {}
    for r in lags.itertuples():
        word = STATUS_LABELS.get(r.worst_status, "未报")
        if r.worst_status in ("green", "grey"):
            out[r.station] = f"{r.station}：{word}"
            continue
        rate = worst.get((r.station_id, r.worst_indicator))
        out[r.station] = (f"{r.station}：{word}，最差任务项{r.worst_indicator}（完成率{fmt.pct(rate)}，"
                          f"{fmt.lag_words(r.worst_lag_pp)}）")
    return out


def station_default(progress: pd.DataFrame, own: int | None, lags: pd.DataFrame | None = None) -> int:
    """The position of a 监管所 account's own station in the page's list of stations (stations_worst_first); 0 (the
    worst station) for everyone else."""
    stations = stations_worst_first(progress, lags)
    names = progress.loc[progress["station_id"] == own, "station"].tolist() if own is not None else []
    return stations.index(names[0]) if names else 0


ITEM_ORDER = {"计划": 0, "推进中": 1, "已完成": 2, "已验收": 3}  # db.models.ITEM_STATUSES, not yet done first


def item_rows(items: pd.DataFrame) -> pd.DataFrame:
    """A station's sites (access.task_items), the ones not yet done first, each by its planned month.
    Columns: 任务项, 名称, 主体, 计划月份, 状态, 完成日期, 视频在线."""
    items = (items.assign(_done=items["status"].map(ITEM_ORDER).fillna(0) >= ITEM_ORDER["已完成"])
             .sort_values(["_done", "planned_month"], na_position="last", kind="stable"))
    return pd.DataFrame({
        INDICATOR: items["indicator"], "名称": items["name"], "主体": items["business_name"],
        "计划月份": items["planned_month"].map(lambda m: f"{int(m)}月" if pd.notna(m) else ""),
        "状态": items["status"],
        "完成日期": items["completed_date"].map(lambda d: fmt.date_label(d) if pd.notna(d) and d else ""),
        "视频在线": items["video_online"].map(lambda v: "" if pd.isna(v) else ("在线" if v else "离线")),
    })


def schedule_rows(schedule: pd.DataFrame) -> pd.DataFrame:
    """The 配档表 (metrics.schedule). Columns: 时间, 时间窗口, 工作重点, 推进措施, 状态."""
    return pd.DataFrame({
        "时间": schedule["time_text"],
        "时间窗口": [f"{fmt.date_label(a)}至{fmt.date_label(b)}"
                 for a, b in zip(schedule["start_date"], schedule["end_date"], strict=True)],
        "工作重点": schedule["focus"], "推进措施": schedule["measures"], "状态": schedule["status"],
    })


HAZARD_COUNTS = ("检查主体（累计家次）", "发现隐患（累计）", "已整改（累计）", "当月发现", "当月已整改", "立案数", "未整改隐患（合计）",
                 "其中逾期")
# A station's 隐患 status, worst first: 逾期 hazards open (red), open hazards not yet due (amber), this month's
# 风险隐患排查整治表 not reported (grey), nothing open (green). The colours are the status colours (STATUS_COLORS).
HAZARD_STATUS = {"red": "有逾期隐患", "amber": "有待整改隐患", "grey": "本月未报", "green": "已全部整改"}
HAZARD_CHIPS = {code: f"{DOT} {word}" for code, word in HAZARD_STATUS.items()}


def hazard_status(row) -> str:
    """The status code (red, amber, grey, green) of one station's row of metrics.hazards."""
    if row["n_overdue"] > 0:
        return "red"
    if row["n_open"] > 0:
        return "amber"
    return "green" if row["reported"] else "grey"


def hazard_rows(hazards: pd.DataFrame, totals: pd.DataFrame, *, month: int) -> pd.DataFrame:
    """Each station's 风险隐患排查整治 (metrics.hazards), worst first (status by hazard_status, then the most overdue,
    the most open, the lowest 隐患整改率, the bureau's order), and the district's row (metrics.hazard_totals) last.

    Columns: 监管所, 状态 (HAZARD_CHIPS; blank for the district), 未整改隐患（合计）, 其中逾期, {month}月上报,
    隐患整改率（累计）, 发现隐患（累计）, 已整改（累计）, 隐患整改率（当月）, 当月发现, 当月已整改, 检查主体（累计家次）
    (the months' 检查主体数 added up: a business checked in two months counts twice), 立案数. Found and rectified are the rate's own numerator and denominator (DOMAIN.md §5,
    from the 隐患清单 where present): never the monthly snapshots summed. 未整改隐患 is metrics.hazards' n_open, the
    figure 总览 shows (隐患, not the 包保督导 问题 of 逾期未整改问题)."""
    h = totals.iloc[0]
    # hazard_status of every row at once
    status = pd.Series(np.select([hazards["n_overdue"].to_numpy() > 0, hazards["n_open"].to_numpy() > 0,
                                  hazards["reported"].astype(bool).to_numpy()], ["red", "amber", "green"], "grey"),
                       index=hazards.index, dtype="object") if len(hazards) else pd.Series([], dtype="object")
    stations = (hazards.assign(_status=status, _sev=_severity(status), _rate=hazards["rectification_rate"])
                .sort_values(["_sev", "n_overdue", "n_open", "_rate", "sort_order"],
                             ascending=[True, False, False, True, True], na_position="last", kind="stable"))
    rows = pd.concat([stations, totals.assign(station=totals["district"])], ignore_index=True)
    return pd.DataFrame({
        "监管所": rows["station"],
        "状态": [*stations["_status"].map(HAZARD_CHIPS), ""],
        # the one figure 总览's 未整改隐患 shows (metrics.hazards n_open) and, of them, those past their 整改期限:
        # first after the status they make, so a narrow screen shows them without scrolling
        "未整改隐患（合计）": rows["n_open"].astype("int64"), "其中逾期": rows["n_overdue"].astype("int64"),
        f"{month}月上报": [*stations["reported"].map(lambda r: "已报" if r else "未报"),
                         f"{int(h['n_reported'])}/{int(h['n_stations'])}个所"],
        "隐患整改率（累计）": rows["rectification_rate"].map(fmt.pct),
        "发现隐患（累计）": rows["found_ytd"].astype("int64"), "已整改（累计）": rows["rectified_ytd"].astype("int64"),
        "隐患整改率（当月）": rows["month_rate"].map(fmt.pct),
        "当月发现": rows["found_month"].astype("int64"), "当月已整改": rows["rectified_month"].astype("int64"),
        "检查主体（累计家次）": rows["entities_checked"], "立案数": rows["cases_opened"],
    })
