"""Row lists behind the figures: a station's sites, a cadre's businesses and visits (bounded)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import case, func
from sqlmodel import Session, select

from db import models as m
from services.rules.pacing import quarter_start, ref_date
from services.unit import unit_of_work

LIMIT = 2000  # a station has tens of sites and a cadre tens of businesses; the cap only guards a bad filter


@unit_of_work
def task_items(*, session: Session | None = None, year: int, station_id: int | None = None,
               limit: int = LIMIT) -> pd.DataFrame:
    """任务明细: the sites behind the counts (示范 workshops, camera-pilot sites)."""
    ti, ind, st = m.TaskItem, m.TaskIndicator, m.Station
    stmt = (
        select(st.name, ind.code, ti.name, ti.business_name, ti.planned_month, ti.status, ti.completed_date,
               ti.video_online, ti.is_demo)
        .join(st, st.id == ti.station_id).join(ind, ind.id == ti.indicator_id)
        .where(ti.year == year)
        .order_by(st.sort_order, ind.sort_order, ti.name)
        .limit(limit)
    )
    if station_id is not None:
        stmt = stmt.where(ti.station_id == station_id)
    rows = session.exec(stmt).all()
    return pd.DataFrame(rows, columns=["station", "indicator", "name", "business_name", "planned_month", "status",
                                       "completed_date", "video_online", "is_demo"])


@unit_of_work
def cadres(*, session: Session | None = None, station_id: int | None = None,
           limit: int = 5000) -> pd.DataFrame:
    c = m.Cadre
    stmt = select(c.id, c.name, c.level, c.unit, c.title).order_by(c.level, c.name).limit(limit)
    if station_id is not None:
        stmt = stmt.where(c.station_id == station_id)
    return pd.DataFrame(session.exec(stmt).all(), columns=["cadre_id", "name", "level", "unit", "title"])


@unit_of_work
def cadre_detail(*, session: Session | None = None, cadre_id: int, year: int, month: int, as_of: dt.date,
                 limit: int = LIMIT) -> pd.DataFrame:
    """A cadre's businesses active at the period's end with their visits this quarter to date."""
    ref = ref_date(year, month, as_of)
    start = quarter_start(year, month)
    a, b, st, v = m.Assignment, m.Business, m.Station, m.Visit
    active = (a.start_date <= ref) & ((a.end_date.is_(None)) | (a.end_date >= ref))
    rows = session.exec(
        select(b.id, b.name, st.name, b.sector, b.tier, b.risk_level, a.start_date)
        .join(b, b.id == a.business_id).join(st, st.id == b.station_id)
        .where(a.cadre_id == cadre_id, active).order_by(st.sort_order, b.name).limit(limit)
    ).all()
    df = pd.DataFrame(rows, columns=["business_id", "business", "station", "sector", "tier", "risk_level", "since"])
    visits = session.exec(
        select(v.business_id, func.count(), func.sum(case((v.method == "现场", 1), else_=0)), func.max(v.visit_date))
        .where(v.cadre_id == cadre_id, v.visit_date >= start, v.visit_date <= ref)
        .group_by(v.business_id)
    ).all()
    counts = pd.DataFrame(visits, columns=["business_id", "visits", "onsite", "last_visit"])
    df = df.merge(counts, on="business_id", how="left")
    df["visits"] = df["visits"].fillna(0).astype(int)
    df["onsite"] = df["onsite"].fillna(0).astype(int)
    return df


@unit_of_work
def visit_rules(*, session: Session | None = None) -> pd.DataFrame:
    """The configured visit rules in words, for the page caption (the default applies when none are set)."""
    r = m.VisitRule
    rows = session.exec(select(r.cadre_level, r.tier, r.risk_level, r.min_visits, r.onsite_required, r.note)
                        .order_by(r.id).limit(100)).all()
    return pd.DataFrame(rows, columns=["cadre_level", "tier", "risk_level", "min_visits", "onsite_required", "note"])
