"""风险隐患排查整治: the rules a monthly hazard report obeys and its check against the hazard list, shared by the
importer (seed/importer/handlers/) and 数据填报 (services.entry) so both say the same thing in the same words.
The list itself is read by db.queries.hazards.hazard_list_rows; list_tallies turns those rows into tallies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.rules.pacing import month_end

KIND = "风险隐患"  # the monthly report: ImportBatch.kind and MonthlySubmission.kind
LIST_KIND = "隐患清单"
COUNTS = ("entities_checked", "hazards_found", "hazards_rectified", "cases_opened")
LABELS = {"entities_checked": "检查主体数", "hazards_found": "发现隐患数", "hazards_rectified": "整改隐患数",
          "cases_opened": "立案数"}
UNITS = {"entities_checked": "家", "hazards_found": "项", "hazards_rectified": "项", "cases_opened": "件"}

MSG_RECTIFIED_OVER_FOUND = "整改隐患数不能大于发现隐患数{found}"
MSG_INCOMPLETE = "不能为空：本行已填写其他数字，没有请填0"
MSG_LIST_FOUND = "清单列出{station}{year}年{month}月发现的隐患{n}项，排查整治表填报发现隐患数{value}"
MSG_LIST_RECTIFIED = "清单中{station}{year}年{month}月发现的隐患截至{day}已整改{n}项，排查整治表填报整改隐患数{value}"
ON_COUNTS = "与隐患清单不一致："  # the warning on a count cell (importer, 数据填报)
ON_LIST = "与风险隐患排查整治表不一致："  # the same warning when the list is what was imported


def check_counts(values: dict[str, int | None]) -> dict[str, str]:
    """field → message for what is wrong with one month's parsed counts (the cell-level checks — whole,
    non-negative — are the parser's): rectified may not exceed found."""
    found, rectified = values.get("hazards_found"), values.get("hazards_rectified")
    if found is not None and rectified is not None and rectified > found:
        return {"hazards_rectified": MSG_RECTIFIED_OVER_FOUND.format(found=found)}
    return {}


@dataclass
class ListTally:
    """The hazard list of one station and month: found dates, and the rectified dates of those marked 已整改."""

    n: int = 0
    rectified: list[dt.date] = field(default_factory=list)

    def rectified_by(self, day: dt.date) -> int:
        return sum(1 for d in self.rectified if d <= day)


def list_tallies(rows: Iterable[tuple[int, int, dt.date | None]]) -> dict[int, dict[int, ListTally]]:
    """station_id → month → ListTally from the hazard list's rows (station_id, month, rectified date or None when
    not rectified), as db.queries.hazards.hazard_list_rows reads them: a station with no list rows in the year is
    absent, its counts have nothing to be checked against."""
    out: dict[int, dict[int, ListTally]] = {}
    for sid, month, rectified in rows:
        tally = out.setdefault(int(sid), {}).setdefault(int(month), ListTally())
        tally.n += 1
        if rectified is not None:
            tally.rectified.append(rectified)
    return out


def list_check(tallies: dict[int, dict[int, ListTally]], *, station: str, station_id: int, year: int, month: int,
               found: int | None, rectified: int | None, report_date: dt.date | None,
               prefix: str = ON_COUNTS) -> dict[str, str]:
    """field → 提示 when a month's counts disagree with the station's hazard list (which is a check of the counts,
    never their source): 发现隐患数 against the hazards listed for that month, 整改隐患数 against those of them
    rectified by the report date (the month's last day when there is none). No list in the year: no check."""
    if station_id not in tallies:
        return {}
    tally = tallies[station_id].get(month, ListTally())
    out = {}
    if found is not None and tally.n != found:
        out["hazards_found"] = prefix + MSG_LIST_FOUND.format(station=station, year=year, month=month, n=tally.n, value=found)
    day = report_date or month_end(year, month)
    n_rect = tally.rectified_by(day)
    if rectified is not None and n_rect != rectified:
        out["hazards_rectified"] = prefix + MSG_LIST_RECTIFIED.format(
            station=station, year=year, month=month, day=f"{day.month}月{day.day}日", n=n_rect, value=rectified)
    return out
