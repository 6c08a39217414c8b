"""The exports of the 主体责任 and 抽检 kinds in the importer's layout: a re-import is a no-op.

Registered in seed.export.rows.BUILDERS when seed.export is imported."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from db import models as m
from seed.export.cells import yes_no
from seed.export.rows import Built, builder, live, station_rank, stations_of
from seed.importer.kinds import KINDS


def _types(kind: str) -> dict[str, str]:
    return {c.label: c.type for c in KINDS[kind].columns}


def _labels(kind: str) -> list[str]:
    return [c.label for c in KINDS[kind].columns]


@builder("主体责任")
def _duties(s: Session, year: int | None, demo: bool) -> Built:
    """A row per business and month checked (the staff repeated on each), and one for a business with staff but no
    month (of the year when given): the importer finds the business by its code, else by name in its station."""
    stations = stations_of(s)
    rank = station_rank(stations)
    C, D = m.DutyCheck, m.BusinessDuty
    stmt = select(C).where(live(C, demo))
    if year is not None:
        stmt = stmt.where(C.year == year)
    checks = s.exec(stmt).all()
    duties = {d.business_id: d for d in s.exec(select(D).where(live(D, demo))).all()}
    ids = sorted({c.business_id for c in checks} | set(duties))
    businesses = {b.id: b for b in s.exec(select(m.Business).where(m.Business.id.in_(ids))).all()} if ids else {}
    visits = {c.visit_id for c in checks if c.visit_id is not None}
    numbers = dict(s.exec(select(m.Visit.id, m.Visit.record_no).where(m.Visit.id.in_(sorted(visits)))).all()) if visits else {}
    keys = dict(s.exec(select(m.Visit.id, m.Visit.key).where(m.Visit.id.in_(sorted(visits)))).all()) if visits else {}
    checked = {c.business_id for c in checks}
    entries = [(c.business_id, c) for c in checks] + [(bid, None) for bid in duties if bid not in checked]
    entries.sort(key=lambda e: (rank.get(businesses[e[0]].station_id, 1 << 30), e[0],
                                (e[1].year, e[1].month) if e[1] else (0, 0)))
    rows, flags = [], []
    for bid, c in entries:
        b, d = businesses[bid], duties.get(bid)
        staff = ([d.director_name, yes_no(d.director_trained), yes_no(d.director_assessed), d.officer_name,
                  yes_no(d.officer_trained), yes_no(d.officer_assessed)] if d else [None] * 6)
        month = ([f"{c.year}年{c.month}月", yes_no(c.daily), yes_no(c.weekly), yes_no(c.monthly), c.source,
                  (numbers.get(c.visit_id) or keys.get(c.visit_id)) if c.visit_id else None] if c else [None] * 6)
        rows.append([b.name, b.code, stations[b.station_id].name, *staff, *month])
        flags.append(bool((c and c.is_demo) or (d and d.is_demo)))
    return Built(_labels("主体责任"), rows, year, _types("主体责任"), demo=flags)


@builder("抽检")
def _samples(s: Session, year: int | None, demo: bool) -> Built:
    """Each batch with the 核查处置 of its problem (a 不合格 batch); 统一社会信用代码 is the matched business's code, so a
    re-import links the same business."""
    stations = stations_of(s)
    rank = station_rank(stations)
    S = m.Sample
    stmt = select(S).where(live(S, demo))
    if year is not None:
        stmt = stmt.where(S.sample_date >= dt.date(year, 1, 1), S.sample_date <= dt.date(year, 12, 31))
    found = sorted(s.exec(stmt).all(), key=lambda r: (r.sample_date, rank.get(r.station_id, 1 << 30), r.id))
    ids = [r.id for r in found]
    problems: dict[int, m.Problem] = {}
    for i in range(0, len(ids), 500):
        for p in s.exec(select(m.Problem).where(m.Problem.sample_id.in_(ids[i : i + 500]))).all():
            problems[p.sample_id] = p
    biz = sorted({r.business_id for r in found if r.business_id is not None})
    codes = dict(s.exec(select(m.Business.id, m.Business.code).where(m.Business.id.in_(biz))).all()) if biz else {}
    rows = []
    for r in found:
        p = problems.get(r.id)
        rows.append([r.code, r.sample_date, stations[r.station_id].name, r.business_name, codes.get(r.business_id),
                     r.category, r.sample_name, r.kind, r.result, r.report_date, r.failed_item,
                     p.deadline if p else None, p.closed_date if p else None, p.outcome if p else None])
    return Built(_labels("抽检"), rows, year, _types("抽检"), demo=[r.is_demo for r in found])
