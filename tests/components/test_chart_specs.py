"""Charts the pages draw from cached Vega-Lite specs say what st.altair_chart would have sent for the same chart."""

from __future__ import annotations

import math

import pandas as pd
from streamlit.elements import (
    vega_charts,  # private: a Streamlit upgrade that moves it must fail here, not skip
)

from components import views


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


def test_cached_chart_specs_are_what_streamlit_makes_of_the_altair_charts():
    """views.chart_spec (任务清单's ranking and 配档表 schedule, made once per input) is Streamlit's own conversion of
    the Altair chart: the same spec and the same data (Arrow bytes, which st.vega_lite_chart passes on as they are)."""
    import datetime as dt

    lags = pd.DataFrame({"station": ["明水所", "双山所"], "station_id": [1, 2], "mean_lag_pp": [-12.5, 3.0]})
    sched = pd.DataFrame({"start_date": [dt.date(2022, 3, 1)], "end_date": [dt.date(2022, 5, 31)],
                          "focus": ["示范创建"], "time_text": ["3月至5月"], "status": ["已到期"], "row_order": [1]})
    for builder, frame, kwargs in ((views.build_ranking, lags, {"expected_rate": 0.83}),
                                   (views.build_schedule, sched, {"today": dt.date(2022, 10, 31)})):
        want = vega_charts._convert_altair_to_vega_lite_spec(builder(frame, **kwargs))
        got = views.chart_spec(builder, frame, **kwargs)
        assert {k: v for k, v in got.items() if k != "datasets"} == {k: v for k, v in want.items() if k != "datasets"}
        assert got["datasets"] == want["datasets"] and all(isinstance(d, bytes) for d in got["datasets"].values())


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
