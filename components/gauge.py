"""KPI gauges (Altair): actual against target and the expected-to-date mark, coloured by status."""

from __future__ import annotations

import datetime as dt
import math

import altair as alt
import pandas as pd
import streamlit as st

from services import narrative
from services.rules import fmt
from services.rules.style import DOT, FONT, PACE_LINE, STATUS_COLORS, STATUS_LABELS, STATUS_MD, TRACK

HALF = math.pi / 2


def _angle(fraction: float, top: float) -> float:
    """Map 0..top onto the half circle from −π/2 (left) to π/2 (right)."""
    f = 0.0 if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)) else fraction
    return -HALF + math.pi * max(0.0, min(f, top)) / top


def gauge_parts(row: dict) -> dict:
    """The numbers a gauge draws, kept apart from drawing so they can be tested."""
    rate = row.get("rate")
    expected = row.get("expected_rate")
    is_rate = row.get("unit") == "%"
    target_mark = row.get("target") if is_rate else 1.0
    top = max(1.0, target_mark or 1.0, rate if isinstance(rate, float) and not math.isnan(rate) else 0.0)
    status = row.get("status") or "grey"
    return {
        "top": top,
        "value_angle": _angle(rate, top),
        "expected_angle": _angle(expected, top),
        "target_angle": _angle(target_mark, top),
        "color": STATUS_COLORS.get(status, STATUS_COLORS["grey"]),
        "status": status,
        "label": fmt.pct(rate) if rate is not None else fmt.MISSING,
    }


def _tooltip_text(row: dict) -> str:
    return narrative.kpi_source(row)


def _gauge_figures(row: dict, size: int) -> tuple[dict, dict, dict]:
    """What both gauge builders draw: the parts, the tooltip fields and the geometry (centre, radii, height)."""
    p = gauge_parts(row)
    lag = row.get("lag_pp")
    is_rate = row.get("unit") == "%"
    actual_txt = fmt.pct(row.get("rate")) if is_rate else f"{fmt.num(row.get('actual'))}{row.get('unit', '')}"
    target_txt = fmt.pct(row.get("target")) if is_rate else f"{fmt.num(row.get('target'))}{row.get('unit', '')}"
    info = {
        "指标": row.get("name", ""),
        "实际": actual_txt,
        "目标": ("≤" if row.get("direction") == "<=" else "≥") + target_txt,
        "应达": fmt.pct(row.get("expected_rate")),
        "进度差": fmt.pp(lag) if lag is not None else fmt.MISSING,
        "比较": narrative.comparison(row, as_of=row.get("as_of")),  # the day the caption is said on, too
        "基线": narrative.baseline_text(row),
        "状态": STATUS_LABELS.get(p["status"], ""),
        "来源": _tooltip_text(row),
    }
    # The half circle sits on a baseline near the bottom of the view; its centre is placed explicitly so the arc,
    # the figures under it and the title never overlap or leave the view.
    radius, inner, pad = size * 0.45, size * 0.30, 10
    cx, cy = size / 2, radius + pad
    geo = {"radius": radius, "inner": inner, "cx": cx, "cy": cy, "height": cy + 34}
    return p, info, geo


def build_gauge(row: dict, *, size: int = 190) -> alt.LayerChart:
    """A half-circle gauge for one KPI row of metrics.kpi_gauges (or a task-total row)."""
    p, info, geo = _gauge_figures(row, size)
    radius, inner, cx, cy = geo["radius"], geo["inner"], geo["cx"], geo["cy"]
    tips = [alt.Tooltip(f"{k}:N") for k in info]
    track = pd.DataFrame([{"a0": -HALF, "a1": HALF, **info}])
    value = pd.DataFrame([{"a0": -HALF, "a1": p["value_angle"], **info}])
    marks = pd.DataFrame([{"a0": p["expected_angle"] - 0.015, "a1": p["expected_angle"] + 0.015, **info}])
    center = {"x": alt.value(cx), "y": alt.value(cy)}

    def arc(df, r_out, r_in, color):
        return alt.Chart(df).mark_arc(radius=r_out, radius2=r_in, color=color).encode(
            theta=alt.Theta("a0:Q", scale=None), theta2="a1:Q", tooltip=tips, **center)

    layers = [
        arc(track, radius, inner, TRACK),
        arc(value, radius, inner, p["color"]),
        arc(marks, radius + 6, inner - 6, PACE_LINE),
        alt.Chart(track).mark_text(fontSize=size * 0.13, fontWeight="bold", baseline="bottom", color="#1c2430")
        .encode(text=alt.value(p["label"]), x=alt.value(cx), y=alt.value(cy - 2), tooltip=tips),
        alt.Chart(track).mark_text(fontSize=12, baseline="top", color="#5b6775")
        .encode(text=alt.value(f"应达 {fmt.pct(row.get('expected_rate'))}"), x=alt.value(cx), y=alt.value(cy + 8),
                tooltip=tips),
    ]
    return (
        alt.layer(*layers)
        .properties(width=size, height=geo["height"],
                    title=alt.Title(row.get("name", ""), fontSize=13, limit=size, anchor="middle"))
        .configure_view(strokeWidth=0)
        .configure(font=FONT)
    )


def gauge_spec(row: dict, *, size: int = 190) -> dict:
    """build_gauge's chart as a Vega-Lite spec, written out directly (the same marks, encodings and rows; its data
    inline): Altair takes ~0.2 s a gauge to build and validate, and a page shows a dozen on every rerun; this takes
    well under a millisecond, so nothing needs caching."""
    p, info, geo = _gauge_figures(row, size)
    radius, inner, cx, cy = geo["radius"], geo["inner"], geo["cx"], geo["cy"]
    tips = [{"field": k, "type": "nominal"} for k in info]
    center = {"x": {"value": cx}, "y": {"value": cy}}
    track = [{"a0": -HALF, "a1": HALF, **info}]
    value = [{"a0": -HALF, "a1": p["value_angle"], **info}]
    pace = [{"a0": p["expected_angle"] - 0.015, "a1": p["expected_angle"] + 0.015, **info}]

    def arc(rows, r_out, r_in, color):
        return {"data": {"values": rows}, "mark": {"type": "arc", "color": color, "radius": r_out, "radius2": r_in},
                "encoding": {"theta": {"field": "a0", "scale": None, "type": "quantitative"},
                             "theta2": {"field": "a1"}, "tooltip": tips, **center}}

    def text(mark, words, y):
        return {"data": {"values": track}, "mark": {"type": "text", **mark},
                "encoding": {"text": {"value": words}, "tooltip": tips, "x": {"value": cx}, "y": {"value": y}}}

    # One row per layer, inline: Streamlit sends inline layer data as JSON, where named datasets would each
    # become an Arrow table (three per gauge, ~10 ms apiece).
    return {
        "config": {"font": FONT},
        "layer": [
            arc(track, radius, inner, TRACK),
            arc(value, radius, inner, p["color"]),
            arc(pace, radius + 6, inner - 6, PACE_LINE),
            text({"baseline": "bottom", "color": "#1c2430", "fontSize": size * 0.13, "fontWeight": "bold"},
                 p["label"], cy - 2),
            text({"baseline": "top", "color": "#5b6775", "fontSize": 12},
                 f"应达 {fmt.pct(row.get('expected_rate'))}", cy + 8),
        ],
        "height": geo["height"],
        "title": {"text": row.get("name", ""), "anchor": "middle", "fontSize": 13, "limit": size},
        "width": size,
    }


def show_gauge(row: dict, *, key: str, as_of: dt.date | None = None) -> None:
    """One gauge and its caption."""
    st.vega_lite_chart(gauge_spec({**row, "as_of": as_of}), key=key, width="content")
    st.caption(gauge_caption(row, as_of=as_of))


def show_gauges(df: pd.DataFrame, *, key: str, per_row: int = 4, as_of: dt.date | None = None) -> None:
    """A grid of gauges with a caption under each: status, lag and target."""
    if df.empty:
        st.info("本期没有需要显示的指标。")
        return
    rows = df.to_dict("records")
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, row in zip(cols, rows[start : start + per_row], strict=False):
            with col:
                show_gauge(row, key=f"{key}-{row.get('kpi_id', row.get('name'))}", as_of=as_of)


def gauge_caption(row: dict, *, as_of: dt.date | None = None, brief: bool = False) -> str:
    """Status, the comparison its pacing kind calls for (时序进度 / 目标 / due date), the baseline and the source:
    ":red[●] 明显滞后｜低于目标5.9个百分点｜无基线｜示例目标，参照…". `brief` (the kiosk's cards) names the source
    by place, year and article only."""
    status = row.get("status") or "grey"
    words = fmt.md_escape(narrative.kpi_caption(row, as_of=as_of, brief=brief))
    if status == "grey":
        return f":gray[{DOT}] {words}"
    return f":{STATUS_MD[status]}[{DOT}] {STATUS_LABELS[status]}｜{words}"
