"""总览's sentences, made once per data_version from the cached figures (as task_tables does for 任务清单):
a rerun reads them instead of walking the stations' frames again (city: ~7 ms a rerun)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from components import data
from services import metrics, narrative, overview, plans


@dataclass(frozen=True)
class ActNow:
    red: list[str]  # overview.must_act: every red station with what makes it red
    more: list[tuple[str, str]]  # (status, line): the amber and the grey stations, one line each (overview.compact)
    plans: str | None = None  # overview.overdue_plans_line: 工作要点 and 配档表 past their deadline


def act_now(*, year: int, month: int, as_of: dt.date) -> ActNow:
    """需要督办: who must act this month, from metrics.station_lag, and the plans past their deadline."""
    lags = data.cached(metrics.station_lag, year=year, month=month, as_of=as_of)
    late_plans = overview.overdue_plans_line(data.cached(plans.overdue, year=year, month=month, as_of=as_of),
                                             data.cached(metrics.schedule, year=year, month=month, as_of=as_of))
    return ActNow(red=overview.must_act(lags),
                  more=[(status, line) for status in ("amber", "grey") if (line := overview.compact(lags, status))],
                  plans=late_plans)


def headline(*, year: int, month: int, as_of: dt.date, unreported: tuple[str, ...],
             reporting_station: str | None = None) -> list[str]:
    """The headline's lines (narrative.overview); `unreported` names the stations this viewer sees as not reported,
    of `reporting_station` alone when the viewer sees one station's reports."""
    return narrative.overview(totals=data.cached(metrics.task_totals, year=year, month=month, as_of=as_of),
                              lags=data.cached(metrics.station_lag, year=year, month=month, as_of=as_of),
                              year=year, month=month, as_of=as_of,
                              window=data.cached(metrics.task_window, year=year), unreported=unreported,
                              reporting_station=reporting_station)
