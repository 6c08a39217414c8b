"""The map page through app.py: an offline deck (no basemap), Chinese station names, and a station's figures."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlmodel import Session

from components import map_layers
from db.engine import dispose_engines, get_engine
from db.models import Station
from seed.build_data import STATIONS
from services.rules.style import status_rgba
from tests.pages.conftest import fresh_app

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

PAGE = "app_pages/map.py"
APPROXIMATE = "监管所位置与服务范围均为近似（误差约5–8公里），仅示意"


def open_map(url: str, monkeypatch):
    at = fresh_app(url, monkeypatch).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_spec(at) -> tuple[dict, str, str]:
    proto = at.get("deck_gl_json_chart")[0].proto
    return json.loads(proto.json), proto.json, proto.tooltip


def legend_of(at) -> str:
    """The colours of the legend above the map (without its lead-in)."""
    line = next(m.value for m in at.markdown if m.value.startswith(map_layers.LEGEND_LEAD))
    return line.removeprefix(map_layers.LEGEND_LEAD)


def layer(spec: dict, layer_id: str) -> dict:
    return next(lyr for lyr in spec["layers"] if lyr["id"] == layer_id)


@pytest.fixture
def small_with_places(small_url):
    """The small page database, with 明水所 and 双山所 at their approximate seats."""
    with Session(get_engine(small_url)) as s:
        for name, lat, lon in (("明水所", 36.717, 117.537), ("双山所", 36.690, 117.530)):
            s.exec(update(Station).where(Station.name == name).values(lat=lat, lon=lon))
        s.commit()
    dispose_engines()
    return small_url


def test_demo_map_is_drawn_offline_with_every_station(demo_url, monkeypatch):
    at = open_map(demo_url, monkeypatch)
    assert [t.value for t in at.title] == ["地图"]
    # The frame ran around the page. It does not when a pages/ directory sits next to app.py: Streamlit then runs
    # pages/map.py on its own (the old multipage mode) for the /map URL, without banner, period or navigation.
    assert any("示例数据" in w.value for w in at.warning), "app.py did not run around the page (pages/ directory?)"
    spec, raw, tooltip = deck_spec(at)

    # No basemap: no provider, pydeck's "unset" sentinel for the style, and no tile or style URL anywhere.
    assert spec.get("mapProvider") is None
    assert spec["mapStyle"] == "__MAP_STYLE__"
    for host in ("mapbox", "cartocdn", "carto.com", "http://", "https://"):
        assert host not in raw.lower()

    ids = [lyr["id"] for lyr in spec["layers"]]
    assert {"district_boundary", "service_areas", "stations", "station_labels"} <= set(ids)
    assert layer(spec, "district_boundary")["getLineColor"] == [31, 95, 168, 255]
    names = [r["station"] for r in layer(spec, "stations")["data"]]
    assert sorted(names) == sorted(name for name, *_ in STATIONS)
    labels = layer(spec, "station_labels")
    assert labels["characterSet"] == "auto"  # a bare "auto" would reach deck.gl as the expression "@@=auto"
    assert "Noto Sans CJK SC" in labels["fontFamily"]
    assert len(layer(spec, "service_areas")["data"]["features"]) == 18
    view = spec["initialViewState"]
    assert 117.3 < view["longitude"] < 117.6 and 36.6 < view["latitude"] < 36.9 and 8 < view["zoom"] < 11

    # The tooltip template is ours; names reach it only through Streamlit's escaped {field} interpolation.
    tip = json.loads(tooltip)
    assert "{station}" in tip["html"] and not any(name in tip["html"] for name in names)

    assert any(APPROXIMATE in c.value for c in at.caption)
    # The legend names every colour with its number of stations: 13 red, none amber, 5 green of the 18.
    assert legend_of(at) == ":red[■] 明显滞后 13个所　:orange[■] 略有滞后 0个所　:green[■] 达到进度 5个所"


def test_the_service_areas_are_coloured_by_their_stations_status(demo_url, monkeypatch):
    at = open_map(demo_url, monkeypatch)
    spec, _, _ = deck_spec(at)
    dots = {r["station_id"]: r["color"][:3] for r in layer(spec, "stations")["data"]}
    areas = layer(spec, "service_areas")
    assert areas["getFillColor"] == "@@=properties.fill"
    fills = {f["properties"]["station_id"]: f["properties"]["fill"] for f in areas["data"]["features"]}
    assert len(fills) == 18 and all(fill[3] == map_layers.AREA_ALPHA for fill in fills.values())
    assert {sid: fill[:3] for sid, fill in fills.items()} == dots
    red = status_rgba("red")[:3]
    assert sum(fill[:3] == red for fill in fills.values()) == 13  # as the legend counts them
    # An area's tooltip is its station's: the figure and the status, and that the area is approximate.
    feature = next(f for f in areas["data"]["features"] if f["properties"]["station"] == "明水所")
    assert feature["properties"]["figure"].startswith("任务完成率 ")
    assert feature["properties"]["note"] == map_layers.AREA_TIP

    at.segmented_control(key="map_metric").set_value("包保督导完成率").run()
    spec, _, _ = deck_spec(at)
    dots = {r["station_id"]: r["color"][:3] for r in layer(spec, "stations")["data"]}
    fills = {f["properties"]["station_id"]: f["properties"]["fill"][:3]
             for f in layer(spec, "service_areas")["data"]["features"]}
    assert fills == dots


def test_choose_a_station_and_a_metric(small_with_places, monkeypatch):
    at = open_map(small_with_places, monkeypatch)
    assert not at.metric  # nothing chosen yet
    assert at.segmented_control(key="map_metric").value == "任务完成率"
    spec, _, _ = deck_spec(at)
    colours = {r["station"]: r["color"] for r in layer(spec, "stations")["data"]}
    assert colours == {"明水所": status_rgba("amber"), "双山所": status_rgba("red")}  # 80.0% and 69.2% of 83.3%
    assert legend_of(at) == ":red[■] 明显滞后 1个所　:orange[■] 略有滞后 1个所　:green[■] 达到进度 0个所"

    at.selectbox(key="map_station").select("明水所").run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["明水所"]
    cards = {m.label: (m.value, m.delta, m.proto.delta_description) for m in at.metric}
    assert cards == {
        "任务完成率": ("80.0%", "略有滞后", "应达83.3%"),
        "进度差": ("-3.3个百分点", "略有滞后", "最差：示范创建，平均-3.3个百分点"),
        "包保督导完成率": ("50.0%", "达到进度", "季度时间进度33.7%"),  # 店A of 店A, 店B; 31 of 92 days
        "逾期问题": ("1个", "逾期>10%", "到期问题1个"),
    }
    spec, _, _ = deck_spec(at)
    assert [r["station"] for r in layer(spec, "selected_station")["data"]] == ["明水所"]

    at.segmented_control(key="map_metric").set_value("逾期问题").run()
    assert not at.exception
    spec, _, _ = deck_spec(at)
    rows = {r["station"]: r for r in layer(spec, "stations")["data"]}
    assert rows["明水所"]["color"] == status_rgba("red") and rows["双山所"]["color"] == status_rgba("green")
    assert rows["明水所"]["figure"] == "逾期未整改问题 1个（到期问题 1个）"
    assert at.subheader[0].value == "明水所"  # the chosen station stays chosen
    assert legend_of(at) == ":red[■] 逾期>10% 1个所　:orange[■] 逾期≤10% 0个所　:green[■] 无逾期 1个所"
    help_ = next(m.help for m in at.metric if m.label == "包保督导完成率")
    assert "已完成1家，应督导2家" in help_


def test_stations_without_coordinates_are_named(small_url, monkeypatch):
    at = open_map(small_url, monkeypatch)
    assert any("2个监管所没有坐标" in w.value and "明水所、双山所" in w.value for w in at.warning)
    spec, _, _ = deck_spec(at)
    assert layer(spec, "stations")["data"] == [] and "district_boundary" in [lyr["id"] for lyr in spec["layers"]]


def test_a_click_on_a_dot_or_an_area_picks_the_station():
    import pandas as pd

    frame = pd.DataFrame({"station_id": [1, 2], "station": ["明水所", "双山所"]})
    dot = {"selection": {"indices": {"stations": [1]}, "objects": {"stations": [{"station_id": 2}]}}}
    area = {"selection": {"indices": {"service_areas": [0]},
                          "objects": {"service_areas": [{"properties": {"station_id": 1}}]}}}
    assert map_layers.selected_station_id(dot, frame) == 2
    assert map_layers.selected_station_id(area, frame) == 1
    assert map_layers.selected_station_id({"selection": {"indices": {}, "objects": {}}}, frame) is None
    assert map_layers.selected_station_id(None, frame) is None
    assert map_layers.selected_station(dot, frame) == "双山所"


def test_the_map_reuses_the_station_baobao_frame_the_overview_computed(small_url, monkeypatch):
    """The 包保 aggregate is the slow one at city scale: 总览 then 地图 run it once, not once a page."""
    from services import metrics

    calls = []
    real = metrics.baobao

    def counted(**kwargs):
        calls.append(kwargs.get("by"))
        return real(**kwargs)

    monkeypatch.setattr(metrics, "baobao", counted)
    at = fresh_app(small_url, monkeypatch).run()  # 总览, the leader's first page
    assert not at.exception and calls.count("station") == 1, calls
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert calls.count("station") == 1, calls
    assert at.get("deck_gl_json_chart")
