"""KPI gauges (Altair): actual against target and the expected-to-date mark, coloured by status; the title in full,
the target and 应达 under the arc, the source in the caption."""

from __future__ import annotations

import datetime as dt
import math

import altair as alt
import pandas as pd
import streamlit as st

from services import kpis_view, narrative
from services.rules import fmt
from services.rules.style import DOT, FONT, PACE_LINE, STATUS_COLORS, STATUS_MD, TRACK

HALF = math.pi / 2


def _angle(fraction: float, top: float) -> float:
    """Map 0..top onto the half circle from −π/2 (left) to π/2 (right)."""
    f = 0.0 if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)) else fraction
    return -HALF + math.pi * max(0.0, min(f, top)) / top


def text_width(words: str, font: float) -> float:
    """About how wide a line is drawn, in px: a CJK character (or full-width sign) is one font size, anything else
    ~0.6 of it."""
    return sum(font if ord(c) > 0x2000 else font * 0.6 for c in words)


def wrap(words: str, width: float, font: float) -> list[str]:
    """The words in lines no wider than `width` (never cut: a gauge's title is shown in full)."""
    lines, line = [], ""
    for c in words:
        if line and text_width(line + c, font) > width:
            lines.append(line)
            line = ""
        line += c
    return [*lines, line] if line else lines or [""]


def _is_once(row: dict) -> bool:
    return (row.get("pacing") or "ramp") == "once"


def target_words(row: dict) -> str:
    """ "目标≥95.0%" / "目标≥5,505批次" / "目标≤3.0%"; a once KPI adds nothing here (its due date is the pace)."""
    target, unit = row.get("target"), row.get("unit") or ""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return "无目标"
    value = fmt.pct(target) if unit == "%" else f"{fmt.num(target)}{unit}"
    return f"目标{'≤' if row.get('direction') == '<=' else '≥'}{value}"


def pace_words(row: dict) -> str:
    """ "应达 83.3%" — or, for a once KPI (done by a date, not paced), "12月31日到期"."""
    if _is_once(row):
        return narrative.due_words(row)
    return f"应达 {fmt.pct(row.get('expected_rate'))}"


def gauge_notes(row: dict, *, width: float, font: float) -> list[str]:
    """The words under the arc: target and 应达 on one line when they fit the width, else on two."""
    one = f"{target_words(row)}　{pace_words(row)}"
    return [one] if text_width(one, font) <= width - 8 else [target_words(row), pace_words(row)]


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
        "label": (f"{fmt.num(row.get('actual'))}/{fmt.num(row.get('target'))}{row.get('unit') or ''}" if _is_once(row)
                  else fmt.pct(rate) if rate is not None else fmt.MISSING),
    }


def _tooltip_text(row: dict) -> str:
    return narrative.kpi_source(row)


TITLE_FONT = 13


def _gauge_figures(row: dict, size: int, width: int | None = None, note_font: int = 12,
                   titled: bool = True, title_rows: int = 1) -> tuple[dict, dict, dict]:
    """What both gauge builders draw: the parts, the tooltip fields and the geometry (centre, radii, height, the
    title's and the notes' lines). `width` (≥ size) widens the view around the arc (the kiosk's cards); `note_font`
    is the size the notes are drawn at, so they are laid out for it. The title is drawn inside the view, in full,
    wrapped: Streamlit sizes a chart by its view's height, so a Vega title above the view pushed the figures under
    the arc out of sight. `titled` False: no title (the kiosk's cards write it themselves); `title_rows`: the lines
    the title is given at least, so the gauges of one row sit level."""
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
        "进度差": fmt.pp(lag) if lag is not None and not _is_once(row) else fmt.MISSING,
        "比较": narrative.comparison(row, as_of=row.get("as_of")),  # the day the caption is said on, too
        "基线": narrative.baseline_text(row),
        "状态": narrative.kpi_status_word(row),
        "来源": _tooltip_text(row),
    }
    if row.get("value_source"):  # a KPI row: the register, the readings or the submissions
        info["取值"] = kpis_view.value_source(row)
    # The title's lines at the top, the half circle under them on a baseline, the notes under it; every position is
    # explicit so nothing overlaps or leaves the view.
    width = max(size, width or size)
    radius, inner, pad = size * 0.45, size * 0.30, 10
    title = wrap(row.get("name", ""), width, TITLE_FONT) if titled else []
    title_step = TITLE_FONT + 4
    top = max(len(title), title_rows) * title_step + 4 if title else 0
    cx, cy = width / 2, top + radius + pad
    notes = gauge_notes(row, width=width, font=note_font)
    step = note_font + 4
    geo = {"radius": radius, "inner": inner, "cx": cx, "cy": cy, "width": width, "notes": notes, "step": step,
           "height": cy + 8 + step * len(notes) + 10, "title": title, "title_step": title_step}
    return p, info, geo


def build_gauge(row: dict, *, size: int = 190, width: int | None = None, note_font: int = 12,
                titled: bool = True, title_rows: int = 1) -> alt.LayerChart:
    """A half-circle gauge for one KPI row of metrics.kpi_gauges (or a task-total row): its title in full (wrapped),
    the figure, and under the arc its target and 应达."""
    p, info, geo = _gauge_figures(row, size, width, note_font, titled, title_rows)
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
        *(alt.Chart(track).mark_text(fontSize=note_font, baseline="top", color="#5b6775")
          .encode(text=alt.value(words), x=alt.value(cx), y=alt.value(cy + 8 + i * geo["step"]), tooltip=tips)
          for i, words in enumerate(geo["notes"])),
        *(alt.Chart(track).mark_text(fontSize=TITLE_FONT, fontWeight="bold", baseline="top", color="#1c2430")
          .encode(text=alt.value(words), x=alt.value(cx), y=alt.value(2 + i * geo["title_step"]), tooltip=tips)
          for i, words in enumerate(geo["title"])),
    ]
    return (
        alt.layer(*layers)
        .properties(width=geo["width"], height=geo["height"])
        .configure_view(strokeWidth=0)
        .configure(font=FONT)
    )


def gauge_spec(row: dict, *, size: int = 190, width: int | None = None, note_font: int = 12,
               titled: bool = True, title_rows: int = 1) -> dict:
    """build_gauge's chart as a Vega-Lite spec, written out directly (the same marks, encodings and rows; its data
    inline): Altair takes ~0.2 s a gauge to build and validate, and a page shows a dozen on every rerun; this takes
    well under a millisecond, so nothing needs caching."""
    p, info, geo = _gauge_figures(row, size, width, note_font, titled, title_rows)
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
            *(text({"baseline": "top", "color": "#5b6775", "fontSize": note_font}, words, cy + 8 + i * geo["step"])
              for i, words in enumerate(geo["notes"])),
            *(text({"baseline": "top", "color": "#1c2430", "fontSize": TITLE_FONT, "fontWeight": "bold"}, words,
                   2 + i * geo["title_step"]) for i, words in enumerate(geo["title"])),
        ],
        "height": geo["height"],
        "width": geo["width"],
    }


def show_gauge(row: dict, *, key: str, as_of: dt.date | None = None, title_rows: int = 1) -> None:
    """One gauge and its caption."""
    st.vega_lite_chart(gauge_spec({**row, "as_of": as_of}, title_rows=title_rows), key=key, width="content")
    st.caption(gauge_caption(row, as_of=as_of, brief=True))  # the full source is in the tooltip (来源)


def show_gauges(df: pd.DataFrame, *, key: str, per_row: int = 4, as_of: dt.date | None = None) -> None:
    """A grid of gauges with a caption under each: status, lag and target."""
    if df.empty:
        st.info("本期没有需要显示的指标。")
        return
    rows = df.to_dict("records")
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        batch = rows[start : start + per_row]
        title_rows = max(len(wrap(r.get("name", ""), 190, TITLE_FONT)) for r in batch)  # one row sits level
        for col, row in zip(cols, batch, strict=False):
            with col:
                show_gauge(row, key=f"{key}-{row.get('kpi_id', row.get('name'))}", as_of=as_of, title_rows=title_rows)


def gauge_caption(row: dict, *, as_of: dt.date | None = None, brief: bool = False) -> str:
    """Status, the comparison its pacing kind calls for (时序进度 / 目标 / due date), the baseline and the source:
    ":red[●] 明显滞后｜低于目标5.9个百分点｜无基线｜示例目标，参照…". `brief` (the gauges' captions) names the source
    document short (narrative.short_title) with its article. A once KPI not yet done nor due says 未到期 (narrative.kpi_status_word)."""
    status = row.get("status") or "grey"
    words = fmt.md_escape(narrative.kpi_caption(row, as_of=as_of, brief=brief))
    if status == "grey":
        return f":gray[{DOT}] {words}"
    return f":{STATUS_MD[status]}[{DOT}] {narrative.kpi_status_word(row)}｜{words}"
