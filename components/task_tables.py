"""任务清单's (and 总览's) tables and charts, each made once per data_version from the cached figures and cached itself
(`data.cached(task_tables.duban, year=…, month=…)`): a rerun of the page (a click, a station picked) reads them
instead of sorting, labelling and formatting 600 station × 任务项 rows again.

Each function takes only plain arguments (the cache key) and reads its frames through data.cached, so the figures
are read once per data_version whichever table asks first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from components import data, views
from services import metrics, overview, tasks_view
from services.metrics.hazards import HazardRates


def _progress(year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    return data.cached(metrics.task_progress, year=year, month=month, as_of=as_of)


def _lags(year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    return data.cached(metrics.station_lag, year=year, month=month, as_of=as_of)


def progress(*, year: int, month: int, as_of: dt.date, indicator: str | None) -> pd.DataFrame:
    """views.progress_view of one 任务项's rows (or all), worst first (tasks_view.worst_rows)."""
    df = _progress(year, month, as_of)
    shown = tasks_view.for_indicator(df, indicator)
    lags = _lags(year, month, as_of) if shown is df else None  # station_lag_frame(df): the stations' order
    return views.progress_view(tasks_view.worst_rows(shown, lags))


def duban(*, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """The 督办清单 (tasks_view.duban) with its status chips."""
    return views.with_chips(tasks_view.duban(_progress(year, month, as_of)))


@dataclass(frozen=True)
class StationPicker:
    stations: list[str]  # worst first
    labels: dict[str, str]  # what the page says under the picker
    ids: dict[str, int]

    def position(self, own: int | None) -> int:
        """Where a 监管所 account's own station is in the list (tasks_view.station_default); 0, the worst, else."""
        return next((i for i, name in enumerate(self.stations) if self.ids.get(name) == own), 0)


def station_picker(*, year: int, month: int, as_of: dt.date) -> StationPicker:
    df, lags = _progress(year, month, as_of), _lags(year, month, as_of)
    return StationPicker(stations=tasks_view.stations_worst_first(df, lags),
                         labels=tasks_view.station_labels(df, lags),
                         ids=dict(zip(df["station"], df["station_id"].astype(int), strict=True)))


def station_rows(*, year: int, month: int, as_of: dt.date, station: str) -> pd.DataFrame:
    """One station's 任务项 (tasks_view.station_rows) with their status chips."""
    return views.with_chips(tasks_view.station_rows(_progress(year, month, as_of), station))


def ranking_spec(*, year: int, month: int, as_of: dt.date) -> dict:
    """The stations' ranking chart (views.ranking_spec) as a Vega-Lite spec."""
    df = _progress(year, month, as_of)
    return views.ranking_spec(_lags(year, month, as_of), expected_rate=float(df["expected_rate"].iloc[0]))


def schedule_chart(*, year: int, as_of: dt.date, month: int | None = None) -> dict:
    """The 配档表 chart (views.schedule_spec) of metrics.schedule as 任务清单 (the year) or 工作要点 (as of `month`)
    reads it, today's line at as_of. Cached by these plain arguments, not by hashing the frame on every rerun."""
    period = {"year": year} if month is None else {"year": year, "month": month}
    return views.schedule_spec(data.cached(metrics.schedule, **period, as_of=as_of), today=as_of)


@dataclass(frozen=True)
class HazardSummary:
    totals: pd.DataFrame  # the district row (metrics.hazard_totals_frame)
    rates: HazardRates
    open_by_station: list[tuple[str, int, int]]  # services.overview.open_hazards: (station, open, overdue)

    @property
    def total(self) -> pd.Series:
        return self.totals.iloc[0]


def hazard_summary(*, year: int, month: int, as_of: dt.date) -> HazardSummary | None:
    """风险隐患排查整治 for the district (总览 and 任务清单): its row, 隐患整改率 and the stations with open hazards; None
    when the year has no 风险隐患排查整治表 (nothing reported, nothing listed)."""
    rows = data.cached(metrics.hazards, year=year, month=month, as_of=as_of)
    total = metrics.hazard_totals_frame(rows)  # the district row, from the stations already read
    if rows.empty or not (total.iloc[0]["n_reports"] or total.iloc[0]["n_listed"]):
        return None
    return HazardSummary(totals=total, rates=metrics.rates_of(total, year=year, month=month, as_of=as_of),
                         open_by_station=overview.open_hazards(rows))


@dataclass(frozen=True)
class Hazards:
    total: pd.Series  # the district row (metrics.hazard_totals_frame)
    rates: HazardRates
    view: pd.DataFrame  # tasks_view.hazard_rows: each station and the district


def hazards(*, year: int, month: int, as_of: dt.date) -> Hazards | None:
    """风险隐患排查整治 by station and for the district as 任务清单 shows it (hazard_summary and each station's row)."""
    summary = data.cached(hazard_summary, year=year, month=month, as_of=as_of)
    if summary is None:
        return None
    rows = data.cached(metrics.hazards, year=year, month=month, as_of=as_of)
    return Hazards(total=summary.total, rates=summary.rates,
                   view=tasks_view.hazard_rows(rows, summary.totals, month=month))
