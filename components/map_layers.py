"""The station map: pydeck layers and deck (no basemap), the metric definitions and legend, and the station cards."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import streamlit as st
from shapely.geometry import shape

from services import narrative
from services.rules import fmt
from services.rules.style import (
    BOUNDARY_RGBA,
    FONT,
    STATUS_LABELS,
    STATUS_MD,
    STATUS_ORDER,
    status_rgba,
)

DOTS = {"green": "●", "amber": "●", "red": "●", "grey": "○"}  # no emoji: a kiosk's Chromium may lack the font
LAYER_IDS = {"boundary": "district_boundary", "areas": "service_areas", "stations": "stations",
             "labels": "station_labels", "selected": "selected_station"}
APPROXIMATE = "监管所位置与服务范围均为近似（误差约5–8公里），仅示意"
AREA_TIP = "服务范围为近似（按最近监管所划分），仅示意"
MAP_HEIGHT = 720  # px the chart asks for; components/responsive.py sizes the MAP_FRAME to the screen's height
# The opening zoom fits the district into this height (one zoom for every screen: the spec cannot ask the browser
# for its size): 章丘区 is then ~520 px tall and ~377 px wide, the width of a phone.
FIT_HEIGHT = 620
MAP_FRAME = "map_frame"  # the container key around the 地图 page's chart


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _signed_pp(x) -> str:
    if _missing(x):
        return fmt.MISSING
    r = fmt.round_half_up(x)
    return f"{'+' if r > 0 else ''}{r if r != 0 else 0.0:.1f}个百分点"


@dataclass(frozen=True)
class MapMetric:
    label: str
    value: str  # column of places.station_map_frame
    status: str  # its status column
    text: Callable[[pd.Series], str]  # the figure as one line of plain text (tooltip and legend)
    status_labels: dict[str, str]
    note: str  # how the colour is decided


def _task_text(r: pd.Series) -> str:
    text = f"任务完成率 {fmt.pct(r['task_rate'])}（应达 {fmt.pct(r['task_expected_rate'])}）"
    if _missing(r.get("worst_indicator")):
        return text
    return f"{text}；最差：{r['worst_indicator']} {narrative.signed_pp(r['worst_lag_pp'])}"


def _lag_text(r: pd.Series) -> str:
    """ "最差：示范创建 −19.1个百分点（平均 −1.6个百分点）": the station's status is this indicator's."""
    if _missing(r.get("worst_indicator")):
        return "无任务"
    return (f"最差：{r['worst_indicator']} {narrative.signed_pp(r['worst_lag_pp'])}"
            f"（平均 {narrative.signed_pp(r['mean_lag_pp'])}）")


def _baobao_text(r: pd.Series) -> str:
    return f"包保督导完成率 {fmt.pct(r['baobao_completion_rate'])}（季度时间进度 {fmt.pct(r['quarter_progress'])}）"


def _overdue_text(r: pd.Series) -> str:
    return f"逾期未整改问题 {int(r['n_prob_overdue'])}个（到期问题 {int(r['n_prob_due'])}个）"


METRICS: dict[str, MapMetric] = {
    m.label: m
    for m in (
        MapMetric("任务完成率", "task_rate", "task_status", _task_text, STATUS_LABELS,
                  "数值为各指标完成率的平均，对照时序进度（应达）；颜色为该所最差一项指标的状态"),
        MapMetric("进度差", "worst_lag_pp", "lag_status", _lag_text, STATUS_LABELS,
                  "颜色与数值为该所最差一项指标的状态与进度差（与排名图一致），括号内为各指标的平均"),
        MapMetric("包保督导完成率", "baobao_completion_rate", "baobao_status", _baobao_text,
                  {**STATUS_LABELS, "grey": "无包保任务"}, "本季度至今，对照季度时间进度"),
        MapMetric("逾期问题", "n_prob_overdue", "overdue_status", _overdue_text,
                  {"green": "无逾期", "amber": "逾期≤10%", "red": "逾期>10%", "grey": "无包保主体"},
                  "截至统计日已过整改期限仍未整改的问题；比例为逾期问题占到期问题"),
    )
}
METRIC_LABELS = list(METRICS)


LEGEND_LEAD = "图例（圆点为监管所，色块为其近似服务范围）："
SWATCH = "■"  # the colour of a station's dot and of its area


def legend_items(frame: pd.DataFrame, metric: str) -> list[tuple[str, str, int]]:
    """(status, label, number of stations) for every colour of the metric: all but grey always, grey when shown."""
    m = METRICS[metric]
    counts = frame[m.status].value_counts()
    return [(s, m.status_labels[s], int(counts.get(s, 0))) for s in STATUS_ORDER
            if s != "grey" or counts.get(s, 0)]


def legend_colours(frame: pd.DataFrame, metric: str) -> str:
    """Markdown: each colour with its status and number of stations (":red[■] 明显滞后 10个所　…")."""
    return "　".join(f":{STATUS_MD[s]}[{SWATCH}] {label} {n}个所" for s, label, n in legend_items(frame, metric))


def legend(frame: pd.DataFrame, metric: str) -> str:
    """One Markdown line: the colours (legend_colours), then how the colour is decided."""
    return f"{legend_colours(frame, metric)}｜{METRICS[metric].note}"


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(subset=["lat", "lon"])


def station_records(frame: pd.DataFrame, metric: str) -> list[dict]:
    """Plain records for the station layers: names, position, colour and tooltip lines (no NaN: JSON has none)."""
    m = METRICS[metric]
    rows = []
    for r in _located(frame).to_dict("records"):  # plain dicts: iterrows builds a Series per station
        status = r[m.status]
        rows.append({
            "station": str(r["station"]),
            "station_id": int(r["station_id"]),
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
            "color": status_rgba(status),
            "figure": m.text(r),
            "status_label": f"{DOTS.get(status, '○')} {m.status_labels.get(status, '')}",
            "note": f"位置{r['coord_precision']}" if isinstance(r["coord_precision"], str) else "",
        })
    return rows


def build_boundary_layer(boundary: dict) -> pdk.Layer:
    """The district outline: the only "map" under the stations, drawn from bundled data (no basemap)."""
    return pdk.Layer(
        "GeoJsonLayer",
        data={"type": "Feature", "geometry": boundary, "properties": {"name": "district"}},
        id=LAYER_IDS["boundary"],
        stroked=True,
        filled=False,
        get_line_color=BOUNDARY_RGBA,
        line_width_units='"pixels"',
        get_line_width=2.5,
        pickable=False,
    )


AREA_ALPHA = 80  # an area's fill: its station's status colour, light enough for the names on it


def area_properties(feature: dict, by_id: dict[int, dict]) -> dict:
    """A service area's properties with its station's status colour and tooltip lines (grey when not on the map)."""
    props = feature["properties"]
    rec = by_id.get(int(props.get("station_id", -1)))
    fill = (rec["color"][:3] if rec else status_rgba("grey")[:3]) + [AREA_ALPHA]
    return {**props, "fill": fill, "figure": rec["figure"] if rec else "", "status_label": rec["status_label"] if rec
            else "", "note": AREA_TIP}


def build_area_layer(areas: dict, records: list[dict] | None = None) -> pdk.Layer:
    """Approximate service areas, each filled in its station's status colour (records: station_records) with a
    thin dashed outline; the tooltip gives the station's figure and says the area is approximate."""
    by_id = {r["station_id"]: r for r in records or []}
    data = {
        "type": "FeatureCollection",
        "features": [{**f, "properties": area_properties(f, by_id)} for f in areas["features"]],
    }
    return pdk.Layer(
        "GeoJsonLayer",
        data=data,
        id=LAYER_IDS["areas"],
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=BOUNDARY_RGBA[:3] + [120],
        line_width_units='"pixels"',
        get_line_width=1,
        extensions=[{"@@type": "PathStyleExtension", "dash": True}],
        get_dash_array=[4, 3],
        dash_justified=True,
        pickable=True,
        auto_highlight=True,
        highlight_color=BOUNDARY_RGBA[:3] + [40],
    )


def build_station_layer(records: list[dict]) -> pdk.Layer:
    """One dot per station, coloured by the chosen metric's status."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id=LAYER_IDS["stations"],
        get_position=["lon", "lat"],
        get_fill_color="color",
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1.5,
        radius_units='"pixels"',
        get_radius=DOT_RADIUS,
        pickable=True,
        auto_highlight=True,
    )


LABEL_SIZE = 13  # px
DOT_RADIUS = 8  # px
# Around another station's dot, a name may not come this close either: a name ending right beside a dot reads as that
# dot's name (the 大屏 had 枣园所 left of its own dot, just right of 龙山所's).
DOT_GAP = 6  # px
# Where a name may sit beside its dot, in order of preference: right, left, above, below.
LABEL_SPOTS = (
    ("start", "center", (DOT_RADIUS + 4, 0)),
    ("end", "center", (-(DOT_RADIUS + 4), 0)),
    ("middle", "bottom", (0, -(DOT_RADIUS + 3))),
    ("middle", "top", (0, DOT_RADIUS + 3)),
)


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def place_labels(records: list[dict], zoom: float) -> list[dict]:
    """Give each name the side of its dot that covers the fewest other dots and names at the opening zoom.

    Stations 3 km apart are ~20 px apart at the district's zoom; a name always above its dot would hide a
    neighbour (双山所 over 明水所). Zooming in only moves dots apart, so a clear start stays clear."""
    spots = _label_spots(tuple((str(r["station"]), float(r["lon"]), float(r["lat"])) for r in records), zoom)
    return [{**r, "anchor": anchor, "baseline": baseline, "offset": list(offset)}
            for r, (anchor, baseline, offset) in zip(records, spots, strict=True)]


GRID = 64.0  # px: the cells of the spatial index below (a name box is at most a few cells wide)


def _cells(box: tuple) -> list[tuple[int, int]]:
    return [(cx, cy) for cx in range(math.floor(box[0] / GRID), math.floor(box[2] / GRID) + 1)
            for cy in range(math.floor(box[1] / GRID), math.floor(box[3] / GRID) + 1)]


@functools.lru_cache(maxsize=32)  # keyed by names and places: the same on every rerun
def _label_spots(stations: tuple[tuple[str, float, float], ...], zoom: float) -> tuple:
    """Each station's (anchor, baseline, offset). Overlaps are looked up in a grid of GRID-px cells, so only the dots
    and names near a box are compared (a province's 1,800 stations took 14 s comparing every pair); the sums add the
    same non-zero overlaps in the same order as comparing all, so the choice is the same."""
    scale = 512 * 2**zoom / (2 * math.pi)
    pts = [(scale * math.radians(lon), -scale * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
           for _, lon, lat in stations]
    r = DOT_RADIUS + DOT_GAP
    dots = [(x - r, y - r, x + r, y + r) for x, y in pts]
    dot_grid: dict[tuple[int, int], list[int]] = {}
    for j, d in enumerate(dots):
        for c in _cells(d):
            dot_grid.setdefault(c, []).append(j)
    # Crowded stations choose first, while most sides are still free (neighbours within 60 px, the point itself too).
    near: dict[tuple[int, int], list[int]] = {}
    for j, (x, y) in enumerate(pts):
        near.setdefault((math.floor(x / 60), math.floor(y / 60)), []).append(j)
    crowd = []
    for x, y in pts:
        cx, cy = math.floor(x / 60), math.floor(y / 60)
        crowd.append(sum(math.dist((x, y), pts[j]) < 60 for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                         for j in near.get((cx + dx, cy + dy), ())))
    order = sorted(range(len(stations)), key=lambda i: -crowd[i])
    placed: list[tuple] = []
    placed_grid: dict[tuple[int, int], list[int]] = {}
    spots: dict[int, tuple] = {}
    for i in order:
        x, y = pts[i]
        w, h = len(stations[i][0]) * LABEL_SIZE + 8, LABEL_SIZE + 4
        best = None
        for rank, (anchor, baseline, (dx, dy)) in enumerate(LABEL_SPOTS):
            left = x + dx - {"start": 0, "end": w, "middle": w / 2}[anchor]
            top = y + dy - {"center": h / 2, "bottom": h, "top": 0}[baseline]
            box = (left, top, left + w, top + h)
            cells = _cells(box)
            near_dots = sorted({j for c in cells for j in dot_grid.get(c, ())} - {i})
            near_names = sorted({k for c in cells for k in placed_grid.get(c, ())})
            cost = sum(_overlap(box, dots[j]) for j in near_dots) + sum(_overlap(box, placed[k]) for k in near_names)
            if best is None or (cost, rank) < best[0]:
                best = ((cost, rank), box, anchor, baseline, (dx, dy))
        for c in _cells(best[1]):
            placed_grid.setdefault(c, []).append(len(placed))
        placed.append(best[1])
        spots[i] = best[2:]
    return tuple(spots[i] for i in range(len(stations)))


def build_label_layer(records: list[dict]) -> pdk.Layer:
    """Station names in Chinese: characterSet "auto" makes deck.gl build its glyph atlas from the names.

    Records carry anchor, baseline and offset (see place_labels)."""
    return pdk.Layer(
        "TextLayer",
        data=records,
        id=LAYER_IDS["labels"],
        get_position=["lon", "lat"],
        get_text="station",
        # pydeck turns bare strings into expressions ("@@=auto"); quoted ones are sent as plain strings.
        character_set='"auto"',
        font_family=f'"{FONT}"',
        get_size=LABEL_SIZE,
        size_units='"pixels"',
        get_color=[28, 36, 48, 255],
        get_text_anchor="anchor",
        get_alignment_baseline="baseline",
        get_pixel_offset="offset",
        background=True,
        get_background_color=[255, 255, 255, 210],
        background_padding=[3, 1, 3, 1],
        pickable=False,
    )


def build_selected_layer(records: list[dict], station_id: int | None) -> pdk.Layer:
    """A ring around the station chosen in the list below the map."""
    picked = [r for r in records if station_id is not None and r["station_id"] == station_id]
    return pdk.Layer(
        "ScatterplotLayer",
        data=picked,
        id=LAYER_IDS["selected"],
        get_position=["lon", "lat"],
        stroked=True,
        filled=False,
        get_line_color=[28, 36, 48, 255],
        line_width_min_pixels=2.5,
        radius_units='"pixels"',
        get_radius=DOT_RADIUS + 6,
        pickable=False,
    )


def fit_view(bounds: tuple[float, float, float, float], *, width: int = 900, height: int = 620,
             padding: float = 0.08) -> pdk.ViewState:
    """Centre and zoom so the bbox (min lon, min lat, max lon, max lat) fills the chart (Web Mercator, 512px tiles)."""
    x0, y0, x1, y1 = bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(x1 - x0, 1e-6) / 360
    span_y = max(merc(y1) - merc(y0), 1e-6) / (2 * math.pi)
    usable = 1 - 2 * padding
    zoom = math.log2(min(width * usable / (512 * span_x), height * usable / (512 * span_y)))
    lat_c = math.degrees(2 * math.atan(math.exp((merc(y0) + merc(y1)) / 2)) - math.pi / 2)
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=lat_c, zoom=round(zoom, 2), min_zoom=6, max_zoom=14,
                         pitch=0, bearing=0)


TOOLTIP = {
    # The markup is ours; every {field} is data (a station name can be anything an import wrote). Streamlit
    # (1.67, DeckGlJsonChart's tooltip interpolation) HTML-escapes & < > " ' in each value it puts into "html",
    # so the records carry the raw names: escaping them here as well would show "&lt;" on the map.
    # tests/browser/test_xss.py hovers a station named <img … onerror=…> and checks the tooltip shows it as text.
    "html": "<b>{station}</b><br/>{figure}<br/>{status_label}<br/><small>{note}</small>",
    "style": {"fontFamily": FONT, "fontSize": "13px", "backgroundColor": "#1c2430", "color": "#ffffff"},
}


def build_deck(frame: pd.DataFrame, *, metric: str, boundary: dict | None, areas: dict | None,
               selected_station_id: int | None = None, height: int = 620) -> pdk.Deck:
    """The whole map: outline, service areas, stations and names, with no basemap (works offline)."""
    records = station_records(frame, metric)
    if boundary:
        bounds = shape(boundary).bounds
    elif records:
        lons = [r["lon"] for r in records]
        lats = [r["lat"] for r in records]
        bounds = (min(lons), min(lats), max(lons), max(lats))
    else:
        bounds = (117.18, 36.44, 117.75, 37.07)  # 章丘区, so an empty map still opens on the district
    view = fit_view(bounds, height=height)
    layers = []
    if areas and areas.get("features"):
        layers.append(build_area_layer(areas, records))
    if boundary:
        layers.append(build_boundary_layer(boundary))
    # Names under the dots: a name may brush a neighbour's dot, but never hide it.
    layers += [build_label_layer(place_labels(records, view.zoom)), build_selected_layer(records, selected_station_id),
               build_station_layer(records)]
    # map_provider=None and map_style left at its default: pydeck then sends the "__MAP_STYLE__" sentinel and
    # Streamlit draws no basemap. map_style=None would make Streamlit fall back to Carto tiles, which need the internet.
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None,
                    tooltip=TOOLTIP)


def unlocated(frame: pd.DataFrame) -> list[str]:
    """Stations the map cannot place (no coordinates), to be named under it."""
    return list(frame.loc[frame["lat"].isna() | frame["lon"].isna(), "station"])


def station_row(frame: pd.DataFrame, station: str) -> pd.Series:
    return frame[frame["station"] == station].iloc[0]


def selected_station(state, frame: pd.DataFrame) -> str | None:
    """The name of the station picked on the map, or None."""
    sid = selected_station_id(state, frame)
    return None if sid is None else str(frame.loc[frame["station_id"] == sid, "station"].iloc[0])


def selected_station_id(state, frame: pd.DataFrame) -> int | None:
    """The station picked on the map (a dot or its service area), from the chart's selection state."""
    try:
        objects = state["selection"]["objects"]
    except (KeyError, TypeError):
        return None
    for layer in (LAYER_IDS["stations"], LAYER_IDS["areas"]):
        for obj in objects.get(layer) or []:
            sid = obj.get("station_id", (obj.get("properties") or {}).get("station_id"))
            if sid is not None and int(sid) in set(frame["station_id"]):
                return int(sid)
    return None


DELTA_COLORS = {"green": "green", "amber": "orange", "red": "red", "grey": "gray"}


def show_station(row: pd.Series, *, key: str) -> None:
    """The chosen station's four figures as metric cards; each card's coloured line is its status."""
    cards = [
        ("任务完成率", fmt.pct(row["task_rate"]), f"应达{fmt.pct(row['task_expected_rate'])}"),
        ("进度差", _signed_pp(row["worst_lag_pp"]),
         f"最差：{row['worst_indicator']}，平均{_signed_pp(row['mean_lag_pp'])}"
         if not _missing(row["worst_indicator"]) else "无任务"),
        ("包保督导完成率", fmt.pct(row["baobao_completion_rate"]), f"季度时间进度{fmt.pct(row['quarter_progress'])}"),
        ("逾期问题", f"{int(row['n_prob_overdue'])}个", f"到期问题{int(row['n_prob_due'])}个"),
    ]
    with st.container(key=key):
        for col, (label, value, reference) in zip(st.columns(len(cards)), cards, strict=True):
            m = METRICS[label]
            status = row[m.status]
            note = m.note
            if label == "包保督导完成率":
                note += f"；已完成{int(row['n_done'])}家，应督导{int(row['n_assigned'])}家"
            col.metric(label, value, delta=m.status_labels.get(status, ""), delta_color=DELTA_COLORS.get(status, "gray"),
                       delta_arrow="off", delta_description=reference, border=True, help=note)
