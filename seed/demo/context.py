"""What the generator reads from the imported data before it draws anything (Context), and the bulk insert."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, select

from db import models as m
from seed.demo.vocab import DISTRICT, YEAR


@dataclass
class StationInfo:
    id: int
    name: str
    sort_order: int
    lat: float | None
    lon: float | None
    townships: list[tuple[int, str]]
    pace: float = 1.0  # share of the year's targets done by 31 Oct ÷ time progress, before noise
    diligence: float = 0.9  # chance a cadre of this station visits an entity in a full quarter
    n_businesses: int = 0


@dataclass
class Context:
    district: m.District | None
    stations: list[StationInfo]
    indicators: dict[str, int]  # code -> id
    targets: dict[tuple[int, str], int]  # (station_id, code) -> target
    plans: list[m.PlanDocument]
    plan_tasks: dict[int, list[m.PlanTask]]
    task_units: dict[int, list[m.TaskUnit]]
    kpi_rules: list[m.Kpi]

    @classmethod
    def load(cls, session: Session) -> Context:
        district = session.exec(select(m.District).where(m.District.name == DISTRICT)).first()
        townships: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for t in session.exec(select(m.Township).order_by(m.Township.id)).all():
            townships[t.station_id].append((t.id, t.name))
        stations = [
            StationInfo(s.id, s.name, s.sort_order, s.lat, s.lon, townships.get(s.id, []))
            for s in session.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).all()
        ]
        indicators = {i.code: i.id for i in session.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.id)).all()}
        codes = {v: k for k, v in indicators.items()}
        targets = {
            (t.station_id, codes[t.indicator_id]): round(t.target)
            for t in session.exec(select(m.StationTarget).where(m.StationTarget.year == YEAR)).all()
        }
        plans = list(session.exec(
            select(m.PlanDocument).where(m.PlanDocument.is_reference.is_(True), m.PlanDocument.is_demo.is_(False))
            .order_by(m.PlanDocument.id)).all())
        plan_ids = [p.id for p in plans]
        plan_tasks: dict[int, list[m.PlanTask]] = defaultdict(list)
        for t in session.exec(select(m.PlanTask).where(m.PlanTask.plan_id.in_(plan_ids))
                              .order_by(m.PlanTask.plan_id, m.PlanTask.number)).all():
            plan_tasks[t.plan_id].append(t)
        task_ids = [t.id for ts in plan_tasks.values() for t in ts]
        task_units: dict[int, list[m.TaskUnit]] = defaultdict(list)
        for u in session.exec(select(m.TaskUnit).where(m.TaskUnit.task_id.in_(task_ids))
                              .order_by(m.TaskUnit.task_id, m.TaskUnit.clause_no, m.TaskUnit.id)).all():
            task_units[u.task_id].append(u)
        kpi_rules = list(session.exec(
            select(m.Kpi).where(m.Kpi.is_demo.is_(False), m.Kpi.jurisdiction != DISTRICT).order_by(m.Kpi.id)).all())
        return cls(district, stations, indicators, targets, plans, plan_tasks, task_units, kpi_rules)


def bulk_insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """One executemany per table (Core insert), never a query per row."""
    if rows:
        session.connection().execute(insert(model.__table__), rows)
    return len(rows)

