"""任务清单's tables: the 督办 list, a station's progress and sites, the 配档表 and the 风险隐患排查整治 table by
station. Streamlit-free; inputs are the frames of services.metrics and services.access; outputs are the tables the
page shows, with Chinese headings (状态 as a status code, written as a chip by components.views.with_chips)."""

from __future__ import annotations

import pandas as pd

from services.rules import fmt
from services.rules.duban import duban_tasks

ALL_INDICATORS = "全部指标"


def for_indicator(frame: pd.DataFrame, choice: str | None) -> pd.DataFrame:
    """The rows of one task indicator, or all of them for ALL_INDICATORS (or no choice)."""
    return frame if choice in (None, ALL_INDICATORS) else frame[frame["indicator"] == choice]


def duban(progress: pd.DataFrame) -> pd.DataFrame:
    """The station × indicator rows behind the time schedule (red or amber), most behind first.

    Columns: 监管所, 指标, 目标, 累计完成, 完成率, 应完成率, 进度差（百分点）, 状态."""
    late = duban_tasks(progress)  # the one 督办 rule (services.rules.duban)
    return pd.DataFrame({
        "监管所": late["station"], "指标": late["indicator"], "目标": late["target"], "累计完成": late["actual"],
        "完成率": late["rate"].map(fmt.pct), "应完成率": late["expected_rate"].map(fmt.pct),
        "进度差（百分点）": late["lag_pp"].map(lambda x: fmt.round_half_up(x)), "状态": late["status"],
    })


def station_rows(progress: pd.DataFrame, station: str) -> pd.DataFrame:
    """One station's indicators. Columns: 指标, 目标, 累计完成, 完成率, 状态."""
    rows = progress[progress["station"] == station]
    return pd.DataFrame({"指标": rows["indicator"], "目标": rows["target"], "累计完成": rows["actual"],
                         "完成率": rows["rate"].map(fmt.pct), "状态": rows["status"]})


def station_default(progress: pd.DataFrame, own: int | None) -> int:
    """The position of a 监管所 account's own station in the page's list of stations (0 for everyone else)."""
    stations = list(dict.fromkeys(progress["station"]))
    names = progress.loc[progress["station_id"] == own, "station"].tolist() if own is not None else []
    return stations.index(names[0]) if names else 0


def item_rows(items: pd.DataFrame) -> pd.DataFrame:
    """A station's sites (access.task_items). Columns: 指标, 名称, 主体, 计划月份, 状态, 完成日期, 视频在线."""
    return pd.DataFrame({
        "指标": items["indicator"], "名称": items["name"], "主体": items["business_name"],
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


HAZARD_COUNTS = ("检查主体数", "发现隐患（累计）", "已整改（累计）", "当月发现", "当月已整改", "立案数", "未整改（合计）", "其中逾期")


def hazard_rows(hazards: pd.DataFrame, totals: pd.DataFrame, *, month: int) -> pd.DataFrame:
    """Each station's 风险隐患排查整治 (metrics.hazards) and the district's row (metrics.hazard_totals) last.

    Columns: 监管所, {month}月上报, 检查主体数 (as reported), 发现隐患（累计）, 已整改（累计）, 隐患整改率（累计）,
    当月发现, 当月已整改, 隐患整改率（当月）, 立案数, 未整改（合计）, 其中逾期. Found and rectified are the rate's own
    numerator and denominator (DOMAIN.md §5, from the 隐患清单 where present): never the monthly snapshots summed."""
    h = totals.iloc[0]
    rows = pd.concat([hazards, totals.assign(station=totals["district"])], ignore_index=True)
    return pd.DataFrame({
        "监管所": rows["station"],
        f"{month}月上报": [*hazards["reported"].map(lambda r: "已报" if r else "未报"),
                         f"{int(h['n_reported'])}/{int(h['n_stations'])}个所"],
        "检查主体数": rows["entities_checked"],
        "发现隐患（累计）": rows["found_ytd"].astype("int64"), "已整改（累计）": rows["rectified_ytd"].astype("int64"),
        "隐患整改率（累计）": rows["rectification_rate"].map(fmt.pct),
        "当月发现": rows["found_month"].astype("int64"), "当月已整改": rows["rectified_month"].astype("int64"),
        "隐患整改率（当月）": rows["month_rate"].map(fmt.pct),
        "立案数": rows["cases_opened"],
        # the same split as 总览's 未整改隐患 (open, every one) and 其中逾期 (past its 整改期限)
        "未整改（合计）": (rows["n_pending"] + rows["n_overdue"]).astype("int64"), "其中逾期": rows["n_overdue"],
    })
