"""Charts the pages draw from cached Vega-Lite specs say what st.altair_chart would have sent for the same chart."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
from streamlit.elements import (
    vega_charts,  # private: a Streamlit upgrade that moves it must fail here, not skip
)

from components import views
from services.rules.style import FONT


def _named_data(spec: dict) -> tuple[dict, list]:
    spec = dict(spec)
    spec.pop("$schema", None)
    datasets = spec.pop("datasets")
    rows = datasets[spec.pop("data")["name"]]
    return spec, rows


def test_trend_spec_is_what_streamlit_makes_of_the_altair_chart():
    trend = pd.DataFrame({"month": [1, 2, 3], "rate": [0.1, math.nan, 0.35], "expected_rate": [0.08, 0.16, 0.25]})
    want, _ = _named_data(vega_charts._convert_altair_to_vega_lite_spec(views.build_trend(trend, title="数值")))
    got, rows = _named_data(views.trend_spec(trend, title="数值"))
    assert got == want
    assert [(r["月份"], r["系列"], r["值"]) for r in rows] == [
        ("1月", "实际", 10.0), ("1月", "时序进度", 8.0), ("2月", "实际", None), ("2月", "时序进度", 16.0),
        ("3月", "实际", 35.0), ("3月", "时序进度", 25.0)]


def test_a_trend_of_nothing_but_zeros_has_an_axis_of_0_to_100():
    """A once KPI not yet done (新增区级实训中心: 0 of 1 all year): Vega would label a [0, 0] axis "0.000000"."""
    zeros = pd.DataFrame({"month": [1, 2], "rate": [0.0, 0.0], "expected_rate": [0.0, math.nan]})
    assert views.trend_spec(zeros, pace="应达")["encoding"]["y"]["scale"] == {"domain": [0, 100]}
    some = pd.DataFrame({"month": [1, 2], "rate": [0.0, 0.02], "expected_rate": [0.0, 0.03]})
    assert "scale" not in views.trend_spec(some)["encoding"]["y"]  # a small rate keeps its own scale


def build_schedule(df: pd.DataFrame, *, today) -> alt.Chart:
    """views.schedule_spec's chart as Altair would say it (the pages send the spec written out)."""
    data = df.assign(**views.schedule_rows(df))
    bars = alt.Chart(data).mark_bar(cornerRadius=3, height=18).encode(
        y=alt.Y("行:N", title=None, axis=alt.Axis(labels=False, ticks=False)),
        x=alt.X("开始:T", title=None, axis=alt.Axis(format="%-m月", tickCount="month", labelAngle=0)),
        x2=alt.X2("结束:T"),
        color=alt.Color("状态:N", scale=alt.Scale(domain=list(views.MILESTONE_COLORS),
                                                  range=list(views.MILESTONE_COLORS.values())),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("时间:N"), alt.Tooltip("工作重点:N"), alt.Tooltip("状态:N")],
    )
    labels = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#1c2430").encode(
        y=alt.Y("行:N"), x=alt.X("结束:T"), text=alt.Text("时间:N"))
    rule = alt.Chart(pd.DataFrame({"今天": [pd.Timestamp(today)]})).mark_rule(color="#d64541", strokeWidth=2).encode(
        x=alt.X("今天:T"), tooltip=[alt.Tooltip("今天:T", format="%Y年%-m月%-d日")])
    return alt.layer(bars, labels, rule).properties(height=34 * max(1, len(data))).configure(font=FONT)


def _rows(data: bytes) -> list[dict]:
    import pyarrow as pa

    return [{k: v for k, v in r.items() if not k.startswith("__")}
            for r in pa.ipc.open_stream(data).read_all().to_pylist()]


def _by_position(spec: dict) -> tuple[dict, list[list[dict]]]:
    """A spec with its datasets' names replaced by their order of first use, and each dataset's rows."""
    datasets = spec["datasets"]
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"name"} and isinstance(node["name"], str) and node["name"] in datasets:
                if node["name"] not in names:
                    names.append(node["name"])
                return {"name": f"data-{names.index(node['name'])}"}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk({k: v for k, v in spec.items() if k != "datasets"})
    return out, [_rows(datasets[n]) for n in names]


def test_written_out_chart_specs_are_what_streamlit_makes_of_the_altair_charts():
    """views.ranking_spec (任务清单's ranking) and views.schedule_spec (配档表), written out without Altair, are
    Streamlit's own conversion of the Altair charts (build_ranking, which the 大屏 and the meeting pack draw, and
    build_schedule above): the same spec, and the same rows for every field the chart reads (only those are sent)."""
    import datetime as dt

    lags = pd.DataFrame({"station": ["明水所", "双山所"], "station_id": [1, 2], "mean_lag_pp": [-12.5, 3.0]})
    sched = pd.DataFrame({"start_date": [dt.date(2022, 3, 1), dt.date(2022, 6, 1)],
                          "end_date": [dt.date(2022, 5, 31), dt.date(2022, 12, 31)],
                          "focus": ["示范创建", "视频监管试点" * 8], "time_text": ["3月至5月", "6月至12月"],
                          "status": ["已完成", "进行中"], "row_order": [1, 2], "measures": ["不画", "不画"]})
    today = dt.date(2022, 10, 31)
    for altair_chart, got in ((views.build_ranking(lags, expected_rate=0.83),
                               views.ranking_spec(lags, expected_rate=0.83)),
                              (build_schedule(sched, today=today), views.schedule_spec(sched, today=today))):
        want_spec, want_rows = _by_position(vega_charts._convert_altair_to_vega_lite_spec(altair_chart))
        got_spec, got_rows = _by_position(got)
        assert got_spec == want_spec
        assert all(isinstance(d, bytes) for d in got["datasets"].values())
        for g, w in zip(got_rows, want_rows, strict=True):
            assert g == [{k: r[k] for k in g[0]} for r in w]  # the fields sent hold what Altair's rows hold
    assert "measures" not in _rows(next(iter(got["datasets"].values())))[0]  # a column the chart does not read


def test_kpi_trend_specs_carry_the_trend_rows_as_arrow_bytes():
    """指标's trends, made once per input: trend_spec's spec, the rows up to the month as Arrow bytes (what
    st.vega_lite_chart passes on as they are), and no chart for a KPI with nothing reported."""
    import pyarrow as pa

    trends = pd.DataFrame({
        "kpi_id": [7, 7, 7, 9], "month": [1, 2, 3, 1], "rate": [0.1, math.nan, 0.35, math.nan],
        "expected_rate": [0.08, 0.16, 0.25, 0.1], "reported": [True, False, True, False]})
    from services.metrics.kpis import KPI_TREND_COLUMNS

    trends = trends.reindex(columns=KPI_TREND_COLUMNS)
    specs = views.kpi_trend_specs(trends, 2, ((7, "数值", "目标"), (9, "完成率", "时序进度")))
    assert list(specs) == [7]  # KPI 9 reported nothing
    want = views.trend_spec(trends[(trends["kpi_id"] == 7) & (trends["month"] <= 2)], title="数值", pace="目标")
    got = specs[7]
    assert {k: v for k, v in got.items() if k != "datasets"} == {k: v for k, v in want.items() if k != "datasets"}
    rows = pa.ipc.open_stream(got["datasets"]["trend"]).read_all().to_pylist()  # a missing value stays null
    assert [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows] == want["datasets"]["trend"]
