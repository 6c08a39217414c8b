"""食品小作坊 queries (seeds/004 二(二)–(六)): the register's counts per station, the 十个管理规范 cells, the named
任务明细 sites, the reported 累计完成, the 摸排 and 评选, and the lists behind them. Storage only: the figures are
made in services/metrics/workshops.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from db.models import (
    ITEM_DONE,
    NORMS,
    SWEEP_HANDLED,
    Business,
    Station,
    StationProgress,
    TaskIndicator,
    TaskItem,
    Township,
    Workshop,
    WorkshopAward,
    WorkshopSweep,
)
from db.sql import LIST_LIMIT, MAX_ROWS, truncate
from db.sql import count_if as _count_if
from db.sql import flag as _flag
from db.sql import frame as _frame

NO_PROBLEM = "无问题"


def registered_by(as_of: dt.date):
    """在册 on as_of: not exited by then (an exit dated after as_of has not happened yet)."""
    return or_(Workshop.exit_date.is_(None), Workshop.exit_date > as_of)


def _built(flag, day, as_of: dt.date):
    # An archive marked built counts when undated or dated by as_of.
    return and_(flag.is_(True), or_(day.is_(None), day <= as_of))


def _norm(name: str):
    return getattr(Workshop, name)


def workshop_counts(*, session: Session, year: int, as_of: dt.date) -> pd.DataFrame:
    """Per station with a workshop: registered (在册 on as_of) and, of them, producing, cold_chain, high_risk,
    cold_reviewed / high_risk_reviewed (第三方评价 dated year-01-01 … as_of), archive_supervision, archive_risk,
    archives_both (built by as_of), norms_assessed_cells / norms_met_cells (of the ten norms), video, video_online;
    upgrades_named (upgraded_date in the year, ≤ as_of, exited or not); any_demo."""
    w = Workshop
    reg = registered_by(as_of)
    reviewed = and_(w.review_date.is_not(None), w.review_date >= dt.date(year, 1, 1), w.review_date <= as_of)
    sup = _built(w.archive_supervision, w.archive_supervision_date, as_of)
    risk = _built(w.archive_risk, w.archive_risk_date, as_of)
    assessed = sum((_count_if(and_(reg, _norm(c).is_not(None))) for c, _ in NORMS[1:]),
                   _count_if(and_(reg, _norm(NORMS[0][0]).is_not(None))))
    met = sum((_count_if(and_(reg, _norm(c).is_(True))) for c, _ in NORMS[1:]),
              _count_if(and_(reg, _norm(NORMS[0][0]).is_(True))))
    stmt = (
        select(
            Business.station_id,
            _count_if(reg).label("registered"),
            _count_if(and_(reg, w.producing.is_(True))).label("producing"),
            _count_if(and_(reg, w.cold_chain.is_(True))).label("cold_chain"),
            _count_if(and_(reg, w.high_risk.is_(True))).label("high_risk"),
            _count_if(and_(reg, w.cold_chain.is_(True), reviewed)).label("cold_reviewed"),
            _count_if(and_(reg, w.high_risk.is_(True), reviewed)).label("high_risk_reviewed"),
            _count_if(and_(reg, sup)).label("archive_supervision"),
            _count_if(and_(reg, risk)).label("archive_risk"),
            _count_if(and_(reg, sup, risk)).label("archives_both"),
            assessed.label("norms_assessed_cells"),
            met.label("norms_met_cells"),
            _count_if(and_(reg, w.video.is_(True))).label("video"),
            _count_if(and_(reg, w.video.is_(True), w.video_online.is_(True))).label("video_online"),
            _count_if(and_(w.upgraded_date.is_not(None), w.upgraded_date >= dt.date(year, 1, 1),
                           w.upgraded_date <= as_of)).label("upgrades_named"),
            func.max(_flag(w.is_demo)).label("any_demo"),
        )
        .select_from(w)
        .join(Business, Business.id == w.business_id)
        .group_by(Business.station_id)
        .limit(MAX_ROWS)  # one row per station
    )
    return _frame(session, stmt)


def norm_cells(*, session: Session, as_of: dt.date) -> pd.DataFrame:
    """Per station: for each of the ten norms `<column>_assessed` and `<column>_met` over the workshops 在册 on
    as_of, and any_demo. One row per station; the service melts it into one row per norm."""
    w = Workshop
    reg = registered_by(as_of)
    cols = []
    for c, _label in NORMS:
        cols += [_count_if(and_(reg, _norm(c).is_not(None))).label(f"{c}_assessed"),
                 _count_if(and_(reg, _norm(c).is_(True))).label(f"{c}_met")]
    stmt = (
        select(Business.station_id, *cols, func.max(_flag(w.is_demo)).label("any_demo"))
        .select_from(w)
        .join(Business, Business.id == w.business_id)
        .group_by(Business.station_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def named_sites(*, session: Session, year: int, as_of: dt.date, codes: Sequence[str]) -> pd.DataFrame:
    """station_id, code, named (distinct businesses named by a 任务明细 of the indicator in `year` that is done —
    已完成/已验收 and completed by as_of when dated), items_demo. Items naming no business are not counted."""
    ti = TaskItem
    done = and_(ti.status.in_(ITEM_DONE), or_(ti.completed_date.is_(None), ti.completed_date <= as_of))
    stmt = (
        select(
            ti.station_id,
            TaskIndicator.code,
            func.count(func.distinct(ti.business_id)).label("named"),
            func.max(_flag(ti.is_demo)).label("items_demo"),
        )
        .join(TaskIndicator, TaskIndicator.id == ti.indicator_id)
        .where(ti.year == year, TaskIndicator.code.in_(list(codes)), ti.business_id.is_not(None), done)
        .group_by(ti.station_id, TaskIndicator.code)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def reported_progress(*, session: Session, year: int, month: int, codes: Sequence[str]) -> pd.DataFrame:
    """station_id, code, reported (the latest 任务进度 累计完成 of `year` with month ≤ `month`), last_month,
    progress_demo. A station with no filing by then has no row."""
    sp = StationProgress
    last = (
        select(sp.station_id, sp.indicator_id, func.max(sp.month).label("last_month"))
        .where(sp.year == year, sp.month <= month)
        .group_by(sp.station_id, sp.indicator_id)
        .subquery("last")
    )
    stmt = (
        select(
            sp.station_id,
            TaskIndicator.code,
            sp.cumulative.label("reported"),
            sp.month.label("last_month"),
            sp.is_demo.label("progress_demo"),
        )
        .join(last, and_(last.c.station_id == sp.station_id, last.c.indicator_id == sp.indicator_id,
                         last.c.last_month == sp.month))
        .join(TaskIndicator, TaskIndicator.id == sp.indicator_id)
        .where(sp.year == year, TaskIndicator.code.in_(list(codes)))
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def sweep_counts(*, session: Session, year: int, as_of: dt.date) -> pd.DataFrame:
    """Per station: swept (摸排 dated year-01-01 … as_of), found (outcome other than 无问题), handled (查处 / 取缔 /
    移交), any_demo."""
    sw = WorkshopSweep
    stmt = (
        select(
            sw.station_id,
            func.count().label("swept"),
            _count_if(sw.outcome != NO_PROBLEM).label("found"),
            _count_if(sw.outcome.in_(SWEEP_HANDLED)).label("handled"),
            func.max(_flag(sw.is_demo)).label("any_demo"),
        )
        .where(sw.sweep_date >= dt.date(year, 1, 1), sw.sweep_date <= as_of)
        .group_by(sw.station_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def workshop_rows(*, session: Session, station_ids: Sequence[int] | None = None,
                  limit: int = LIST_LIMIT) -> pd.DataFrame:
    """One row per workshop with its business (name, code, station, township) and every detail column, in the
    bureau's station order, then by name. Cut at `limit` (attrs["truncated"])."""
    w = Workshop
    detail = [getattr(w, c) for c in w.model_fields if c not in ("id", "business_id", "batch_id", "src_sheet",
                                                                  "src_row")]
    stmt = (
        select(
            w.business_id,
            Business.name,
            Business.code,
            Business.station_id,
            Station.name.label("station"),
            Business.township_id,
            Township.name.label("township"),
            Business.status.label("business_status"),
            *detail,
        )
        .select_from(w)
        .join(Business, Business.id == w.business_id)
        .join(Station, Station.id == Business.station_id)
        .outerjoin(Township, Township.id == Business.township_id)
        .order_by(Station.sort_order, Station.id, Business.name, w.business_id)
        .limit(limit + 1)
    )
    if station_ids is not None:
        stmt = stmt.where(Business.station_id.in_(list(station_ids)))
    return truncate(_frame(session, stmt), limit)


def sweep_rows(*, session: Session, year: int, station_ids: Sequence[int] | None = None,
               limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The 摸排 of `year`, newest first: sweep_date, station_id, station, township, place, kind, outcome, case_no,
    is_demo."""
    sw = WorkshopSweep
    stmt = (
        select(sw.id.label("sweep_id"), sw.sweep_date, sw.station_id, Station.name.label("station"),
               Township.name.label("township"), sw.place, sw.kind, sw.outcome, sw.case_no, sw.is_demo)
        .join(Station, Station.id == sw.station_id)
        .outerjoin(Township, Township.id == sw.township_id)
        .where(sw.sweep_date >= dt.date(year, 1, 1), sw.sweep_date <= dt.date(year, 12, 31))
        .order_by(sw.sweep_date.desc(), Station.sort_order, sw.id)
        .limit(limit + 1)
    )
    if station_ids is not None:
        stmt = stmt.where(sw.station_id.in_(list(station_ids)))
    return truncate(_frame(session, stmt), limit)


def award_rows(*, session: Session, year: int, station_ids: Sequence[int] | None = None,
               limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The 评选 entries of `year`: award, stage, business_id, name, code, station_id, station, township, category
    (from the workshop, when it has one), is_demo; by award, station order, name."""
    a = WorkshopAward
    stmt = (
        select(a.id.label("award_id"), a.year, a.award, a.stage, a.business_id, Business.name, Business.code,
               a.station_id, Station.name.label("station"), Township.name.label("township"),
               Workshop.category, a.is_demo)
        .join(Business, Business.id == a.business_id)
        .join(Station, Station.id == a.station_id)
        .outerjoin(Township, Township.id == Business.township_id)
        .outerjoin(Workshop, Workshop.business_id == a.business_id)
        .where(a.year == year)
        .order_by(a.award, Station.sort_order, Business.name, a.id)
        .limit(limit + 1)
    )
    if station_ids is not None:
        stmt = stmt.where(a.station_id.in_(list(station_ids)))
    return truncate(_frame(session, stmt), limit)
