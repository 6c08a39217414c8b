"""Dates with sense: a date cell may not lie past today, nor outside the register's year, unless it is a plan.

The check depends on the date alone (and the sheet), so collect_rows runs it once per distinct value of a column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from seed.importer.kinds import Col

# (kind, field) pairs that hold a plan or a deadline: they may lie in the future and outside the year.
PLANNED_DATES: frozenset[tuple[str, str]] = frozenset({
    ("问题", "deadline"),  # 整改期限
    ("隐患清单", "deadline"),  # 整改期限
    ("指标", "due_date"),  # 截止日期
    ("指标", "window_start"),  # 起始日期
    ("包保关系", "end_date"),  # 结束日期
    ("任务明细", "planned_month"),  # 计划月份
    ("工作要点", "deadline_text"),  # 完成时限
    ("工作阶段", "start_date"),
    ("工作阶段", "end_date"),
    ("配档表", "time_text"),  # 时间
})
# A column whose header (the kind's or the file's) says it is a deadline is planned, whatever its kind.
PLANNED_WORDS = ("截止", "期限", "时限")

# Dates that close or report an event of the year (a problem closed, December reported) may fall after the year's
# end, never past today.
FOLLOW_UP_DATES: frozenset[tuple[str, str]] = frozenset({
    ("问题", "closed_date"),
    ("隐患清单", "rectified_date"),
    ("任务进度", "report_date"),
    ("风险隐患", "report_date"),
    ("包保关系", "end_date"),
    ("抽检", "lab_report_date"),  # a batch sampled in December reports in January
    ("抽检", "closed_date"),
})


# Registers whose dates are of any year (a 小作坊's archive, upgrade or exit): never bounded by a title's year.
ANY_YEAR_KINDS: frozenset[str] = frozenset({"小作坊"})


def is_planned(kind: str, col: Col, header: str = "") -> bool:
    if (kind, col.field) in PLANNED_DATES:
        return True
    return any(word in text for word in PLANNED_WORDS for text in (col.label, header))


def date_check(kind: str, col: Col, header: str, *, today: dt.date | None,
               year: int | None) -> Callable[[dt.date], str | None] | None:
    """The check of one date column (None: nothing to check): the Chinese problem of a date, or None.
    `year` is the register's year when the sheet has no 年度 column of its own."""
    if col.type != "date" or is_planned(kind, col, header) or (today is None and year is None):
        return None
    if kind in ANY_YEAR_KINDS:
        year = None
        if today is None:
            return None
    follow_up = (kind, col.field) in FOLLOW_UP_DATES
    label = col.label

    def check(day: dt.date) -> str | None:
        if today is not None and day > today:
            return f"{label}{day.isoformat()}晚于今天（{today.isoformat()}）"
        if year is not None and (day.year < year or (day.year > year and not follow_up)):
            return f"{label}{day.isoformat()}不在本表年度（{year}年）内"
        return None

    return check
