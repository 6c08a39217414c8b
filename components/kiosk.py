"""The 大屏: an unattended carousel of panels for a wall screen — its URL and office settings, the rotation fragment,
the dark large-type styling and the five panels (kpi, tasks, baobao, map, duban), built from the pages' builders.

The rotation is one `st.fragment(run_every=…)`: the browser's timer reruns only the fragment, which reads its
figures through components.data (cached by data_version, so an import shows on the next panel) and the clock
(AS_OF, or today, so the period follows the calendar). The session keeps one integer, the panel index.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from components import auth as ui_auth
from components import data, map_layers, views
from components.gauge import build_gauge, gauge_caption
from components.kiosk_style import BG, BORDER, CARD, CHART_WIDTH, GRID, MUTED, TEXT, apply_style  # noqa: F401 - palette re-exported
from services import kiosk as kiosk_db
from services import metrics, narrative, overview
from services.rules import fmt, pacing
from services.rules.duban import duban_tasks
from services.rules.permissions import KIOSK, can
from services.rules.style import FONT, PACE_LINE, STATUS_COLORS, STATUS_LABELS, STATUS_ORDER, TRACK
from services.rules.viewer import Viewer

INDEX_KEY = "kiosk_index"  # the only rotation state in the session: the index of the panel shown last
PAGE = "大屏"
PARAM_MAX = 200  # characters of a URL parameter looked at: a pasted mistake cannot grow the work or the note
MAP_METRIC = "任务完成率"
DUBAN_ROWS = 15  # lagging station × indicator rows that fit the screen at kiosk size
OVERDUE_ROWS = 15

# Colours the shared builders draw for a light page, and what they become on the dark screen.
RECOLOR = {"#1c2430": TEXT, PACE_LINE.lower(): TEXT, "#5b6775": MUTED, TRACK.lower(): "#2c4259"}
CHART_FONT = 20  # px: axis labels and chart text read from across a room
GAUGE_SIZE = 190
GAUGE_WIDTH = 290  # the card's width at 1920 px (five a row): the arc centred, "目标… 应达…" on one line at CHART_FONT
KPI_PER_ROW = 5  # 13 KPIs in three rows of cards ~370 px wide
BARS_HEIGHT = 540  # px: the 包保 station bars at 1920×1080
VALUE_FONT = 18  # px: the figure at a bar's end
ROW_GAP = 10  # px at least between the figures of neighbouring bars
STATUS_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}  # worst first: 明显滞后, 略有滞后, 未报, 达到进度


# --- what to show: the URL over the office's settings --------------------------------------------


@dataclass(frozen=True)
class KioskView:
    interval: int  # seconds between panels
    panels: tuple[str, ...]  # panel ids in order
    notes: tuple[str, ...] = ()  # plain text (Markdown-escape before drawing): what in the URL was not used


def _param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return None if value is None else str(value)[:PARAM_MAX]


def parse(params: Mapping[str, Any], defaults: kiosk_db.KioskSettings) -> KioskView:
    """?rotate=SECONDS&panels=id,id over the office's settings: the interval is clamped to 3–3600 s, unknown
    panel ids are left out and named in a note, an empty list falls back to the settings."""
    notes: list[str] = []
    interval = defaults.interval
    raw = (_param(params, "rotate") or "").strip()
    if raw:
        try:
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
        except ValueError:
            notes.append(f"轮播间隔“{raw[:20]}”不是秒数，已按{defaults.interval}秒轮播")
        else:
            interval = min(max(round(value), kiosk_db.MIN_INTERVAL), kiosk_db.MAX_INTERVAL)
            if value < kiosk_db.MIN_INTERVAL:
                notes.append(f"轮播间隔最短{kiosk_db.MIN_INTERVAL}秒，已按{kiosk_db.MIN_INTERVAL}秒轮播")
            elif value > kiosk_db.MAX_INTERVAL:
                notes.append(f"轮播间隔最长{kiosk_db.MAX_INTERVAL}秒，已按{kiosk_db.MAX_INTERVAL}秒轮播")
    panels = defaults.panels
    raw = (_param(params, "panels") or "").strip()
    if raw:
        ids = list(dict.fromkeys(p.strip().lower() for p in raw.replace("，", ",").split(",") if p.strip()))[:20]
        bad = [i for i in ids if i not in kiosk_db.PANELS]
        if bad:
            notes.append(f"已忽略未知的面板：{'、'.join(b[:20] for b in bad)}"
                         f"（可选：{'、'.join(kiosk_db.PANEL_IDS)}）")
        known = kiosk_db.panel_list(ids)
        if known:
            panels = known
        else:
            notes.append("网址中没有可用的面板，按系统设置轮播")
    return KioskView(interval=interval, panels=panels, notes=tuple(notes))


def next_index(previous: Any, n: int) -> int:
    """The panel after the one shown last (the first when none was, or the list has changed under it)."""
    if not isinstance(previous, int) or isinstance(previous, bool) or n <= 0:
        return 0
    return (previous + 1) % n


def settings() -> kiosk_db.KioskSettings:
    """The office's settings, read afresh (three rows by key): a change reaches the screens on their next panel."""
    return kiosk_db.kiosk_settings()


def current_view() -> KioskView:
    return parse(st.query_params.to_dict(), settings())


# --- the page -------------------------------------------------------------------------------------


def is_kiosk_token(who: Viewer) -> bool:
    return who.role == KIOSK


def show() -> None:
    """The 大屏 page: styling once per full run, then the rotating fragment."""
    who = ui_auth.principal()
    apply_style(bare=is_kiosk_token(who))
    view = current_view()
    st.fragment(run_every=view.interval)(_rotate)(view.interval)


def _rotate(interval: int) -> None:
    """One rotation: check the viewer, re-read the settings, advance the index, draw the header and the panel."""
    who = ui_auth.principal()
    if not can(who.role, PAGE):
        st.rerun()  # a disabled token or an ended login: the frame decides what this browser may see now
    conf = settings()
    view = parse(st.query_params.to_dict(), conf)
    if view.interval != interval:
        st.rerun()  # the office changed the interval: a full run rebuilds the fragment with the new timer
    i = next_index(st.session_state.get(INDEX_KEY), len(view.panels))
    st.session_state[INDEX_KEY] = i
    panel = view.panels[i]
    as_of = data.as_of()
    with st.container(key="kiosk-root"):
        header(panel, i, len(view.panels), as_of=as_of, stale_days=conf.stale_days, notes=view.notes)
        with st.container(key=f"kiosk-panel-{panel}"):
            PANELS[panel](as_of.year, as_of.month, as_of)


def header(panel: str, i: int, n: int, *, as_of: dt.date, stale_days: int, notes: tuple[str, ...] = ()) -> None:
    """Title, which panel of how many, the period and 数据截至; the 示例数据 banner, the stale-report warning."""
    title = kiosk_db.PANELS[panel]
    with st.container(key="kiosk-head", horizontal=True, vertical_alignment="bottom", gap="large"):
        st.markdown(f"第{i + 1}/{n}屏 · {title}", width="stretch")
        st.markdown(" ".join("●" if j == i else "○" for j in range(n)), width="content")
        st.markdown(f"{as_of.year}年{as_of.month}月 · 数据截至{fmt.date_label(as_of)}", width="content")
    alerts = []
    if data.is_demo_database():
        alerts.append((st.warning, "示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计"))
    latest = data.cached(kiosk_db.latest_report_date)
    if kiosk_db.stale(latest, as_of=as_of, days=stale_days):
        alerts.append((st.error, stale_text(latest, stale_days)))
    if alerts or notes:
        with st.container(key="kiosk-alerts", horizontal=True, gap="small"):
            for alert, text in alerts:
                alert(text, icon=":material/warning:")
            for note in notes:
                st.caption(fmt.md_escape(note))


def stale_text(latest: dt.date | None, days: int) -> str:
    if latest is None:
        return "尚未收到任何月报"
    return f"最新月报日期为{fmt.date_label(latest)}，已超过{days}天未收到新的月报，请核实各所上报情况"


# --- charts for a dark screen ---------------------------------------------------------------------


def _recolor(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _recolor(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_recolor(v) for v in node]
    if isinstance(node, str):
        return RECOLOR.get(node.lower(), node)
    return node


def _min_font(node: Any, size: int) -> None:
    """Raise every mark's fontSize to at least `size` (the shared builders use 11–13 px for a desk screen)."""
    if isinstance(node, dict):
        fs = node.get("fontSize")
        if isinstance(fs, int | float) and fs < size:
            node["fontSize"] = size
        for v in node.values():
            _min_font(v, size)
    elif isinstance(node, list):
        for v in node:
            _min_font(v, size)


def wide(spec: dict) -> dict:
    """A spec drawn CHART_WIDTH px wide in all (axes included), for st.vega_lite_chart(width="content")."""
    return {**spec, "width": CHART_WIDTH, "autosize": {"type": "fit", "contains": "padding"}}


def dark(chart: alt.TopLevelMixin, *, height: int | None = None, title: bool = True,
         font: int = CHART_FONT) -> dict:
    """A chart from the shared builders as a Vega-Lite spec for the dark screen: light text, dark tracks and
    grid, large labels; optionally a new height and no chart title (the panel writes the name itself)."""
    # The marks and config only: the data (names, figures) is never rewritten.
    spec = {k: v if k in ("datasets", "data") else _recolor(v) for k, v in chart.to_dict().items()}
    _min_font({k: v for k, v in spec.items() if k not in ("datasets", "data")}, font)
    if not title:
        spec.pop("title", None)
    if height is not None:
        spec["height"] = height
    spec["background"] = "transparent"
    config = spec.setdefault("config", {})
    config["font"] = FONT
    axis = {"titlePadding": 12, "labelColor": TEXT, "titleColor": MUTED, "gridColor": GRID, "domainColor": GRID, "tickColor": GRID,
            "labelFontSize": font, "titleFontSize": font - 2, "titleFontWeight": "normal"}
    config["axis"] = {**config.get("axis", {}), **axis}
    config["legend"] = {**config.get("legend", {}), "labelColor": TEXT, "titleColor": MUTED,
                        "labelFontSize": font, "titleFontSize": font, "symbolSize": 300}
    config["title"] = {**config.get("title", {}), "color": TEXT, "fontSize": font + 2}
    config["view"] = {**config.get("view", {}), "stroke": None}
    return spec


def build_station_rates(frame: pd.DataFrame, *, value: str, expected: str, status: str,
                        label: str) -> alt.LayerChart:
    """Stations' rates as bars (status colours) against the expected rate (a light tick per station)."""
    df = pd.DataFrame({
        "station": frame["station"],
        "rate": (frame[value] * 100).map(fmt.round_half_up),
        "expected": (frame[expected] * 100).map(fmt.round_half_up),
        # The figure stands right of both the bar and the tick, so the tick never strikes through it.
        "at": [max(a, b) if not (pd.isna(a) or pd.isna(b)) else a for a, b in zip(frame[value] * 100,
                                                                                    frame[expected] * 100, strict=True)],
        "color": frame[status].map(lambda s: STATUS_COLORS.get(s, STATUS_COLORS["grey"])),
        "状态": frame[status].map(lambda s: STATUS_LABELS.get(s, "")),
    }).dropna(subset=["rate"])
    y = alt.Y("station:N", sort=alt.EncodingSortField("rate", order="descending"), title=None,
              axis=alt.Axis(labelOverlap=False, labelLimit=160))
    bars = alt.Chart(df).mark_bar(cornerRadiusEnd=3).encode(
        y=y, x=alt.X("rate:Q", title=label, scale=alt.Scale(domain=[0, max(100, float(df["rate"].max() or 0))])),
        color=alt.Color("color:N", scale=None))
    text = alt.Chart(df).mark_text(align="left", dx=6, fontSize=CHART_FONT, color=TEXT).encode(
        y=y, x="at:Q", text=alt.Text("rate:Q", format=".1f"))
    ticks = alt.Chart(df).mark_tick(color=TEXT, thickness=3, size=26).encode(y=y, x="expected:Q")
    return alt.layer(bars, ticks, text)


# --- the panels -----------------------------------------------------------------------------------


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def _kpi_cards(version: int, year: int, month: int, as_of: dt.date) -> list[dict]:
    """Each gauged KPI's name, dark gauge spec and caption. Drawing a gauge takes ~0.2 s and the kpi panel has a
    dozen, so the specs are cached like the figures (by data_version and period; bounded)."""
    gauges = data.cached(metrics.kpi_gauges, year=year, month=month, as_of=as_of)
    def spec(row: dict) -> dict:  # the card writes the name above the gauge; target and 应达 under the arc
        return dark(build_gauge(row, size=GAUGE_SIZE, width=GAUGE_WIDTH, note_font=CHART_FONT, titled=False))

    return [{"name": row.get("name", ""), "spec": spec(row),
             "caption": gauge_caption(row, as_of=pacing.ref_date(year, month, as_of), brief=True), "id": row.get("kpi_id")}
            for row in gauges.to_dict("records")]


def panel_kpi(year: int, month: int, as_of: dt.date) -> None:
    """重点指标: every gauged KPI as a large gauge with its name and status, in two rows when they fit."""
    cards = _kpi_cards(data.data_version(), year, month, as_of)
    if not cards:
        st.info(f"{year}年{month}月没有需要显示的指标。")
        return
    per_row = KPI_PER_ROW if len(cards) > 2 * 4 else 4
    for start in range(0, len(cards), per_row):
        for col, card in zip(st.columns(per_row, gap="small"), cards[start : start + per_row], strict=False):
            with col, st.container(border=True, key=f"kiosk-kpi-{card['id']}", height="stretch"):
                st.markdown(f"**{fmt.md_escape(card['name'])}**")
                st.vega_lite_chart(spec=card["spec"], theme=None, width="content")
                st.caption(card["caption"])


def panel_tasks(year: int, month: int, as_of: dt.date) -> None:
    """任务清单进度: the district's indicators against the time schedule, and the stations ranked by lag."""
    totals = data.cached(metrics.task_totals, year=year, month=month)
    if totals.empty:
        st.info(f"{year}年尚无任务清单。")
        return
    lags = data.cached(metrics.station_lag, year=year, month=month)
    for col, row in zip(st.columns(len(totals), gap="small"), totals.to_dict("records"), strict=True):
        with col:
            views.task_card(row, key=f"kiosk-task-{row['indicator_id']}")
    window = data.cached(metrics.task_window, year=year)
    st.caption(fmt.md_escape(narrative.pace_basis(window, pacing.ref_date(year, month, as_of))))
    st.subheader("监管所排名 · 最差任务项的进度差（百分点），颜色为该任务项的状态", anchor=False)
    chart = views.build_ranking(lags, expected_rate=float(totals["expected_rate"].iloc[0]))
    st.vega_lite_chart(spec=wide(dark(chart, height=530)), theme=None, width="content")


def _map_frame(year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    return data.station_map(year=year, month=month, as_of=as_of)


def panel_baobao(year: int, month: int, as_of: dt.date) -> None:
    """包保督导: the district's five figures, and each station's 督导完成率 against the quarter's time progress."""
    district = data.cached(metrics.baobao, year=year, month=month, by="district")
    if district.empty or not district.iloc[0]["n_business"]:
        st.info("尚无包保主体数据。")
        return
    r = district.iloc[0]
    tg = overview.baobao_targets(r, data.cached(metrics.high_risk_label))  # status colours as on 总览
    with st.container(horizontal=True, gap="small", key="kiosk-bb-cards"):
        views.rate_card("包保覆盖率", r["coverage"], key="kiosk-bb-coverage",
                        note=f"{fmt.num(r['n_covered'])}/{fmt.num(r['n_business'])}个在营主体")
        views.rate_card("督导完成率（本季度）", r["completion_rate"], key="kiosk-bb-completion",
                        status=tg["completion"].status, note=f"季度时间进度{fmt.pct(r['quarter_progress'])}")
        views.rate_card("高风险现场督导率", r["onsite_rate"], key="kiosk-bb-onsite", status=tg["onsite"].status,
                        note=f"{fmt.num(r['n_high_risk_onsite'])}/{fmt.num(r['n_high_risk'])}个"
                             f"{data.cached(metrics.high_risk_label)}主体")
        # Short labels that fit a card on one line; the qualifier (which problems, which months) opens the note.
        views.rate_card("问题整改率", r["ytd_close_rate"], key="kiosk-bb-close",
                        note=f"包保督导问题，累计：{fmt.num(r['n_prob_ytd_closed'])}/{fmt.num(r['n_prob_ytd'])}个")
        hz = data.cached(metrics.hazard_rates, year=year, month=month, as_of=as_of)  # DOMAIN.md §5, as on 总览
        views.rate_card("隐患整改率", hz.running.rate, key="kiosk-hz-rate", note=hazard_note(hz))
        views.count_card("逾期未整改问题", int(r["n_prob_overdue"]), "个", key="kiosk-bb-overdue",
                         status=tg["overdue"].status, note=f"各来源；按期整改率{fmt.pct(r['ontime_rate'])}")
    frame = _map_frame(year, month, as_of)
    st.subheader(f"各监管所督导完成率（%）· 竖线为季度时间进度{fmt.pct(r['quarter_progress'])}", anchor=False)
    chart = build_station_rates(frame, value="baobao_completion_rate", expected="quarter_progress",
                                status="baobao_status", label="督导完成率（%）")
    spec = dark(chart, height=bars_height(len(frame)))
    value_labels(spec, VALUE_FONT)  # a row's figure clears its neighbours' (bars_height leaves ROW_GAP between)
    st.vega_lite_chart(spec=wide(spec), theme=None, width="content")


def hazard_note(hz: metrics.HazardRates) -> str:
    """The 隐患整改率 card's note: the running rate's months and fraction, then this month's rate."""
    return (f"累计（{hz.running.period}）{hz.running.fraction}  \n"
            f"当月{fmt.pct(hz.cohort.rate)}（{hz.cohort.fraction}）")


def bars_height(rows: int) -> int:
    """The station bars' height: each row at least VALUE_FONT + ROW_GAP px, within BARS_HEIGHT at most."""
    return max(BARS_HEIGHT, rows * (VALUE_FONT + ROW_GAP))


def value_labels(spec: dict, size: int) -> None:
    """Set the figures written at the bars' ends (the text layers of a layered spec) to `size` px."""
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = size


def _text(values: pd.Series) -> pd.Series:
    """Names from the data for st.table, whose cells are Markdown: shown as written, never as markup."""
    return values.map(fmt.md_escape)


def _station_table(frame: pd.DataFrame) -> pd.DataFrame:
    # Worst first: status (STATUS_ORDER), then lag; a station's status and figure are its worst 任务项's
    # (metrics.station_lag).
    rows = worst_first(frame, status="lag_status", lag="worst_lag_pp")
    return pd.DataFrame({
        "监管所": _text(rows["station"]), "最差任务项": _text(rows["worst_indicator"].fillna("—")),
        "进度差": rows["worst_lag_pp"].map(narrative.signed_pp),
        "状态": rows["lag_status"].map(views.status_chip),
        "逾期问题": rows["n_prob_overdue"].map(lambda n: f"{int(n)}个"),
    })


def panel_map(year: int, month: int, as_of: dt.date) -> None:
    """监管所地图: stations on the district outline coloured by task completion, beside the list of stations."""
    frame = _map_frame(year, month, as_of)
    if frame.empty:
        st.info("数据库中还没有监管所。")
        return
    boundary, areas = data.map_geometry()
    deck = map_layers.build_deck(frame, metric=MAP_METRIC, boundary=boundary, areas=areas, height=780)
    for layer in deck.layers:  # larger names, and a map nobody pans: nothing on the screen is to be clicked
        if layer.id == map_layers.LAYER_IDS["labels"]:
            layer.get_size = 16
    deck.views = [pdk.View("MapView", controller=False)]
    map_col, list_col = st.columns([5, 4], gap="large")
    with map_col:
        st.markdown(map_layers.legend(frame, MAP_METRIC).split("｜")[0])
        st.pydeck_chart(deck, height=780)
        st.caption(map_layers.APPROXIMATE)
    with list_col:
        st.subheader("各监管所最差任务项进度差（最需督办在前）", anchor=False)
        st.table(views.style_status(_station_table(frame)), hide_index=True)


def worst_first(frame: pd.DataFrame, *, status: str, lag: str) -> pd.DataFrame:
    """Rows by status (red, amber, grey, green, then none) and, within a status, furthest behind first."""
    rank = frame[status].map(lambda s: STATUS_RANK.get(s, len(STATUS_RANK)))
    return frame.assign(_rank=rank).sort_values(["_rank", lag], kind="stable", na_position="last").drop(
        columns="_rank")


def duban_rows(progress: pd.DataFrame) -> pd.DataFrame:
    """The 督办 list: station × 任务项 rows behind the time schedule (red or amber) — the one rule
    (services.rules.duban) of 任务清单's 督办清单 and the briefing's 督办通报 — red before amber, then furthest
    behind first."""
    rows = duban_tasks(progress)
    return rows if rows.empty else worst_first(rows, status="status", lag="lag_pp")


def panel_duban(year: int, month: int, as_of: dt.date) -> None:
    """督办清单: the rows furthest behind the time schedule, and the stations with the most overdue problems."""
    progress = data.cached(metrics.task_progress, year=year, month=month)
    lagging = duban_rows(progress) if not progress.empty else progress
    left, right = st.columns([3, 2], gap="large")
    with left:
        if lagging.empty:
            st.success("各监管所各项任务均达到时序进度。")
        else:
            shown = lagging.head(DUBAN_ROWS)
            more = f"，列出最需督办的{len(shown)}项" if len(lagging) > len(shown) else ""
            st.subheader(f"任务滞后于时序进度：共{len(lagging)}项{more}", anchor=False)
            view = pd.DataFrame({
                "监管所": _text(shown["station"]), "任务项": _text(shown["indicator"]),
                "完成率": shown["rate"].map(fmt.pct), "应完成率": shown["expected_rate"].map(fmt.pct),
                "进度差": shown["lag_pp"].map(narrative.signed_pp),
                "状态": shown["status"].map(views.status_chip),
            })
            st.table(views.style_status(view), hide_index=True)
    with right:
        frame = _map_frame(year, month, as_of)
        overdue = frame[frame["n_prob_overdue"] > 0].sort_values("n_prob_overdue", ascending=False)
        if overdue.empty:
            st.success("没有逾期未整改的问题。")
        else:
            shown = overdue.head(OVERDUE_ROWS)
            st.subheader(f"逾期未整改问题最多的监管所（共{int(overdue['n_prob_overdue'].sum())}个问题）", anchor=False)
            st.table(pd.DataFrame({
                "监管所": _text(shown["station"]),
                "逾期问题": shown["n_prob_overdue"].map(lambda n: f"{int(n)}个"),
                "到期问题": shown["n_prob_due"].map(lambda n: f"{int(n)}个"),
            }), hide_index=True)


PANELS: dict[str, Callable[[int, int, dt.date], None]] = {
    "kpi": panel_kpi,
    "tasks": panel_tasks,
    "baobao": panel_baobao,
    "map": panel_map,
    "duban": panel_duban,
}
assert tuple(PANELS) == kiosk_db.PANEL_IDS  # one list of ids: the renderers and the stored settings agree
