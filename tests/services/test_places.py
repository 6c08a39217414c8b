"""Places: the offline district outline, approximate service areas, and the map's per-station figures."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, shape
from sqlmodel import Session

from db.engine import dispose_engines, get_engine
from services import places
from tests.db.factories import Factory

D = dt.date
OCT31 = D(2022, 10, 31)
P304 = 304 / 365  # time progress at 2022-10-31
Q4_OCT = 31 / 92  # quarter progress at 2022-10-31


@pytest.fixture(scope="module")
def demo_stations(demo_template) -> pd.DataFrame:
    """The 18 stations (with their approximate seats) as the demo database holds them."""
    with Session(get_engine(demo_template)) as s:
        df = places.station_places(session=s)
    dispose_engines()
    return df


@pytest.fixture(scope="module")
def boundary() -> dict:
    return places.district_boundary()


@pytest.fixture(scope="module")
def areas(demo_stations, boundary) -> dict:
    return places.service_areas(demo_stations, boundary)


# --- the district outline ------------------------------------------------------------------


def test_boundary_is_zhangqiu_and_holds_every_station(boundary, demo_stations):
    geom = shape(boundary)
    assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid
    x0, y0, x1, y1 = geom.bounds  # 章丘区 lies around 117.2–117.7°E, 36.4–37.1°N
    assert 117.1 < x0 < x1 < 117.8 and 36.4 < y0 < y1 < 37.1
    assert len(demo_stations) == 18 and demo_stations[["lat", "lon"]].notna().all().all()
    outside = [r.station for r in demo_stations.itertuples() if not geom.contains(Point(r.lon, r.lat))]
    assert outside == []


def test_boundary_is_a_fresh_copy_and_unknown_names_fail(boundary):
    mine = places.district_boundary()
    mine["coordinates"] = []
    assert places.district_boundary() == boundary
    with pytest.raises(LookupError):
        places.district_boundary("不存在区")


# --- service areas -------------------------------------------------------------------------


def test_one_area_per_station_flagged_approximate(areas, demo_stations):
    props = [f["properties"] for f in areas["features"]]
    assert len(props) == 18
    assert sorted(p["station_id"] for p in props) == sorted(demo_stations["station_id"])
    assert {p["station"] for p in props} == set(demo_stations["station"])
    assert all(p["approximate"] is True for p in props)


def test_areas_are_disjoint_and_cover_the_district(areas, boundary):
    cells = [shape(f["geometry"]) for f in areas["features"]]
    district = shape(boundary)
    for a, b in itertools.combinations(cells, 2):
        assert a.intersection(b).area < 1e-9 * district.area
    assert shapely.union_all(cells).area == pytest.approx(district.area, rel=0.01)
    assert sum(c.area for c in cells) == pytest.approx(district.area, rel=0.01)
    assert all(district.buffer(1e-9).contains(c) for c in cells)


def test_each_area_holds_its_station_and_is_nearest_to_it(areas, demo_stations):
    k = math.cos(math.radians(36.75))  # the local scale the cells are drawn in
    pos = {r.station_id: (r.lon, r.lat) for r in demo_stations.itertuples()}
    for f in areas["features"]:
        cell = shape(f["geometry"])
        sid = f["properties"]["station_id"]
        assert cell.contains(Point(pos[sid])), f["properties"]["station"]
        # Any point inside a cell is nearer its own station than any other (in kilometres, not degrees).
        px, py = cell.representative_point().coords[0]
        nearest = min(pos, key=lambda s: math.hypot((pos[s][0] - px) * k, pos[s][1] - py))
        assert nearest == sid, f["properties"]["station"]


def test_areas_edge_cases(boundary):
    district = shape(boundary)
    one = pd.DataFrame({"station_id": [1], "station": ["明水所"], "lat": [36.717], "lon": [117.537]})
    only = places.service_areas(one, boundary)["features"]
    assert len(only) == 1 and shape(only[0]["geometry"]).area == pytest.approx(district.area)

    df = pd.DataFrame({
        "station_id": [1, 2, 3, 4],
        "station": ["明水所", "双山所", "刁镇所", "无坐标所"],
        "lat": [36.717, 36.717, 36.887, None],
        "lon": [117.537, 117.537, 117.508, None],
    })
    feats = places.service_areas(df, boundary)["features"]
    assert [f["properties"]["station"] for f in feats] == ["明水所、双山所", "刁镇所"]  # one point, one cell
    assert places.service_areas(df.iloc[3:], boundary) == {"type": "FeatureCollection", "features": []}


# --- station_map_frame ---------------------------------------------------------------------


@pytest.fixture
def small_session(db_url):
    """On SQLite and PostgreSQL: 明水所 80/100 (amber), 双山所 18/26 (red), 垛庄所 without coordinates or figures.

    包保: 明水所 店A visited on site in October (done), 店B never (not done) → 1/2; its problem due 2022-10-10
    is still open → 1 overdue of 1 due. 双山所 店C visited in Q3 only → 0/1, nothing due."""
    with Session(get_engine(db_url)) as s:
        f = Factory(s)
        a = f.station("明水所", lat=36.717, lon=117.537)
        b = f.station("双山所", lat=36.690, lon=117.530)
        f.station("垛庄所")
        ind = f.indicator("示范创建")
        f.target(a, ind, 100)
        f.target(b, ind, 26)
        f.progress(a, ind, 9, 70)
        f.progress(a, ind, 10, 80)
        f.progress(b, ind, 10, 18)
        cadre = f.cadre("张某", "乡", a)
        b1 = f.business("店A", a, risk_level="C")
        b2 = f.business("店B", a)
        b3 = f.business("店C", b)
        for biz in (b1, b2, b3):
            f.assign(cadre, biz)
        v = f.visit(cadre, b1, D(2022, 10, 5), "现场")
        f.visit(cadre, b3, D(2022, 8, 1), "电话询问")
        f.problem(v, deadline=D(2022, 10, 10))
        s.flush()
        yield s
        s.rollback()


def test_station_map_frame_from_frames_the_caller_has_is_the_same(small_session):
    """components.data passes its cached task_progress and station 包保 frames: the same map frame as computed."""
    from services import metrics

    period = {"year": 2022, "month": 10, "as_of": OCT31}
    tasks = metrics.task_progress(session=small_session, **period)
    bb = metrics.baobao(session=small_session, by="station", **period)
    pd.testing.assert_frame_equal(places.station_map_frame(session=small_session, tasks=tasks, baobao=bb, **period),
                                  places.station_map_frame(session=small_session, **period))


def test_station_map_frame_small_database(small_session):
    df = places.station_map_frame(session=small_session, year=2022, month=10, as_of=OCT31)
    assert list(df.columns) == places.MAP_COLUMNS
    assert list(df["station"]) == ["明水所", "双山所", "垛庄所"]
    a, b, c = (df.iloc[i] for i in range(3))

    assert (a.lat, a.lon, a.coord_precision) == (36.717, 117.537, "近似")
    assert a.task_rate == pytest.approx(0.8) and a.task_expected_rate == pytest.approx(P304)
    assert a.mean_lag_pp == pytest.approx((0.8 - P304) * 100)
    assert (a.task_status, a.lag_status) == ("amber", "amber")
    assert (a.n_assigned, a.n_done) == (2, 1) and a.baobao_completion_rate == pytest.approx(0.5)
    assert a.quarter_progress == pytest.approx(Q4_OCT) and a.baobao_status == "green"
    assert (a.n_prob_overdue, a.n_prob_due, a.overdue_status) == (1, 1, "red")

    assert b.task_rate == pytest.approx(18 / 26) and (b.task_status, b.lag_status) == ("red", "red")
    assert (b.n_assigned, b.n_done, b.baobao_status) == (1, 0, "red")
    assert (b.n_prob_overdue, b.n_prob_due, b.overdue_status) == (0, 0, "green")

    # A station with nothing at all: no position, no rates, every status grey — never a made-up 0%.
    assert math.isnan(c.lat) and math.isnan(c.lon)
    assert math.isnan(c.task_rate) and math.isnan(c.mean_lag_pp) and math.isnan(c.baobao_completion_rate)
    assert (c.task_status, c.lag_status, c.baobao_status, c.overdue_status) == ("grey",) * 4
    assert (c.n_prob_overdue, c.n_assigned) == (0, 0)


@pytest.mark.parametrize(
    ("overdue", "due", "businesses", "expected"),
    [(0, 0, 0, "grey"), (0, 0, 3, "green"), (0, 5, 3, "green"), (1, 10, 3, "amber"), (2, 10, 3, "red"),
     (1, 1, 1, "red")],
)
def test_overdue_status(overdue, due, businesses, expected):
    assert places.overdue_status(overdue, due, businesses) == expected
