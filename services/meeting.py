"""The figures of the 食安委 meeting pack (reports.briefing) for a period: the same services the dashboard pages call,
read in one unit of work, with the day the data stand at and whether they are the demo figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from db import engine as dbe
from services import metrics, plans
from services.unit import unit_of_work

DEMO_NOTE = dbe.DEMO_NOTE  # said under the title of every document drawn from the demo database


@dataclass(frozen=True)
class PackFigures:
    """The frames a meeting pack is written from; trend is None when no charts were asked for."""

    as_of: dt.date
    progress: pd.DataFrame
    totals: pd.DataFrame
    gauges: pd.DataFrame
    lags: pd.DataFrame
    district: pd.DataFrame
    by_station: pd.DataFrame
    plan_totals: pd.DataFrame
    overdue: pd.DataFrame
    units: pd.DataFrame
    trend: pd.DataFrame | None
    is_demo: bool


@unit_of_work
def pack_figures(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date | None = None, charts: bool = True
) -> PackFigures:
    """Every figure of the pack for a period, as of `as_of` (default: the database's clock, db.engine.as_of)."""
    as_of = as_of or dbe.as_of(session.get_bind())
    kw = {"session": session, "year": year, "month": month, "as_of": as_of}
    return PackFigures(
        as_of=as_of,
        progress=metrics.task_progress(**kw),
        totals=metrics.task_totals(**kw),
        gauges=metrics.kpi_gauges(**kw),
        lags=metrics.station_lag(**kw),
        district=metrics.baobao(by="district", **kw),
        by_station=metrics.baobao(by="station", **kw),
        plan_totals=plans.totals(**kw),
        overdue=plans.overdue(**kw),
        units=plans.unit_summary(**kw),
        trend=metrics.task_trend(session=session, year=year, as_of=as_of) if charts else None,
        is_demo=dbe.is_demo_database(session),
    )
