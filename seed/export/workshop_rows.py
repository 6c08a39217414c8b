"""The exports of the 食品小作坊 kinds (小作坊, 摸排, 评选) in the importer's layout: a re-import is a no-op.

Registered in seed.export.rows.BUILDERS when seed.export is imported."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from db import models as m
from seed.export.cells import yes_no
from seed.export.rows import Built, builder, live, station_rank, stations_of
from seed.importer.kinds import KINDS

_ARCHIVE = {True: m.ARCHIVE_BUILT, False: m.ARCHIVE_NOT_BUILT}
_NORM = {True: m.NORM_MET, False: m.NORM_UNMET, None: None}


def _types(kind: str) -> dict[str, str]:
    return {c.label: c.type for c in KINDS[kind].columns}


def _labels(kind: str) -> list[str]:
    return [c.label for c in KINDS[kind].columns]


def _archive(built: bool) -> str:
    return _ARCHIVE[bool(built)]


@builder("小作坊")
def _workshops(s: Session, year: int | None, demo: bool) -> Built:
    """The 名录: each workshop with its business's columns (the register's own year does not apply)."""
    stations = stations_of(s)
    rank = station_rank(stations)
    towns = {t.id: t.name for t in s.exec(select(m.Township)).all()}
    found = s.exec(select(m.Workshop, m.Business).join(m.Business, m.Business.id == m.Workshop.business_id)
                   .where(live(m.Workshop, demo))).all()
    found = sorted(found, key=lambda wb: (rank.get(wb[1].station_id, 1 << 30), wb[1].id))
    rows, flags = [], []
    for w, b in found:
        rows.append([
            b.name, b.code, stations[b.station_id].name, towns.get(b.township_id), b.address, b.tier, b.risk_level,
            w.category, yes_no(w.producing), yes_no(w.cold_chain), w.cold_rooms, yes_no(w.high_risk), yes_no(w.video),
            yes_no(w.video_online), yes_no(w.demo_site), w.upgraded_date, w.new_licence,
            _archive(w.archive_supervision), w.archive_supervision_date,
            _archive(w.archive_risk), w.archive_risk_date,
            *[_NORM[getattr(w, f)] for f, _label in m.NORMS],
            w.review_date, w.review_result, w.review_problems, w.exit_date, w.exit_reason,
        ])
        flags.append(w.is_demo or b.is_demo)
    return Built(_labels("小作坊"), rows, None, _types("小作坊"), demo=flags)


@builder("摸排")
def _sweeps(s: Session, year: int | None, demo: bool) -> Built:
    stations = stations_of(s)
    rank = station_rank(stations)
    towns = {t.id: t.name for t in s.exec(select(m.Township)).all()}
    S = m.WorkshopSweep
    stmt = select(S).where(live(S, demo))
    if year is not None:
        stmt = stmt.where(S.sweep_date >= dt.date(year, 1, 1), S.sweep_date <= dt.date(year, 12, 31))
    sweeps = sorted(s.exec(stmt).all(), key=lambda r: (r.sweep_date, rank.get(r.station_id, 1 << 30), r.id))
    rows = [[r.sweep_date, stations[r.station_id].name, towns.get(r.township_id), r.place, r.kind, r.outcome,
             r.case_no] for r in sweeps]
    return Built(_labels("摸排"), rows, year, _types("摸排"), demo=[r.is_demo for r in sweeps])


@builder("评选")
def _awards(s: Session, year: int | None, demo: bool) -> Built:
    """Each entry with its workshop's name and code, as the importer finds the workshop by."""
    stations = stations_of(s)
    rank = station_rank(stations)
    A = m.WorkshopAward
    stmt = select(A, m.Business).join(m.Business, m.Business.id == A.business_id).where(live(A, demo))
    if year is not None:
        stmt = stmt.where(A.year == year)
    found = sorted(s.exec(stmt).all(), key=lambda ab: (ab[0].year, m.AWARDS.index(ab[0].award)
                                                       if ab[0].award in m.AWARDS else 99,
                                                       rank.get(ab[0].station_id, 1 << 30), ab[0].id))
    rows = [[a.year, a.award, b.name, b.code, stations[b.station_id].name, a.stage] for a, b in found]
    return Built(_labels("评选"), rows, year, _types("评选"), demo=[a.is_demo for a, _b in found])
