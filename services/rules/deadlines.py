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


# --- which reports the 月报 rule names, and from when ---------------------------------------------------------

PROGRESS_KIND = "任务进度"  # a station's 累计完成 filing: tracked as 进度填报, not a 月报
HAZARD_KIND = "风险隐患"  # 风险隐患排查整治表
# The reports 金山 2024 三(一) names ("每月23日前上报风险隐患排查整治表、工作信息"). 工作信息 joins once a kind exists
# for it (db.models.SUBMISSION_KINDS); until then the 月报 is the 风险隐患排查整治表 alone.
MONTHLY_REPORT_KINDS = (HAZARD_KIND,)
MONTHLY_REPORT_LABEL = "月报（风险隐患排查整治表）"
START_SETTING = "monthly_report_start"  # AppSetting: "YYYY-MM", the first month the rule applies
START_RULE = "金市监食协〔2024〕34号 三(一)“5月起”（金山区文件，示例参照）"
DEFAULT_START_MONTH = 5  # the rule's own "5月起", each year, when the setting is absent


def parse_start(raw: str | None) -> tuple[int, int] | None:
    """"2022-05" → (2022, 5); None or something else → None (the rule's default month applies)."""
    if not raw:
        return None
    try:
        year, month = (int(x) for x in raw.strip().split("-")[:2])
    except ValueError:
        return None
    return (year, month) if 1 <= month <= 12 else None


def first_required_month(year: int, start: tuple[int, int] | None) -> int | None:
    """The first month of `year` the 月报 rule requires a report for: from the setting's month in its own year,
    January in later years, none in earlier ones (None); without a setting, the rule's 5月起 every year."""
    if start is None:
        return DEFAULT_START_MONTH
    s_year, s_month = start
    if year < s_year:
        return None
    return s_month if year == s_year else 1


def is_required(month: int, first: int | None) -> bool:
    """Whether a report is required for `month`, given the year's first required month (None: none this year)."""
    return first is not None and month >= first


def start_label(year: int, first: int | None) -> str:
    """"2022年5月起（金山 2024 三(一)：5月起）"; "本年不要求" when the rule does not reach the year."""
    if first is None:
        return f"{year}年不要求上报月报（{START_RULE}）"
    return f"{year}年{first}月起（依据：{START_RULE}）"
