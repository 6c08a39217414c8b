"""上报监测's tables: the month by station, the year's on-time rate month by month and the stations × months grid.
Streamlit-free; inputs are services.submissions.submission_grid and services.metrics.report_timeliness."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from services import submissions
from services.rules import fmt
from services.rules.style import DOT


def chip(status: str) -> str:
    return f"{DOT} {status}"


def day_label(d) -> str:
    return fmt.date_label(d) if isinstance(d, dt.date) else ""


# Worst first: 未报 (red), 逾期 (amber), not yet due or not required (grey), 按时 (green).
SEVERITY = {submissions.MISSING: 0, submissions.LATE: 1, submissions.NOT_DUE: 2, submissions.NOT_REQUIRED: 2,
            submissions.ON_TIME: 3}


def month_rows(grid: pd.DataFrame, month: int) -> pd.DataFrame:
    """The grid's rows of one month (one per station), worst first — 未报, 逾期, 未到期/不要求, 按时; within a status
    the most days late first, then the bureau's order — renumbered from 0."""
    rows = grid[grid["month"] == month]
    rows = rows.assign(_sev=rows["status"].map(SEVERITY).fillna(len(SEVERITY)), _late=rows["days_late"].fillna(-1))
    return (rows.sort_values(["_sev", "_late", "sort_order"], ascending=[True, False, True], kind="stable")
            .drop(columns=["_sev", "_late"]).reset_index(drop=True))


def month_download(month: pd.DataFrame) -> pd.DataFrame:
    """month_table for Excel: the status as its word, without the chip."""
    return month_table(month).assign(状态=month["status"])


def month_table(month: pd.DataFrame) -> pd.DataFrame:
    """The month by station. Columns: 监管所, 截止日期, 上报日期, 状态 (chip), 逾期天数 ("3天" when late or missing)."""
    late = month["status"].isin([submissions.LATE, submissions.MISSING])
    return pd.DataFrame({
        "监管所": month["station"],
        "截止日期": month["deadline"].map(day_label),
        "上报日期": month["report_date"].map(day_label),
        "状态": month["status"].map(chip),
        "逾期天数": [f"{int(d)}天" if is_late and pd.notna(d) else ""
                 for d, is_late in zip(month["days_late"], late, strict=True)],
    })


def _counted(tl: pd.DataFrame, column: str) -> list[str]:
    """A month's count as the table says it: the number once the deadline has passed, else 不要求 (before the rule's
    start month) or 未到期."""
    return [fmt.num(int(n)) if due else ("未到期" if required else "不要求")
            for n, due, required in zip(tl[column], tl["due"], tl["required"], strict=True)]


def timeliness_table(tl: pd.DataFrame) -> pd.DataFrame:
    """metrics.report_timeliness by month. Columns: 月份, 截止日期, 应报（个所）, 按时上报 (不要求 / 未到期 until
    they count), 当月按时上报率, 累计按时上报率."""
    return pd.DataFrame({
        "月份": tl["month"].map(lambda m: f"{m}月"),
        "截止日期": tl["deadline"].map(day_label),
        "应报（个所）": _counted(tl, "n_expected"),
        "按时上报": _counted(tl, "n_ontime"),
        "当月按时上报率": (tl["n_ontime"] / tl["n_expected"].where(tl["n_expected"] > 0)).map(fmt.pct),
        "累计按时上报率": tl["value"].map(fmt.pct),
    })


def rate_chart_rows(tl: pd.DataFrame) -> pd.DataFrame:
    """The cumulative on-time rate of the due months, in %. Columns: 月份, m (month number), 累计按时上报率."""
    due = tl[tl["due"]]
    return pd.DataFrame({"月份": due["month"].map(lambda m: f"{m}月"), "m": due["month"],
                         "累计按时上报率": due["value"].map(lambda v: fmt.round_half_up(v * 100))})


def grid_table(grid: pd.DataFrame) -> pd.DataFrame:
    """Stations × months of status chips, worst first: the most months 未报, then the most 逾期, then the bureau's
    order. Columns: 监管所, 1月 … (the months of the grid)."""
    table = grid.pivot(index=["sort_order", "station"], columns="month", values="status").reset_index()
    months = table.columns[2:]
    table = table.assign(_missing=(table[months] == submissions.MISSING).sum(axis=1),
                         _late=(table[months] == submissions.LATE).sum(axis=1))
    table = table.sort_values(["_missing", "_late", "sort_order"], ascending=[False, False, True], kind="stable")
    table = table.drop(columns=["sort_order", "_missing", "_late"]).rename(columns={"station": "监管所"})
    table.columns = ["监管所", *[f"{m}月" for m in table.columns[1:]]]
    for c in table.columns[1:]:
        table[c] = table[c].map(chip)
    return table
