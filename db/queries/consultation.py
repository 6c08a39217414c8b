"""季度风险会商 queries: a quarter's 抽检 batches, the problems found in it, what is overdue at its end, the high-risk
businesses without a 现场 visit, and the enterprises' 主体责任 gaps (services/consultation.py reads them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import and_, exists, func, not_, or_, select
from sqlmodel import Session

from db.models import (
    HAZARD_RECTIFIED,
    PROBLEM_CLOSED,
    SAMPLE_FAILED,
    Assignment,
    Business,
    BusinessDuty,
    Cadre,
    DutyCheck,
    Hazard,
    Problem,
    Sample,
    Station,
    Visit,
)
from db.sql import LIST_LIMIT, MAX_ROWS
from db.sql import count_if as _count_if
from db.sql import flag as _flag
from db.sql import frame as _frame

IN_OPERATION = "在营"
ONSITE = "现场"
PENDING = "检验中"
SAMPLE_GROUPS = {"category": Sample.category, "station": Sample.station_id}


def _closed_by(day) -> sa.ColumnElement:
    # As db.queries.baobao: a closed status without a date is no evidence; IS NOT NULL keeps NOT(...) "still open".
    return and_(Problem.status.in_(PROBLEM_CLOSED), Problem.closed_date.is_not(None), Problem.closed_date <= day)


def _active_at(ref: dt.date) -> sa.ColumnElement:
    return and_(Assignment.start_date <= ref, or_(Assignment.end_date.is_(None), Assignment.end_date >= ref))


def _cadres_at(ref: dt.date) -> sa.Subquery:
    """business_id → the names of the cadres packaging it at ref ("、"-joined)."""
    return (
        select(Assignment.business_id, func.aggregate_strings(Cadre.name, "、").label("cadres"))
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .where(_active_at(ref))
        .group_by(Assignment.business_id)
        .subquery("packaging")
    )


def has_year_data(*, session: Session, year: int) -> bool:
    """Any 抽检 batch, problem, visit, hazard or 主体责任 month recorded in `year`."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    probes = (
        select(Sample.id).where(Sample.sample_date >= start, Sample.sample_date <= end),
        select(Problem.id).where(Problem.found_date >= start, Problem.found_date <= end),
        select(Visit.id).where(Visit.visit_date >= start, Visit.visit_date <= end),
        select(Hazard.id).where(Hazard.found_date >= start, Hazard.found_date <= end),
        select(DutyCheck.id).where(DutyCheck.year == year),
    )
    return any(session.exec(p.limit(1)).first() is not None for p in probes)


def sample_counts(*, session: Session, start: dt.date, ref: dt.date, by: str) -> pd.DataFrame:
    """Per category or station (`by`): batches sampled in [start, ref] (n_batches), 不合格 (n_failed), 检验中
    (n_pending), any_demo."""
    key = SAMPLE_GROUPS[by]
    s = Sample
    stmt = (
        select(
            key.label(f"{by}_id" if by == "station" else by),
            func.count().label("n_batches"),
            _count_if(s.result == SAMPLE_FAILED).label("n_failed"),
            _count_if(s.result == PENDING).label("n_pending"),
            func.max(_flag(s.is_demo)).label("any_demo"),
        )
        .where(s.sample_date >= start, s.sample_date <= ref)
        .group_by(key)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def failed_samples(*, session: Session, start: dt.date, ref: dt.date, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """不合格 batches sampled in [start, ref] with their 核查处置 (the 抽检 problem naming the batch, when there is
    one): deadline, closed_date, closed (1 when closed by ref), outcome. limit + 1 rows, in report order."""
    s, p = Sample, Problem
    stmt = (
        select(
            s.id.label("sample_id"), s.code, s.sample_date, s.station_id, Station.name.label("station"),
            s.business_name.label("business"), s.category, s.sample_name, s.failed_item, s.report_date,
            p.id.label("problem_id"), p.deadline, p.closed_date, p.status, p.outcome,
            sa.case((_closed_by(ref), 1), else_=0).label("closed"), s.is_demo,
        )
        .join(Station, Station.id == s.station_id)
        .outerjoin(p, p.sample_id == s.id)
        .where(s.sample_date >= start, s.sample_date <= ref, s.result == SAMPLE_FAILED)
        .order_by(s.report_date, s.sample_date, Station.sort_order, s.id)
        .limit(limit + 1)
    )
    return _frame(session, stmt)


def problem_counts(*, session: Session, start: dt.date, ref: dt.date) -> pd.DataFrame:
    """Per source and business sector: problems found in [start, ref] (n_found) and of them closed by ref
    (n_closed)."""
    p = Problem
    stmt = (
        select(p.source, Business.sector, func.count().label("n_found"), _count_if(_closed_by(ref)).label("n_closed"))
        .join(Business, Business.id == p.business_id)
        .where(p.found_date >= start, p.found_date <= ref)
        .group_by(p.source, Business.sector)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def overdue_problems(*, session: Session, ref: dt.date, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Problems of every source found by ref, due before ref and open at ref, oldest deadline first, with who must
    act: the visit's cadre, else the cadres packaging the business at ref. limit + 1 rows."""
    p = Problem
    pack = _cadres_at(ref)
    stmt = (
        select(
            p.id.label("problem_id"), p.source, Business.station_id, Station.name.label("station"),
            Station.sort_order, Business.name.label("business"), p.description, p.found_date, p.deadline,
            Cadre.name.label("visit_cadre"), pack.c.cadres.label("packaging_cadres"), p.is_demo,
        )
        .select_from(p)
        .join(Business, Business.id == p.business_id)
        .join(Station, Station.id == Business.station_id)
        .outerjoin(Visit, Visit.id == p.visit_id)
        .outerjoin(Cadre, Cadre.id == Visit.cadre_id)
        .outerjoin(pack, pack.c.business_id == p.business_id)
        .where(p.found_date <= ref, p.deadline < ref, not_(_closed_by(ref)))
        .order_by(p.deadline, Station.sort_order, p.id)
        .limit(limit + 1)
    )
    return _frame(session, stmt)


def overdue_hazards(*, session: Session, ref: dt.date, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Hazards of the 隐患清单 found by ref, due before ref and not rectified by ref (db.queries.hazards'
    definition), with the cadres packaging the business at ref when the hazard names a known business."""
    h = Hazard
    pack = _cadres_at(ref)
    fixed = and_(h.status == HAZARD_RECTIFIED, h.rectified_date.is_not(None), h.rectified_date <= ref)
    stmt = (
        select(
            h.id.label("hazard_id"), h.station_id, Station.name.label("station"), Station.sort_order,
            h.business_name.label("business"), h.description, h.found_date, h.deadline,
            pack.c.cadres.label("packaging_cadres"), h.is_demo,
        )
        .select_from(h)
        .join(Station, Station.id == h.station_id)
        .outerjoin(pack, pack.c.business_id == h.business_id)
        .where(h.found_date <= ref, h.deadline.is_not(None), h.deadline < ref, not_(fixed))
        .order_by(h.deadline, Station.sort_order, h.id)
        .limit(limit + 1)
    )
    return _frame(session, stmt)


def high_risk_counts(*, session: Session, start: dt.date, ref: dt.date, high: Sequence[str]) -> pd.DataFrame:
    """Per station: in-operation businesses of a high 风险等级 (n_high_risk) and of them those with no 现场 visit
    by anyone in [start, ref] (n_unvisited)."""
    b = Business
    onsite = exists(select(Visit.id).where(Visit.business_id == b.id, Visit.method == ONSITE,
                                           Visit.visit_date >= start, Visit.visit_date <= ref))
    stmt = (
        select(b.station_id, func.count().label("n_high_risk"), _count_if(not_(onsite)).label("n_unvisited"))
        .where(b.status == IN_OPERATION, b.risk_level.in_(list(high)))
        .group_by(b.station_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def high_risk_unvisited(*, session: Session, start: dt.date, ref: dt.date, high: Sequence[str],
                        limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The in-operation high-risk businesses with no 现场 visit in [start, ref]: station, sector, tiers, the
    cadres packaging them at ref and their other visits in the window (n_other_visits). limit + 1 rows."""
    b, v = Business, Visit
    onsite = exists(select(v.id).where(v.business_id == b.id, v.method == ONSITE, v.visit_date >= start,
                                       v.visit_date <= ref))
    others = (
        select(v.business_id, func.count().label("n"))
        .where(v.visit_date >= start, v.visit_date <= ref)
        .group_by(v.business_id)
        .subquery("other_visits")
    )
    pack = _cadres_at(ref)
    stmt = (
        select(
            b.id.label("business_id"), b.station_id, Station.name.label("station"), b.name.label("business"),
            b.sector, b.tier, b.risk_level, pack.c.cadres, func.coalesce(others.c.n, 0).label("n_other_visits"),
            b.is_demo,
        )
        .join(Station, Station.id == b.station_id)
        .outerjoin(pack, pack.c.business_id == b.id)
        .outerjoin(others, others.c.business_id == b.id)
        .where(b.status == IN_OPERATION, b.risk_level.in_(list(high)), not_(onsite))
        .order_by(Station.sort_order, b.station_id, b.risk_level.desc(), b.name, b.id)
        .limit(limit + 1)
    )
    return _frame(session, stmt)


def _named(column) -> sa.ColumnElement:
    return and_(column.is_not(None), func.trim(column) != "")


def duty_gaps(*, session: Session, year: int, months: Sequence[int], sectors: Sequence[str],
              director_tiers: Sequence[str]) -> pd.DataFrame:
    """Per station, over in-operation businesses of the enterprise `sectors`: n_enterprises; n_director_required
    (包保分级 in `director_tiers`) and of them n_no_director (no 食品安全总监 named); n_no_officer (no 食品安全员
    named); n_records_gap (some month of `months` in `year` without a record whose 日管控, 周排查 and 月调度 were all
    kept)."""
    b, d, c = Business, BusinessDuty, DutyCheck
    kept = (
        select(c.business_id, func.count().label("n_kept"))
        .where(c.year == year, c.month.in_(list(months)), c.daily.is_(True), c.weekly.is_(True),
               c.monthly.is_(True))
        .group_by(c.business_id)
        .subquery("kept_months")
    )
    needs_director = b.tier.in_(list(director_tiers))
    stmt = (
        select(
            b.station_id,
            func.count().label("n_enterprises"),
            _count_if(needs_director).label("n_director_required"),
            _count_if(and_(needs_director, not_(_named(d.director_name)))).label("n_no_director"),
            _count_if(not_(_named(d.officer_name))).label("n_no_officer"),
            _count_if(func.coalesce(kept.c.n_kept, 0) < len(months)).label("n_records_gap"),
        )
        .select_from(b)
        .outerjoin(d, d.business_id == b.id)
        .outerjoin(kept, kept.c.business_id == b.id)
        .where(b.status == IN_OPERATION, b.sector.in_(list(sectors)))
        .group_by(b.station_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)
