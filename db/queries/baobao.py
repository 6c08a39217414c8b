"""包保督导 queries: coverage and completion by group, problems, the not-visited and overdue lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db.models import (
    PROBLEM_CLOSED,
    PROBLEM_SOURCE_DEFAULT,
    AppSetting,
    Assignment,
    Business,
    Cadre,
    District,
    Problem,
    Station,
    Township,
    Visit,
    VisitRule,
)
from db.sql import LIST_LIMIT, MAX_ROWS
from db.sql import count_if as _count_if
from db.sql import flag as _flag
from db.sql import frame as _frame

IN_OPERATION = "在营"
ONSITE = "现场"
DEFAULT_HIGH_RISK = ("C", "D")
HIGH_RISK_KEY = "high_risk_levels"

# 包保 metrics can be grouped by these; the value lists the business columns that form the group key.
BAOBAO_GROUPS = {
    "district": (),
    "station": ("station_id",),
    "township": ("station_id", "township_id"),
    "sector": ("sector",),
    "tier": ("tier",),
    "risk_level": ("risk_level",),
    # The finest group, every other a sum of it: the rollup's cell (db/rollups.py).
    "cell": ("station_id", "township_id", "sector", "tier", "risk_level"),
}
# Days since a problem was found: (column, lower bound inclusive, upper bound inclusive or None).
AGING_BUCKETS = (("d0_7", 0, 7), ("d8_30", 8, 30), ("d31_90", 31, 90), ("d91_plus", 91, None))


def high_risk_levels(*, session: Session) -> tuple[str, ...]:
    """The 风险等级 counted as high risk — the one definition (counts, the visit rule, every label derive from it):
    AppSetting high_risk_levels ("C,D"), else C and D."""
    raw = session.exec(select(AppSetting.value).where(AppSetting.key == HIGH_RISK_KEY)).scalar()
    if not raw:
        return DEFAULT_HIGH_RISK
    return tuple(x.strip() for x in raw.replace("，", ",").split(",") if x.strip())


def jurisdiction_name(*, session: Session) -> str | None:
    """The name of the district the stations belong to (the one with most stations; reference plans may bring
    other districts along), else the first district recorded, else None."""
    name = session.exec(
        select(District.name).join(Station, Station.district_id == District.id)
        .group_by(District.id, District.name).order_by(func.count(Station.id).desc(), District.id).limit(1)
    ).scalar()
    if name is None:
        name = session.exec(select(District.name).order_by(District.id).limit(1)).scalar()
    return name


def visit_rules(*, session: Session) -> pd.DataFrame:
    """The quarterly visit rules: cadre_level, tier, risk_level ('*' = any), min_visits, onsite_required."""
    r = VisitRule
    stmt = (
        select(r.id, r.cadre_level, r.tier, r.risk_level, r.min_visits, r.onsite_required)
        .where(r.period == "quarter")
        .order_by(r.id)
        .limit(1_000)  # a configuration table: a handful of rows, each becomes one CASE branch
    )
    return _frame(session, stmt)


def _rule_exprs(rules: pd.DataFrame, high: Sequence[str], cadre_level, tier, risk_level):
    """min_visits and onsite_required (0/1) per assignment as SQL CASE expressions.

    Branches go most specific first (number of non-'*' columns), so the first match is the most specific
    rule. Each expression orders equally specific rules strictest first, so when two of them match, the
    larger min_visits and an on-site requirement from either both apply. With no rule matching — or no
    rules at all — the default applies: 1 visit a quarter. High-risk businesses (high_risk_levels, the one
    definition) always need one visit on site.
    """
    default_min = literal(1)
    default_onsite = case((risk_level.in_(high), 1), else_=0)
    if rules.empty:
        return default_min, default_onsite
    cols = {"cadre_level": cadre_level, "tier": tier, "risk_level": risk_level}
    r = rules.assign(
        specificity=sum((rules[c] != "*").astype(int) for c in cols),
        onsite=rules["onsite_required"].astype(bool).astype(int),
    )

    def branches(value: str) -> list:
        ordered = r.sort_values(["specificity", value, "id"], ascending=[False, False, True])
        # A few configuration rows become CASE branches; the per-assignment work stays in SQL.
        out = []
        for row in ordered.itertuples(index=False):
            conds = [col == getattr(row, name) for name, col in cols.items() if getattr(row, name) != "*"]
            out.append((and_(*conds) if conds else sa.true(), int(getattr(row, value))))
        return out

    # A high-risk business needs a 现场 visit whatever the rules say: the high-risk setting is the one definition,
    # a rule row can only add an on-site requirement for other levels.
    return (
        case(*branches("min_visits"), else_=default_min),
        case((risk_level.in_(high), 1), *branches("onsite"), else_=0),
    )


def _assignment_status(
    *, rules: pd.DataFrame, high: Sequence[str], start: dt.date, ref: dt.date, station_id: int | None
) -> sa.Subquery:
    """One row per assignment active at ref on an in-operation business, with ok = 1 when the cadre's own
    visits in [start, ref] meet the rule (count, and a 现场 one where required)."""
    v = Visit
    visits = (
        select(
            v.cadre_id,
            v.business_id,
            func.count().label("n_visits"),
            _count_if(v.method == ONSITE).label("n_onsite"),
        )
        .where(v.visit_date >= start, v.visit_date <= ref)
        .group_by(v.cadre_id, v.business_id)
        .subquery("cadre_visits")
    )
    min_visits, onsite_required = _rule_exprs(rules, high, Cadre.level, Business.tier, Business.risk_level)
    n_visits = func.coalesce(visits.c.n_visits, 0)
    n_onsite = func.coalesce(visits.c.n_onsite, 0)
    ok = case((and_(n_visits >= min_visits, or_(onsite_required == 0, n_onsite >= 1)), 1), else_=0)
    stmt = (
        select(
            Assignment.id.label("assignment_id"),
            Assignment.business_id,
            Assignment.cadre_id,
            Cadre.level.label("cadre_level"),
            ok.label("ok"),
        )
        .select_from(Assignment)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .join(Business, Business.id == Assignment.business_id)
        .outerjoin(
            visits,
            and_(visits.c.cadre_id == Assignment.cadre_id, visits.c.business_id == Assignment.business_id),
        )
        .where(_active_at(ref), Business.status == IN_OPERATION)
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return stmt.subquery("assignment_status")


def _active_at(ref: dt.date) -> sa.ColumnElement:
    return and_(
        Assignment.start_date <= ref, or_(Assignment.end_date.is_(None), Assignment.end_date >= ref)
    )


def _row_bound(by: str) -> int | None:
    """MAX_ROWS for a page's group; none for the rollup's cells, which a province holds by the hundred thousand and
    which must all be stored (a page reads their sums, db/rollups.py)."""
    return None if by == "cell" else MAX_ROWS


def _group_cols(by: str) -> list:
    if by not in BAOBAO_GROUPS:
        raise ValueError(f"by must be one of {sorted(BAOBAO_GROUPS)}, not {by!r}")
    return [getattr(Business, c) for c in BAOBAO_GROUPS[by]]


def baobao_business_counts(
    *,
    session: Session,
    by: str,
    start: dt.date,
    ref: dt.date,
    rules: pd.DataFrame,
    high: Sequence[str],
    station_id: int | None = None,
) -> pd.DataFrame:
    """Per group of in-operation businesses: n_business, n_covered, n_done, n_high_risk,
    n_high_risk_onsite, is_demo. Visits count from `start` (the quarter's first day) through `ref`."""
    asg = _assignment_status(rules=rules, high=high, start=start, ref=ref, station_id=station_id)
    per_business = (
        select(asg.c.business_id, func.min(asg.c.ok).label("all_ok"))
        .group_by(asg.c.business_id)
        .subquery("per_business")
    )
    v = Visit
    onsite = (
        select(v.business_id)
        .where(v.method == ONSITE, v.visit_date >= start, v.visit_date <= ref)
        .group_by(v.business_id)
        .subquery("onsite_any")
    )
    keys = _group_cols(by)
    is_high = Business.risk_level.in_(high)
    stmt = (
        select(
            *keys,
            func.count().label("n_business"),
            func.count(per_business.c.business_id).label("n_covered"),
            func.coalesce(func.sum(per_business.c.all_ok), 0).label("n_done"),
            _count_if(is_high).label("n_high_risk"),
            _count_if(and_(is_high, onsite.c.business_id.is_not(None))).label("n_high_risk_onsite"),
            func.coalesce(func.max(_flag(Business.is_demo)), 0).label("is_demo"),
        )
        .select_from(Business)
        .outerjoin(per_business, per_business.c.business_id == Business.id)
        .outerjoin(onsite, onsite.c.business_id == Business.id)
        .where(Business.status == IN_OPERATION)
        .group_by(*keys)
        .limit(_row_bound(by))
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return _frame(session, stmt)


def _closed_by(day) -> sa.ColumnElement:
    # A closed status without a date is not evidence of closing by a day; the explicit IS NOT NULL keeps
    # the expression FALSE (not NULL) so that NOT(...) reads "still open".
    return and_(Problem.status.in_(PROBLEM_CLOSED), Problem.closed_date.is_not(None), Problem.closed_date <= day)


def baobao_problem_counts(
    *,
    session: Session,
    by: str,
    month_start: dt.date,
    year_start: dt.date,
    ref: dt.date,
    station_id: int | None = None,
) -> pd.DataFrame:
    """Per group: problem cohort (found in [month_start, ref]), running (found in [year_start, ref]) and
    on-time (deadline in [year_start, ref]) counts of 包保督导 problems (source 包保督导: the 包保 page's 问题整改率);
    overdue (deadline < ref, open at ref) and open (n_prob_open: found by ref, open at ref) of every source.

    Problems count whatever the business's status now: a problem found before a shop closed was found."""
    found = Problem.found_date
    closed = _closed_by(ref)
    baobao_ = Problem.source == PROBLEM_SOURCE_DEFAULT
    in_month = and_(baobao_, found >= month_start, found <= ref)
    in_year = and_(baobao_, found >= year_start, found <= ref)
    due = and_(baobao_, Problem.deadline >= year_start, Problem.deadline <= ref)
    keys = _group_cols(by)
    stmt = (
        select(
            *keys,
            _count_if(in_month).label("n_prob_period"),
            _count_if(and_(in_month, closed)).label("n_prob_period_closed"),
            _count_if(in_year).label("n_prob_ytd"),
            _count_if(and_(in_year, closed)).label("n_prob_ytd_closed"),
            _count_if(due).label("n_prob_due"),
            _count_if(and_(due, _closed_by(Problem.deadline))).label("n_prob_due_ontime"),
            _count_if(and_(Problem.deadline < ref, not_(closed))).label("n_prob_overdue"),
            _count_if(not_(closed)).label("n_prob_open"),
        )
        .select_from(Problem)
        .join(Business, Business.id == Problem.business_id)
        .where(found <= ref)
        .group_by(*keys)
        .limit(_row_bound(by))
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return _frame(session, stmt)


def assignment_counts_by_cadre_level(
    *,
    session: Session,
    start: dt.date,
    ref: dt.date,
    rules: pd.DataFrame,
    high: Sequence[str],
    station_id: int | None = None,
) -> pd.DataFrame:
    """cadre_level, n_cadres, n_businesses, n_assigned (assignments active at ref), n_satisfied."""
    asg = _assignment_status(rules=rules, high=high, start=start, ref=ref, station_id=station_id)
    stmt = (
        select(
            asg.c.cadre_level,
            func.count(sa.distinct(asg.c.cadre_id)).label("n_cadres"),
            func.count(sa.distinct(asg.c.business_id)).label("n_businesses"),
            func.count().label("n_assigned"),
            func.coalesce(func.sum(asg.c.ok), 0).label("n_satisfied"),
        )
        .group_by(asg.c.cadre_level)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def _unvisited_ids(session: Session, start: dt.date, ref: dt.date, station_id: int | None, limit: int) -> list[int]:
    """The ids of the first limit + 1 unvisited businesses in the list's order (station, highest risk, name).

    Stations are taken in that order, 1, then 2, 4, 8 … at a time, each group's businesses through their station's
    index, and the walk stops once the list is full. One query over every business had to judge them all before
    it could cut the list: 0.2 s at city scale, where the first stations already fill it. At most twice the stations
    needed are read, in about eleven queries for a province's 1,800."""
    b = Business
    visited = exists(select(Visit.id).where(Visit.business_id == b.id, Visit.visit_date >= start, Visit.visit_date <= ref))
    assigned = exists(select(Assignment.id).where(Assignment.business_id == b.id, _active_at(ref)))
    if station_id is not None:
        stations = [station_id]
    else:  # the database's own order (NULL sort orders first on SQLite, last on PostgreSQL), as the list's
        stations = list(session.execute(select(Station.id).order_by(Station.sort_order, Station.id)).scalars())
    ids: list[int] = []
    at, group = 0, 1
    while at < len(stations) and len(ids) <= limit:
        chunk = stations[at : at + group]
        ids.extend(session.execute(
            select(b.id)
            .join(Station, Station.id == b.station_id)
            .where(b.station_id.in_(chunk), b.status == IN_OPERATION, assigned, not_(visited))
            .order_by(Station.sort_order, b.station_id, b.risk_level.desc(), b.name, b.id)
            .limit(limit + 1 - len(ids))
        ).scalars())
        at, group = at + group, group * 2
    return ids


def unvisited_businesses(
    *, session: Session, start: dt.date, ref: dt.date, station_id: int | None = None, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """In-operation businesses with an assignment active at ref and no visit by anyone in [start, ref].

    Fetches limit + 1 rows so the caller can tell a full list from a cut one. The businesses are picked and cut first
    (a province has hundreds of thousands unvisited), then only those have their cadres gathered."""
    b = Business
    picked = _unvisited_ids(session, start, ref, station_id, limit)
    stmt = (
        select(
            b.id.label("business_id"),
            b.name.label("business"),
            b.station_id,
            Station.name.label("station"),
            Station.sort_order,
            Township.name.label("township"),
            b.sector,
            b.tier,
            b.risk_level,
            func.aggregate_strings(Cadre.name, "、").label("cadres"),
            func.count().label("n_assignments"),
            b.is_demo,
        )
        .select_from(Assignment)
        .join(b, b.id == Assignment.business_id)
        .join(Cadre, Cadre.id == Assignment.cadre_id)
        .join(Station, Station.id == b.station_id)
        .outerjoin(Township, Township.id == b.township_id)
        .where(_active_at(ref), b.id.in_(picked))
        .group_by(
            b.id, b.name, b.station_id, Station.name, Station.sort_order, Township.name,
            b.sector, b.tier, b.risk_level, b.is_demo,
        )
        # Highest risk first within a station: those are the visits a 所长 chases first.
        .order_by(Station.sort_order, b.station_id, b.risk_level.desc(), b.name, b.id)
    )
    return _frame(session, stmt)


def overdue_problem_rows(
    *, session: Session, ref: dt.date, station_id: int | None = None, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Problems found by ref whose deadline is before ref and which were not closed by ref, oldest deadline
    first; limit + 1 rows so the caller can tell a cut list. `cadre` is who must act: the cadre of the visit that
    found it, else (执法, 抽检, a hazard) the cadres packaging the business at ref, names joined; cadre_level is the
    visit's cadre's (NULL for the packaging cadres: they may be of several levels)."""
    p = Problem
    a, pc = Assignment, aliased(Cadre)  # the alias keeps the subquery's cadre apart from the visit's
    packaging = (
        select(func.aggregate_strings(pc.name, "、"))
        .select_from(a)
        .join(pc, pc.id == a.cadre_id)
        .where(a.business_id == p.business_id, _active_at(ref))
        .correlate(p)
        .scalar_subquery()
    )
    stmt = (
        select(
            p.id.label("problem_id"),
            Business.id.label("business_id"),
            Business.name.label("business"),
            Business.station_id,
            Station.name.label("station"),
            Station.sort_order,
            Township.name.label("township"),
            p.description,
            p.source,
            p.status,
            p.deadline,
            p.found_date,
            Visit.method,
            func.coalesce(Cadre.name, packaging).label("cadre"),
            Cadre.level.label("cadre_level"),
            p.is_demo,
        )
        .select_from(p)
        .outerjoin(Visit, Visit.id == p.visit_id)  # 执法 / 抽检 problems have no visit
        .outerjoin(Cadre, Cadre.id == Visit.cadre_id)
        .join(Business, Business.id == p.business_id)
        .join(Station, Station.id == Business.station_id)
        .outerjoin(Township, Township.id == Business.township_id)
        .where(p.found_date <= ref, p.deadline < ref, not_(_closed_by(ref)))
        .order_by(p.deadline, Station.sort_order, p.id)
        .limit(limit + 1)
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return _frame(session, stmt)


def open_problem_aging(*, session: Session, ref: dt.date, station_id: int | None = None) -> pd.DataFrame:
    """Per station: problems found by ref and open at ref, by days since found (AGING_BUCKETS), and n_open."""
    found = Problem.found_date
    cols = []
    for name, lo, hi in AGING_BUCKETS:
        # Days since found in [lo, hi] ⇔ found in [ref − hi, ref − lo]: compare dates, no date arithmetic in SQL.
        cond = found <= ref - dt.timedelta(days=lo)
        if hi is not None:
            cond = and_(cond, found >= ref - dt.timedelta(days=hi))
        cols.append(_count_if(cond).label(name))
    stmt = (
        select(Business.station_id, *cols, func.count().label("n_open"))
        .select_from(Problem)
        .join(Business, Business.id == Problem.business_id)
        .where(found <= ref, not_(_closed_by(ref)))
        .group_by(Business.station_id)
        .limit(MAX_ROWS)
    )
    if station_id is not None:
        stmt = stmt.where(Business.station_id == station_id)
    return _frame(session, stmt)
