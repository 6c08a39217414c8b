"""配档表 time windows: "2022年2月底前", "2022年4月~6月", "10月至11月" → start and end dates."""

from __future__ import annotations

import datetime as dt
import re

from seed.importer.values import nfkc
from services.rules.pacing import month_end

_RANGE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月?\s*[~\-–—至到]\s*(?:(\d{4})年)?(\d{1,2})月(?:底|末)?(?:前)?$")
_BY_MONTH_END = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(?:底|末)(?:前|之前)?$")
_BY_DAY = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:前|之前)?$")
_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(?:份)?$")
_YEAR = re.compile(r"^(?:(\d{4})年)?(?:全年|年内)$")


class WindowProblem(ValueError):
    pass


def parse_window(text: str, year: int, previous_end: dt.date | None) -> tuple[dt.date, dt.date]:
    """One row's window; a "X月底前" row starts the day after the previous row's end (the first row: 1 January)."""
    t = nfkc(text).replace(" ", "").replace("～", "~")
    start_by = previous_end + dt.timedelta(days=1) if previous_end else dt.date(year, 1, 1)

    def y(group: str | None) -> int:
        if group and int(group) != year:
            raise WindowProblem(f"时间中的年份{group}年与表格年度{year}年不一致")
        return year

    try:
        if m := _RANGE.match(t):
            y(m.group(1))
            y(m.group(3))
            a, b = int(m.group(2)), int(m.group(4))
            if not (1 <= a <= b <= 12):
                raise WindowProblem("月份区间无效")
            return dt.date(year, a, 1), month_end(year, b)
        if m := _BY_MONTH_END.match(t):
            y(m.group(1))
            end = month_end(year, int(m.group(2)))
            return min(start_by, end), end
        if m := _BY_DAY.match(t):
            y(m.group(1))
            end = dt.date(year, int(m.group(2)), int(m.group(3)))
            return min(start_by, end), end
        if m := _MONTH.match(t):
            y(m.group(1))
            month = int(m.group(2))
            return dt.date(year, month, 1), month_end(year, month)
        if m := _YEAR.match(t):
            y(m.group(1))
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        if isinstance(exc, WindowProblem):
            raise
        raise WindowProblem("不是有效的时间") from exc
    raise WindowProblem("无法识别的时间写法（可写“2022年2月底前”“2022年4月~6月”“2022年10月”）")


def milestone_status(start: dt.date, end: dt.date, as_of: dt.date) -> str:
    if as_of < start:
        return "未开始"
    if as_of <= end:
        return "进行中"
    return "已到期"
