"""Renderers shared by the pages: KPI cards, status chips, progress tables, rankings, trends and the 配档表 (schedule)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
from collections.abc import Callable

import altair as alt
import pandas as pd
import pandas.io.formats.style  # noqa: F401  (st.table's colours: loaded with the app, not by the first page drawing one, ~25 ms)
import streamlit as st

from services import narrative
from services.charts import (  # noqa: F401 - re-exported for the pages
    build_ranking,
    build_trend,
    mean_lag_status,
    ranking_encoding,
    ranking_frame,
    ranking_height,
    trend_rows,
)
from services.kpis_view import trend_to
from services.metrics.kpis import kpi_trend_of
from services.rules import fmt
from services.rules.localtime import local_time_label
from services.rules.style import DOT, FONT, PACE_LINE, PRIMARY, STATUS_COLORS, STATUS_LABELS, STATUS_MD
from services.rules.text import column_width, text_width


def status_chip(status: str) -> str:
    """Plain text for tables (coloured by `status_table`): a dot and the status word."""
    return f"{DOT} {STATUS_LABELS.get(status, '未报')}"


def with_chips(df: pd.DataFrame, column: str = "状态") -> pd.DataFrame:
    """The frame with its status codes (green, amber, red, grey) written as chips, for status_table and exports."""
    return df.assign(**{column: df[column].map(status_chip)}) if column in df else df


def status_md(status: str) -> str:
    """Markdown for captions: the dot in the status colour, then the word."""
    return f":{STATUS_MD.get(status, 'gray')}[{DOT}] {STATUS_LABELS.get(status, '未报')}"


MISSING = "—"  # a missing figure in a grid (Streamlit's own placeholder is "None")
_CHIP_COLORS = {f"{DOT} {label}": STATUS_COLORS[key] for key, label in STATUS_LABELS.items()}
# 指标's table: a once KPI before its due date says 未到期 (narrative.kpi_status_word), in its status colour
KPI_CHIP_COLORS = {**_CHIP_COLORS, f"{DOT} {narrative.NOT_DUE}": STATUS_COLORS["green"]}


def number_formats(df: pd.DataFrame, *, skip: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """The frame and column_config for its numeric columns: counts with a thousands separator and no decimals,
    other figures rounded half up to 0.1 (fmt.round_half_up; e.g. 1,234 and 77.8); columns in `skip` are left as
    the caller configures them. The grid would cut a figure to a step's decimals, not round it: the values are
    rounded here and shown with printf's %.1f."""
    config, rounded = {}, {}
    for col in df.columns:
        if col in skip or not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        values = df[col].dropna()
        if bool(len(values)) and bool((values == values.round()).all()):
            config[col] = st.column_config.NumberColumn(format="localized", step=1)
        else:
            rounded[col] = df[col].map(lambda x: fmt.round_half_up(x, 1), na_action="ignore").astype("float64")
            config[col] = st.column_config.NumberColumn(format="%.1f")
    return (df.assign(**rounded) if rounded else df), config


def status_table(df: pd.DataFrame, *, key: str, column: str = "状态", raw: tuple[str, ...] = (),
                 column_config: dict | None = None, colours: dict[str, str] | None = None, **kwargs) -> None:
    """st.dataframe of a table with a status column of chips (views.with_chips; `colours`: the chips and their
    colours, the four statuses' by default) shown in their colours; numbers as counts (no decimals) or to 0.1,
    columns in `raw` and in `column_config` as configured there; a missing figure as —.

    Column settings rather than a pandas Styler: a Styler is rendered cell by cell in Python on every rerun."""
    shown, config = number_formats(df, skip=(*raw, *(column_config or {})))
    config.update(column_config or {})
    if column in df:
        config[column] = chip_column(colours or _CHIP_COLORS)
    config = fitted(shown, config, (column,))
    st.dataframe(shown, hide_index=True, key=key, column_config=config, placeholder=MISSING, **kwargs)


def style_status(df: pd.DataFrame, column: str = "状态"):
    """A Styler that colours the status column's text, for st.table (a static table takes no column settings);
    numbers shown as counts (no decimals) or to 0.1. Grids use status_table."""
    styler = df.style
    if column in df:
        styler = styler.map(lambda v: f"color: {_CHIP_COLORS[v]}; font-weight: 600" if v in _CHIP_COLORS else "",
                            subset=[column])
    formats = {}
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        values = df[col].dropna()
        whole = bool(len(values)) and bool((values == values.round()).all())
        formats[col] = "{:,.0f}" if whole else "{:,.1f}"
    return styler.format(formats, na_rep="—")


def lag_text(lag: float | None, direction: str = ">=") -> str:
    return fmt.lag_words(lag, direction)


def task_card(row: dict, *, key: str) -> None:
    """One task-list indicator: completed of target, rate, pace and status; the bar in the status colour."""
    with st.container(border=True, key=key):
        st.markdown(f"**{fmt.md_escape(row['indicator'])}**")
        st.metric("累计完成", f"{fmt.num(row['actual'])}/{fmt.num(row['target'])}{fmt.md_escape(row['unit'])}",
                  label_visibility="collapsed")
        st.progress(min(1.0, float(row["rate"] or 0)), text=f"完成率{fmt.pct(row['rate'])}，应达{fmt.pct(row['expected_rate'])}")
        st.caption(f"{status_md(row['status'])}｜{lag_text(row['lag_pp'])}")
        status_style(key, row["status"], bar=True)


def _target_caption(target: str | None, status: str | None, note: str | None) -> str | None:
    head = None if target is None else (f"{status_md(status)}｜{fmt.md_escape(target)}" if status
                                         else fmt.md_escape(target))
    return "  \n".join(x for x in (head, note) if x) or None


def rate_card(label: str, value: float | None, *, help: str | None = None, note: str | None = None,
              key: str, target: str | None = None, status: str | None = None) -> None:
    """label, help and note are Markdown written by the caller: pass names from the data through fmt.md_escape.
    `target` (plain text, e.g. "目标：季度末全部完成，应达33.7%" or "无目标") and `status` (green/amber/red/grey) add
    a line with the status word and colour the card's edge."""
    with st.container(border=True, key=key):
        st.metric(label, fmt.pct(value), help=help)
        if caption := _target_caption(target, status, note):
            st.caption(caption)
        status_style(key, status)


def count_card(label: str, value: int | float, unit: str = "", *, help: str | None = None, note: str | None = None,
               key: str, target: str | None = None, status: str | None = None) -> None:
    """label, unit, help and note are Markdown written by the caller: pass data text through fmt.md_escape.
    `target` and `status` as for rate_card."""
    with st.container(border=True, key=key):
        st.metric(label, f"{fmt.num(value)}{unit}", help=help)
        if caption := _target_caption(target, status, note):
            st.caption(caption)
        status_style(key, status)


def progress_view(df: pd.DataFrame) -> pd.DataFrame:
    """Station × indicator rows (metrics.task_progress) as progress_table shows them: target, completed, rate,
    expected, lag, status chip, 未报 and 与明细不符 flags."""
    return pd.DataFrame({
        "监管所": df["station"],
        "任务项": df["indicator"],
        "目标": df["target"],
        "累计完成": df["actual"],
        "完成率": df["rate"] * 100,
        "应完成率": df["expected_rate"] * 100,
        "进度差（百分点）": df["lag_pp"].map(lambda x: fmt.round_half_up(x)),
        "状态": df["status"].map(status_chip),
        "本月上报": df["reported"].map(lambda r: "已报" if r else "未报"),
        "明细核对": df["item_mismatch"].map(lambda x: "与明细不符" if x else ""),
    })


def progress_table(view: pd.DataFrame, *, key: str, height: int | str = "auto") -> None:
    """A progress_view: the rate as a bar, the status chip in its colour."""
    st.dataframe(
        view, hide_index=True, key=key, height=height, placeholder=MISSING,
        column_config={
            "状态": chip_column(_CHIP_COLORS),
            "完成率": st.column_config.ProgressColumn("完成率", format="%.1f%%", min_value=0, max_value=100),
            "应完成率": st.column_config.NumberColumn("应完成率", format="%.1f%%"),
            "目标": st.column_config.NumberColumn(format="%d"),
            "累计完成": st.column_config.NumberColumn(format="%d"),
            "进度差（百分点）": st.column_config.NumberColumn(format="%.1f"),
        },
    )


# Status shown of a 配档表 row or a plan task (services.rules.plan_status): an ended window not 已完成 is 逾期未完成, red.
MILESTONE_COLORS = {"未开始": STATUS_COLORS["grey"], "进行中": PRIMARY, "已延期": STATUS_COLORS["amber"],
                    "逾期未完成": STATUS_COLORS["red"], "已完成": STATUS_COLORS["green"]}


def style_plan_status(df: pd.DataFrame, column: str = "状态"):
    """A Styler that colours a shown plan or 配档表 status (逾期未完成 red, 已延期 amber, 已完成 green)."""
    return df.style.map(lambda v: f"color: {MILESTONE_COLORS[v]}; font-weight: 600" if v in MILESTONE_COLORS else "",
                        subset=[column])


def schedule_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The 配档表 chart's rows: each milestone's window (结束 the day after its last), its 工作重点 cut to 40
    characters, 时间, 状态 and 行 (the printed order, for the y axis)."""
    return pd.DataFrame({
        "开始": pd.to_datetime(df["start_date"]),
        "结束": pd.to_datetime(df["end_date"]) + pd.Timedelta(days=1),
        "工作重点": df["focus"].str.slice(0, 40),
        "时间": df["time_text"],
        "状态": df["status"],
        "行": df["row_order"].map(lambda n: f"{n:02d}"),
    }, index=df.index)


def schedule_spec(df: pd.DataFrame, *, today) -> dict:
    """配档表 windows as bars with today's line, coloured by each milestone's status, as Vega-Lite written out (as
    trend_spec is): Altair took ~25 ms to build and convert it on a cold run of 任务清单 or 工作要点. The pages read
    it cached per period (task_tables.schedule_chart)."""
    rows, now = _dataset(schedule_rows(df)), _dataset(pd.DataFrame({"今天": [pd.Timestamp(today)]}))
    row_y = {"field": "行", "type": "nominal"}
    return {
        "layer": [
            {"data": {"name": rows[0]}, "mark": {"type": "bar", "cornerRadius": 3, "height": 18}, "encoding": {
                "color": {"field": "状态", "legend": {"orient": "top", "title": None},
                          "scale": {"domain": list(MILESTONE_COLORS), "range": list(MILESTONE_COLORS.values())},
                          "type": "nominal"},
                "tooltip": [{"field": c, "type": "nominal"} for c in ("时间", "工作重点", "状态")],
                "x": {"axis": {"format": "%-m月", "labelAngle": 0, "tickCount": "month"}, "field": "开始", "title": None,
                      "type": "temporal"},
                "x2": {"field": "结束"},
                "y": {"axis": {"labels": False, "ticks": False}, **row_y, "title": None}}},
            {"data": {"name": rows[0]}, "mark": {"type": "text", "align": "left", "color": "#1c2430", "dx": 4, "fontSize": 11},
             "encoding": {"text": {"field": "时间", "type": "nominal"}, "x": {"field": "结束", "type": "temporal"},
                          "y": row_y}},
            {"data": {"name": now[0]}, "mark": {"type": "rule", "color": "#d64541", "strokeWidth": 2}, "encoding": {
                "tooltip": [{"field": "今天", "format": "%Y年%-m月%-d日", "type": "temporal"}],
                "x": {"field": "今天", "type": "temporal"}}},
        ],
        "config": {"font": FONT},
        "height": 34 * max(1, len(df)),
        "$schema": alt.SCHEMA_URL,
        "datasets": dict([rows, now]),
    }


def ranking_spec(df: pd.DataFrame, *, expected_rate: float) -> dict:
    """build_ranking as Vega-Lite written out (services.charts.ranking_encoding), its rows as Arrow bytes."""
    data, label = ranking_frame(df, expected_rate=expected_rate)
    name, rows = _dataset(data)
    return {"data": {"name": name}, "mark": {"type": "bar"}, "config": {"font": FONT},
            "encoding": ranking_encoding(label), "height": ranking_height(len(data)), "$schema": alt.SCHEMA_URL,
            "datasets": {name: rows}}


def _dataset(frame: pd.DataFrame) -> tuple[str, bytes]:
    """A chart's rows as the Arrow bytes st.vega_lite_chart passes on as they are, named by their content."""
    from streamlit import dataframe_util

    data = dataframe_util.convert_anything_to_arrow_bytes(frame)
    return hashlib.blake2b(data, digest_size=16).hexdigest(), data


def trend_spec(trend: pd.DataFrame, *, title: str = "完成率", pace: str = "时序进度") -> dict:
    """build_trend as the Vega-Lite spec st.altair_chart would send, written out directly: Altair takes ~0.1 s to
    build and validate one, and 指标 draws one per KPI. `pace` names the second line (目标 for a level KPI)."""
    series = {"domain": ["实际", pace]}
    rows = trend_rows(trend, pace=pace)
    y = {"field": "值", "title": f"{title}（%）", "type": "quantitative"}
    if not any(r["值"] for r in rows):  # all 0 (a once KPI not yet done): an axis of 0–100, not one "0.000000"
        y["scale"] = {"domain": [0, 100]}
    return {
        "config": {"font": FONT},
        "data": {"name": "trend"},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "color": {"field": "系列", "legend": {"orient": "top", "title": None},
                      "scale": {**series, "range": [PRIMARY, PACE_LINE]}, "type": "nominal"},
            "strokeDash": {"field": "系列", "legend": None, "scale": {**series, "range": [[1, 0], [5, 4]]},
                           "type": "nominal"},
            "tooltip": [{"field": "月份", "type": "nominal"}, {"field": "系列", "type": "nominal"},
                        {"field": "值", "format": ".1f", "title": f"{title}（%）", "type": "quantitative"}],
            "x": {"axis": {"labelAngle": 0}, "field": "月份", "sort": {"field": "m"}, "title": None, "type": "nominal"},
            "y": y,
        },
        "height": 260,
        "datasets": {"trend": rows},
    }


def kpi_trend_specs(trends: pd.DataFrame, month: int, charts: tuple[tuple[int, str, str], ...]) -> dict[int, dict]:
    """Each KPI's trend_spec up to `month`, for charts = (kpi_id, title, pace) of the KPIs shown (cached once per
    data_version by components.kpi_tables.trend_specs, not on every rerun of 指标); a KPI with nothing reported has no
    chart."""
    from streamlit import dataframe_util

    out = {}
    for kpi_id, title, pace in charts:
        trend = trend_to(kpi_trend_of(trends, kpi_id), month)
        if trend["reported"].any():
            spec = trend_spec(trend, title=title, pace=pace)
            # st.vega_lite_chart sends a dataset given as Arrow bytes as it is (as Altair's own specs do), instead of
            # converting the rows again on every rerun
            spec["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
                                for name, rows in spec["datasets"].items()}
            out[kpi_id] = spec
    return out


XLSX_DATE_FORMAT = 'yyyy"年"m"月"d"日"'
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def with_local_times(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """These UTC time columns written as people read them, in 北京时间 (2024年5月6日 14:05)."""
    return df.assign(**{c: df[c].map(local_time_label) for c in columns})


def chip_column(colours: dict[str, str], label: str | None = None):
    """A read-only column whose texts (the keys of `colours`, e.g. "● 明显滞后") show as labels in their colours:
    what a Styler's colour gives, without its cost per cell on every rerun (a 600-row table: ~50 ms)."""
    return st.column_config.MultiselectColumn(label, options=list(colours), color=list(colours.values()),
                                              disabled=True)


def fitted(df: pd.DataFrame, config: dict, chips: tuple[str, ...] = ()) -> dict:
    """The column settings with a width in pixels for each text column that has none, from its longest text (header
    included): the grid sizes a column by its first rows, so 白云湖所 below 官庄所 was cut to "白云湖". `chips`: the
    columns drawn as chips (their label adds padding)."""
    out = dict(config)
    for col in df.columns:
        if not (pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])):
            continue
        setting = out.get(col, {})
        if not isinstance(setting, dict) or setting.get("width") is not None:
            continue  # hidden (None), a label only (str), or sized by the caller
        texts = df[col].head(1000).dropna().astype(str)
        # the widest are among the widest by a quick measure (a CJK character twice a Latin one), then measured
        rough = texts.str.len() + texts.str.count(r"[^\x00-\x7f]")
        longest = texts.loc[rough.nlargest(8).index] if len(texts) else []
        widest = max((text_width(v) for v in (col, *longest)), default=0)
        out[col] = {**setting, "width": min(420, round(widest * 7.5) + (44 if col in chips else 28))}
    return out


def chip_table(df: pd.DataFrame, columns: list[str], colours: dict[str, str], *, key: str,
               column_config: dict | None = None, **kwargs) -> None:
    """st.dataframe with the chip texts (keys of `colours`, e.g. "● 按时") of these columns shown in their colours;
    text columns as wide as their longest text (fitted)."""
    config = fitted(df, {**(column_config or {}), **{c: chip_column(colours, c) for c in columns}}, tuple(columns))
    st.dataframe(df, hide_index=True, key=key, column_config=config, placeholder=MISSING, **kwargs)


def build_rate_chart(rows: pd.DataFrame, *, field: str, title: str) -> alt.Chart:
    """A cumulative rate by month, in % (rows: 月份, m for the order, and `field`)."""
    return (
        alt.Chart(rows)
        .mark_line(point=True, color=PRIMARY)
        .encode(x=alt.X("月份:N", sort=alt.EncodingSortField("m"), title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(domain=[0, 100])),
                tooltip=["月份:N", alt.Tooltip(f"{field}:Q", format=".1f")])
        .properties(height=220)
        .configure(font=FONT)
    )


def xlsx_bytes(view: pd.DataFrame, *, sheet: str) -> bytes:
    """A table as an .xlsx: dates as dates written 2022年12月31日, text never turned into a formula or link."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", date_format=XLSX_DATE_FORMAT, datetime_format=XLSX_DATE_FORMAT,
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        view.to_excel(writer, sheet_name=sheet[:31], index=False)
        ws = writer.sheets[sheet[:31]]
        ws.freeze_panes(1, 0)
        for i, col in enumerate(view.columns):
            texts = [fmt.date_label(v) if isinstance(v, dt.date) else v for v in view[col].head(200).tolist()]
            ws.set_column(i, i, column_width([col, *texts]))
    return buf.getvalue()


def download(df: pd.DataFrame, *, label: str, file_name: str, key: str, sheet: str | None = None) -> None:
    """An Excel download of this table; each download is written to the audit log (导出)."""
    from components import auth as ui_auth  # components.auth imports the data seam, which imports this module

    sheet = sheet or file_name.rsplit(".", 1)[0].split("_")[0]
    # Written when clicked, not on every run: a 5,000-row list takes seconds to write as .xlsx. The click starts no
    # rerun (on_click="ignore"): Streamlit 1.67 empties the browser's message queue when a run starts, so a rerun
    # started by the same click could drop the file's answer, and the button then spun for minutes (CI, under
    # load). The export is audited when the file is made.
    st.download_button(label, data=functools.partial(_exported, df, sheet, ui_auth.export_audit(file_name, len(df))),
                       file_name=file_name, key=key, on_click="ignore", mime=XLSX_MIME)


def _exported(df: pd.DataFrame, sheet: str, audit: Callable[[], object]) -> bytes:
    data = xlsx_bytes(df, sheet=sheet)
    audit()
    return data


def status_css(key: str, status: str | None, *, bar: bool = False) -> str:
    """CSS giving the container `key` a left edge in its status colour and, with `bar`, its st.progress bar the
    same colour (Streamlit draws every bar in the theme colour; the bar keeps its text and progressbar role)."""
    if status not in STATUS_COLORS:
        return ""
    colour, scope = STATUS_COLORS[status], f".st-key-{key}"
    css = f"{scope} {{ box-shadow: inset 0.3rem 0 0 {colour}; }}"  # an inset edge: the card keeps its width
    if bar:
        css += f' {scope} [data-testid="stProgressBarTrack"] > div {{ background-color: {colour}; }}'
    return css


def status_style(key: str, status: str | None, *, bar: bool = False) -> None:
    """Send status_css as a style-only block (draws nothing)."""
    if css := status_css(key, status, bar=bar):
        st.html(f"<style>{css}</style>")
