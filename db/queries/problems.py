"""The problem loop (issue 20, item 3): problems at packaged businesses found by others — 执法, 抽检, a 风险隐患
report, or a visit by someone who does not package the business — for the cadres who package it.

One problem, one row: a Problem is listed unless a cadre packaging its business at ref found it on a visit; a Hazard
(隐患清单) matched to a packaged business is listed unless a Problem with source 风险隐患 at the same business, found
the same day with the same description, is the same problem already (then that Problem is the row).
Status at ref: 已整改 (closed or rectified by ref, with a date), else 逾期 (deadline before ref), else 未整改.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from db.models import (
    HAZARD_RECTIFIED,
    PROBLEM_CLOSED,
    Assignment,
    Business,
    Cadre,
    Hazard,
    Problem,
    Station,
    Township,
    Visit,
)
from db.sql import LIST_LIMIT, MAX_ROWS
from db.sql import count_if as _count_if
from db.sql import frame as _frame

HAZARD_SOURCE = "风险隐患"  # a hazard of the 隐患清单 is a problem of this source (db.models.PROBLEM_SOURCES)
SHOWN_CLOSED, SHOWN_OVERDUE, SHOWN_OPEN = "已整改", "逾期", "未整改"
SHOWN_ORDER = (SHOWN_OVERDUE, SHOWN_OPEN, SHOWN_CLOSED)  # the list's order: what must be acted on first


def _active_at(ref: dt.date, a=Assignment) -> sa.ColumnElement:
    return and_(a.start_date <= ref, or_(a.end_date.is_(None), a.end_date >= ref))


def _packaged(business_id, ref: dt.date, cadre_id: int | None) -> sa.ColumnElement:
    """The business has an assignment active at ref (by `cadre_id` when given)."""
    a = aliased(Assignment)
    cond = [a.business_id == business_id, _active_at(ref, a)]
    if cadre_id is not None:
        cond.append(a.cadre_id == cadre_id)
    return exists(select(a.id).where(*cond))


def _others(*, year_start: dt.date, ref: dt.date, cadre_id: int | None) -> sa.Subquery:
    """Problems and hazards found by others in [year_start, ref] at businesses packaged at ref; one row each with
    kind (problem / hazard), id, business_id, source, description, found_date, deadline, closed_date, outcome,
    closed (1 when closed by ref), is_demo."""
    p, h = Problem, Hazard
    a = aliased(Assignment)
    by_own_cadre = exists(
        select(Visit.id).join(a, and_(a.cadre_id == Visit.cadre_id, a.business_id == Visit.business_id))
        .where(Visit.id == p.visit_id, _active_at(ref, a))
    )
    p_closed = and_(p.status.in_(PROBLEM_CLOSED), p.closed_date.is_not(None), p.closed_date <= ref)
    problems = select(
        literal("problem").label("kind"), p.id.label("row_id"), p.business_id, p.source, p.description,
        p.found_date, p.deadline, p.closed_date, p.outcome,
        case((p_closed, 1), else_=0).label("closed"), p.is_demo,
    ).where(p.found_date >= year_start, p.found_date <= ref, not_(by_own_cadre),
            _packaged(p.business_id, ref, cadre_id))
    if cadre_id is not None:  # one cadre's businesses first: their problems by index, not every problem of the year
        mine = aliased(Assignment)
        own = select(mine.business_id).where(mine.cadre_id == cadre_id, _active_at(ref, mine)).scalar_subquery()
        problems = problems.where(p.business_id.in_(own))
    same = exists(select(p.id).where(p.business_id == h.business_id, p.source == HAZARD_SOURCE,
                                     p.found_date == h.found_date, p.description == h.description))
    h_closed = and_(h.status == HAZARD_RECTIFIED, h.rectified_date.is_not(None), h.rectified_date <= ref)
    hazards = select(
        literal("hazard").label("kind"), h.id.label("row_id"), h.business_id, literal(HAZARD_SOURCE).label("source"),
        h.description, h.found_date, h.deadline, h.rectified_date.label("closed_date"),
        sa.null().label("outcome"), case((h_closed, 1), else_=0).label("closed"), h.is_demo,
    ).where(h.business_id.is_not(None), h.found_date >= year_start, h.found_date <= ref, not_(same),
            _packaged(h.business_id, ref, cadre_id))
    if cadre_id is not None:
        hazards = hazards.where(h.business_id.in_(own))
    return sa.union_all(problems, hazards).subquery("others")


def _shown(u: sa.Subquery, ref: dt.date) -> sa.ColumnElement:
    return case((u.c.closed == 1, SHOWN_CLOSED), (u.c.deadline < ref, SHOWN_OVERDUE), else_=SHOWN_OPEN)


def others_problem_rows(
    *, session: Session, year_start: dt.date, ref: dt.date, station_id: int | None = None,
    cadre_id: int | None = None, source: str | None = None, limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """Problems found by others at packaged businesses (module doc): kind, row_id, business_id, business, station_id,
    station, township, source, description, found_date, deadline, shown (已整改 / 逾期 / 未整改 at ref),
    closed_date, outcome, is_demo. Overdue first (oldest deadline first), then open, then closed; limit + 1 rows so
    the caller can tell a cut list."""
    u = _others(year_start=year_start, ref=ref, cadre_id=cadre_id)
    shown = _shown(u, ref)
    rank = case(*((shown == s, i) for i, s in enumerate(SHOWN_ORDER)), else_=len(SHOWN_ORDER))
    b = Business
    stmt = (
        select(
            u.c.kind, u.c.row_id, u.c.business_id, b.name.label("business"), b.station_id,
            Station.name.label("station"), Township.name.label("township"), u.c.source, u.c.description,
            u.c.found_date, u.c.deadline, shown.label("shown"), u.c.closed_date, u.c.outcome, u.c.is_demo,
        )
        .select_from(u)
        .join(b, b.id == u.c.business_id)
        .join(Station, Station.id == b.station_id)
        .outerjoin(Township, Township.id == b.township_id)
        .order_by(rank, u.c.deadline, Station.sort_order, b.station_id, u.c.found_date, b.name, u.c.kind,
                  u.c.row_id)
        .limit(limit + 1)
    )
    if station_id is not None:
        stmt = stmt.where(b.station_id == station_id)
    if source is not None:
        stmt = stmt.where(u.c.source == source)
    return _frame(session, stmt)


def others_problem_counts(
    *, session: Session, year_start: dt.date, ref: dt.date, station_id: int | None = None,
    cadre_id: int | None = None,
) -> pd.DataFrame:
    """Per source: n (found by others in [year_start, ref]), n_open (not closed by ref) and n_overdue (of those,
    past their deadline at ref)."""
    u = _others(year_start=year_start, ref=ref, cadre_id=cadre_id)
    still_open = u.c.closed == 0
    stmt = (
        select(u.c.source, func.count().label("n"), _count_if(still_open).label("n_open"),
               _count_if(and_(still_open, u.c.deadline < ref)).label("n_overdue"))
        .select_from(u)
        .join(Business, Business.id == u.c.business_id)
        .group_by(u.c.source)
        .limit(MAX_ROWS)
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return _frame(session, stmt)


def packaging_cadres(*, session: Session, ref: dt.date, business_ids: Iterable[int]) -> pd.DataFrame:
    """business_id, cadre_id, name, level of the assignments active at ref on these businesses, by name."""
    ids = sorted({int(i) for i in business_ids})
    if not ids:
        return pd.DataFrame(columns=["business_id", "cadre_id", "name", "level"])
    a = Assignment
    stmt = (
        select(a.business_id, a.cadre_id, Cadre.name, Cadre.level)
        .join(Cadre, Cadre.id == a.cadre_id)
        .where(col(a.business_id).in_(ids), _active_at(ref))
        .group_by(a.business_id, a.cadre_id, Cadre.name, Cadre.level)
        .order_by(a.business_id, Cadre.name, a.cadre_id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)
