"""地图: stations on the district outline, coloured by a chosen figure; pick a station to see its figures."""

import streamlit as st

from components import data, map_layers, period
from services import metrics, narrative
from services.rules import fmt, pacing

p = period.current()
st.title("地图")
st.caption(f"{p.label}｜数据截至{p.as_of.year}年{p.as_of.month}月{p.as_of.day}日")

frame = data.station_map(year=p.year, month=p.month, as_of=p.as_of)
if frame.empty:
    st.info("数据库中还没有监管所。可用 `python -m seed import 监管所.xlsx` 导入。")
    st.stop()

metric = st.segmented_control("着色指标", map_layers.METRIC_LABELS, default=map_layers.METRIC_LABELS[0],
                              key="map_metric", required=True)
st.markdown(map_layers.LEGEND_LEAD + map_layers.legend_colours(frame, metric))
window = data.cached(metrics.task_window, year=p.year)
st.caption(f"{map_layers.METRICS[metric].note}。"
           + fmt.md_escape(narrative.pace_basis(window, pacing.ref_date(p.year, p.month, p.as_of))))

ids = dict(zip(frame["station"], frame["station_id"], strict=True))
# A click on the map picks the station shown below: copy it into the list before the list is drawn.
picked = map_layers.selected_station(st.session_state.get("station_map"), frame)
if picked is not None and picked != st.session_state.get("_map_picked"):
    st.session_state["map_station"] = picked
st.session_state["_map_picked"] = picked

boundary, areas = data.map_geometry()
if boundary is None:
    st.warning("离线边界数据中没有本区县，地图只显示监管所位置。")
deck = map_layers.build_deck(frame, metric=metric, boundary=boundary, areas=areas, height=map_layers.FIT_HEIGHT,
                             selected_station_id=ids.get(st.session_state.get("map_station")))
st.caption(map_layers.APPROXIMATE)
with st.container(key=map_layers.MAP_FRAME):  # its height follows the screen (components/responsive.py)
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="station_map",
                    height=map_layers.MAP_HEIGHT)
missing = map_layers.unlocated(frame)
if missing:
    st.warning(f"{len(missing)}个监管所没有坐标，未在图上显示：{'、'.join(fmt.md_escape(name) for name in missing)}")

station = st.selectbox("监管所", list(ids), index=None, placeholder="在图上点选或在此选择", key="map_station")
if station is not None:
    st.subheader(fmt.md_escape(station))
    map_layers.show_station(map_layers.station_row(frame, station), key="map_station_cards")
