"""风险隐患排查整治 queries: the reported counts, the hazard list as it stood on a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import and_, case, func, not_, select
from sqlmodel import Session, col

from db.models import (
    HAZARD_RECTIFIED,
    Hazard,
    HazardReport,
)
from db.sql import MAX_ROWS
from db.sql import count_if as _count_if
from db.sql import flag as _flag
from db.sql import frame as _frame

HAZARD_COUNTS = ("entities_checked", "hazards_found", "hazards_rectified", "cases_opened")


def hazard_report_sums(*, session: Session, year: int, month: int, station_id: int | None = None) -> pd.DataFrame:
    """Per station with a 风险隐患排查整治表 in months 1..month of `year`: the four counts summed year to date (one
    report per station and month: the unique key keeps the latest), n_reports (months reported), reported (1 when
    `month` itself was reported), month_found / month_rectified (that month's report alone) and any_demo."""
    r = HazardReport
    stmt = (
        select(
            r.station_id,
            func.count().label("n_reports"),
            *[func.coalesce(func.sum(getattr(r, c)), 0).label(c) for c in HAZARD_COUNTS],
            func.max(case((r.month == month, 1), else_=0)).label("reported"),
            func.coalesce(func.sum(case((r.month == month, r.hazards_found), else_=0)), 0).label("month_found"),
            func.coalesce(func.sum(case((r.month == month, r.hazards_rectified), else_=0)), 0).label("month_rectified"),
            func.max(_flag(r.is_demo)).label("any_demo"),
        )
        .where(r.year == year, r.month >= 1, r.month <= month)
        .group_by(r.station_id)
        .limit(MAX_ROWS)  # one row per station
    )
    if station_id is not None:
        stmt = stmt.where(r.station_id == station_id)
    return _frame(session, stmt)


def _hazard_rectified_by(day) -> sa.ColumnElement:
    # As for problems: a 已整改 mark without a date is no evidence of rectification by a day, and the explicit
    # IS NOT NULL keeps the expression FALSE (not NULL), so NOT(...) reads "still open".
    return and_(Hazard.status == HAZARD_RECTIFIED, Hazard.rectified_date.is_not(None), Hazard.rectified_date <= day)


def hazard_open_counts(*, session: Session, ref: dt.date, station_id: int | None = None) -> pd.DataFrame:
    """Per station, from the hazard list as it stood on ref (found by ref): n_listed, n_rectified (by ref), and of
    the open ones n_pending (未整改: deadline not passed, or none) and n_overdue (逾期: deadline before ref), any_demo.
    The status is derived from the dates, never read from the recorded word, so an old list does not go stale."""
    h = Hazard
    still_open = not_(_hazard_rectified_by(ref))
    overdue = and_(still_open, h.deadline.is_not(None), h.deadline < ref)
    stmt = (
        select(
            h.station_id,
            func.count().label("n_listed"),
            _count_if(_hazard_rectified_by(ref)).label("n_rectified"),
            _count_if(and_(still_open, not_(overdue))).label("n_pending"),
            _count_if(overdue).label("n_overdue"),
            func.max(_flag(h.is_demo)).label("any_demo"),
        )
        .where(h.found_date <= ref)
        .group_by(h.station_id)
        .limit(MAX_ROWS)  # one row per station
    )
    if station_id is not None:
        stmt = stmt.where(h.station_id == station_id)
    return _frame(session, stmt)


def hazard_list_rows(
    session: Session, *, year: int, station_ids: Iterable[int]
) -> list[tuple[int, int, dt.date | None]]:
    """(station_id, month, rectified) for every hazard listed in `year` by the given stations; rectified is the
    rectification date of a hazard marked 已整改 with one, else None. services.rules.hazards.list_tallies reads them."""
    ids = sorted({int(s) for s in station_ids})
    if not ids:
        return []
    h = Hazard
    # Bounded by the year's list of a few stations: hundreds of rows at most.
    rows = session.exec(
        select(h.station_id, h.month, h.status, h.rectified_date).where(h.year == year, col(h.station_id).in_(ids))
    ).all()
    return [(int(sid), int(month), rectified if status == HAZARD_RECTIFIED and rectified is not None else None)
            for sid, month, status, rectified in rows]


def hazard_list_rates(*, session: Session, year: int, month: int, ref: dt.date,
                      station_id: int | None = None) -> pd.DataFrame:
    """Per station with a 隐患清单 row listed in `year` (DOMAIN.md §5, counted from the list): list_found_ytd /
    list_rectified_ytd = hazards found 1 Jan … ref, and of them those rectified by ref (running); list_found_month /
    list_rectified_month = the same for hazards found in `month` (from its 1st through ref; cohort); any_demo.
    ref is the month's end (or as_of when earlier). A station without list rows in the year is absent."""
    h = Hazard
    year_start, month_start = dt.date(year, 1, 1), dt.date(year, month, 1)
    in_ytd = and_(h.found_date >= year_start, h.found_date <= ref)
    in_month = and_(h.found_date >= month_start, h.found_date <= ref)
    fixed = _hazard_rectified_by(ref)
    stmt = (
        select(
            h.station_id,
            _count_if(in_ytd).label("list_found_ytd"),
            _count_if(and_(in_ytd, fixed)).label("list_rectified_ytd"),
            _count_if(in_month).label("list_found_month"),
            _count_if(and_(in_month, fixed)).label("list_rectified_month"),
            func.max(_flag(h.is_demo)).label("any_demo"),
        )
        .where(h.year == year)
        .group_by(h.station_id)
        .limit(MAX_ROWS)  # one row per station
    )
    if station_id is not None:
        stmt = stmt.where(h.station_id == station_id)
    return _frame(session, stmt)
