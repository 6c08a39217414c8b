"""总览's month in frames and sentences: the stations lagging most, the month's report line per kind and the open
hazards by station. Streamlit-free; inputs are the frames of services.metrics and services.submissions."""

from __future__ import annotations

import pandas as pd

from services import submissions
from services.rules import fmt


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
