"""What every page needs to know about the database before it shows a figure: its data_version, its as-of date,
whether it is the demo, the years it has, its stations and the district's name. Streamlit-free; components.data
caches these by data_version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlmodel import Session, select

from db import engine as dbe
from db import models as m
from services.unit import unit_of_work

STATION_COLUMNS = ["station_id", "station", "lat", "lon", "coord_precision"]
DEFAULT_DISTRICT = "章丘区"


def data_version() -> int:
    """The counter every write moves on: a cache keyed by it never serves figures older than the data."""
    return dbe.data_version(dbe.get_engine())


def as_of(*, today: dt.date | None = None) -> dt.date:
    """The clock: AS_OF, else the database's own as-of date, else `today`."""
    return dbe.as_of(dbe.get_engine(), today=today)


def database_exists() -> bool:
    """False for a SQLite file not made yet (connecting would leave an empty file where one is expected)."""
    eng = dbe.get_engine()
    return eng.dialect.name != "sqlite" or Path(eng.url.database or "").is_file()


@unit_of_work
def is_demo(*, session: Session | None = None) -> bool:
    """The demo database, or any generated row: figures drawn from it are 示例."""
    return dbe.is_demo_database(session)


@unit_of_work
def years(*, session: Session | None = None) -> list[int]:
    """The years with station targets or gauged KPIs, ascending; the as-of year when there are none."""
    found = set(session.exec(select(m.StationTarget.year).distinct()).all())
    found |= set(session.exec(select(m.Kpi.year).where(m.Kpi.gauged).distinct()).all())
    return sorted(found) or [as_of().year]


@unit_of_work
def stations(*, session: Session | None = None) -> pd.DataFrame:
    """The stations in the bureau's order. Columns: station_id, station, lat, lon, coord_precision."""
    rows = session.exec(select(m.Station.id, m.Station.name, m.Station.lat, m.Station.lon,
                               m.Station.coord_precision).order_by(m.Station.sort_order)).all()
    return pd.DataFrame(rows, columns=STATION_COLUMNS)


@unit_of_work
def district_name(*, session: Session | None = None) -> str:
    """The district's name (the first one recorded), 章丘区 when none is."""
    return session.exec(select(m.District.name).order_by(m.District.id)).first() or DEFAULT_DISTRICT
