"""When a station's monthly report is due: the 23rd, moved to the next working day (调休 included)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

REPORT_DAY = 23  # seeds/001: "每月23日前上报风险隐患排查整治表、工作信息"
FALLBACK_NOTE = "超出chinese-calendar数据范围，按周末顺延"


def _is_workday(d: dt.date) -> tuple[bool, bool]:
    """(is a working day, known to the official calendar)."""
    try:
        return chinese_calendar.is_workday(d), True
    except NotImplementedError:
        # The package ships the State Council's holiday notices only up to its last year.
        return d.weekday() < 5, False


def report_deadline(year: int, month: int) -> tuple[dt.date, str | None]:
    """Month's report deadline (inclusive) and a note, None unless the weekend-only fallback was used."""
    d = dt.date(year, month, REPORT_DAY)
    known_all = True
    # At most the length of the longest holiday (国庆 8 days): a few calendar days, never unbounded.
    while True:
        workday, known = _is_workday(d)
        known_all = known_all and known
        if workday:
            return d, None if known_all else FALLBACK_NOTE
        d += dt.timedelta(days=1)
