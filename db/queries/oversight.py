"""企业主体责任 and 抽检 queries: the staff enterprises name, their 日管控 / 周排查 / 月调度 records by month, the 抽检
batches and the 核查处置 of the 不合格 ones. Storage only: the figures are made in services/metrics/oversight.py and
the rules (which sectors are 企业, which tiers need a 总监, which kinds count) come in as arguments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from db.models import SAMPLE_FAILED, Business, BusinessDuty, District, DutyCheck, Kpi, Problem, Sample
from db.sql import MAX_ROWS
from db.sql import count_if as _count_if
from db.sql import flag as _flag
from db.sql import frame as _frame

OPEN = "在营"


def duty_staffing(*, session: Session, sectors: Sequence[str], director_tiers: Sequence[str]) -> pd.DataFrame:
    """station_id, sector, required (a 总监 is required: tier in director_tiers), enterprises, director_named,
    director_trained, director_assessed, officer_named, officer_trained, officer_assessed, is_demo — per station,
    sector and required, over the enterprises in operation (sector in sectors)."""
    b, d = Business, BusinessDuty
    required = case((b.tier.in_(list(director_tiers)), 1), else_=0)
    named = lambda col: _count_if(and_(col.is_not(None), col != ""))  # noqa: E731
    stmt = (
        select(
            b.station_id, b.sector, required.label("required"), func.count(b.id).label("enterprises"),
            named(d.director_name).label("director_named"), _count_if(d.director_trained.is_(True)).label(
                "director_trained"), _count_if(d.director_assessed.is_(True)).label("director_assessed"),
            named(d.officer_name).label("officer_named"), _count_if(d.officer_trained.is_(True)).label(
                "officer_trained"), _count_if(d.officer_assessed.is_(True)).label("officer_assessed"),
            func.max(_flag(b.is_demo)).label("is_demo"),
        )
        .select_from(b)
        .outerjoin(d, d.business_id == b.id)
        .where(b.sector.in_(list(sectors)), b.status == OPEN)
        .group_by(b.station_id, b.sector, required)
        .order_by(b.station_id, b.sector, required)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def duty_checks(*, session: Session, year: int, months: Sequence[int], sectors: Sequence[str]) -> pd.DataFrame:
    """station_id, month, records (enterprises with a record that month), daily_checked, daily_kept, weekly_checked,
    weekly_kept, monthly_checked, monthly_kept, onsite (records a 包保 visit checked), is_demo — enterprises in
    operation."""
    b, c = Business, DutyCheck
    cols = []
    for name in ("daily", "weekly", "monthly"):
        col = getattr(c, name)
        cols += [_count_if(col.is_not(None)).label(f"{name}_checked"), _count_if(col.is_(True)).label(f"{name}_kept")]
    stmt = (
        select(b.station_id, c.month, func.count(c.id).label("records"), *cols,
               _count_if(c.visit_id.is_not(None)).label("onsite"), func.max(_flag(c.is_demo)).label("is_demo"))
        .select_from(c)
        .join(b, b.id == c.business_id)
        .where(c.year == year, c.month.in_(list(months)), b.sector.in_(list(sectors)), b.status == OPEN)
        .group_by(b.station_id, c.month)
        .order_by(b.station_id, c.month)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def batch_counts(*, session: Session, start: dt.date, end: dt.date, kinds: Sequence[str]) -> pd.DataFrame:
    """station_id, batches (sampled start…end, of the kinds counted), pending (检验中 among them), is_demo."""
    s = Sample
    stmt = (
        select(s.station_id, func.count(s.id).label("batches"), _count_if(s.report_date.is_(None)).label("pending"),
               func.max(_flag(s.is_demo)).label("is_demo"))
        .where(s.sample_date >= start, s.sample_date <= end, s.kind.in_(list(kinds)))
        .group_by(s.station_id)
        .order_by(s.station_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def batch_days(*, session: Session, start: dt.date, end: dt.date, kinds: Sequence[str]) -> pd.DataFrame:
    """sample_date, batches, is_demo: the district's batches by day (the KPI's month-by-month values)."""
    s = Sample
    stmt = (
        select(s.sample_date, func.count(s.id).label("batches"), func.max(_flag(s.is_demo)).label("is_demo"))
        .where(s.sample_date >= start, s.sample_date <= end, s.kind.in_(list(kinds)))
        .group_by(s.sample_date)
        .order_by(s.sample_date)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def failed_batches(*, session: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
    """sample_id, station_id, report_date, deadline, closed_date, status, is_demo: every 不合格 batch reported
    start…end with its 核查处置 problem (deadline and closed_date None when it has none yet)."""
    s, p = Sample, Problem
    stmt = (
        select(s.id.label("sample_id"), s.station_id, s.report_date, p.deadline, p.closed_date, p.status,
               s.is_demo)
        .select_from(s)
        .outerjoin(p, p.sample_id == s.id)
        .where(s.result == SAMPLE_FAILED, s.report_date >= start, s.report_date <= end)
        .order_by(s.report_date, s.id)
        .limit(MAX_ROWS)
    )
    df = _frame(session, stmt)
    for col in ("report_date", "deadline", "closed_date"):
        df[col] = pd.to_datetime(df[col]).dt.date if not df.empty else df[col]
    return df


def has_batches(*, session: Session, start: dt.date, end: dt.date) -> int:
    """How many batches were sampled start…end (any kind)."""
    s = Sample
    return int(session.exec(select(func.count(s.id)).where(s.sample_date >= start, s.sample_date <= end)).one()[0])


def stored_population(*, session: Session) -> int | None:
    """The district's stored 常住人口 (the first district that has one)."""
    row = stored_population_record(session=session)
    return row[0] if row is not None else None


def stored_population_record(*, session: Session) -> tuple[int, int | None, str | None] | None:
    """(常住人口, the year it is of, its source) of the first district that has one."""
    row = session.exec(select(District.population, District.population_year, District.population_source)
                       .where(District.population.is_not(None)).order_by(District.id).limit(1)).first()
    return (int(row[0]), row[1], row[2]) if row is not None else None


def per_thousand_rule(*, session: Session, unit: str) -> tuple[float, str, int] | None:
    """The latest per-1000-residents 抽检 rule stated (target, jurisdiction, year): the rule the gauge
    监督抽检批次 was derived from (target × population ÷ 1000)."""
    k = Kpi
    row = session.exec(select(k.target, k.jurisdiction, k.year).where(k.unit == unit)
                       .order_by(k.year.desc(), k.id).limit(1)).first()
    return (float(row[0]), row[1], int(row[2])) if row is not None and row[0] is not None else None
