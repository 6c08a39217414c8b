"""Charts the pages draw from cached Vega-Lite specs say what st.altair_chart would have sent for the same chart."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from components import views


def _named_data(spec: dict) -> tuple[dict, list]:
    spec = dict(spec)
    spec.pop("$schema", None)
    datasets = spec.pop("datasets")
    rows = datasets[spec.pop("data")["name"]]
    return spec, rows


def test_trend_spec_is_what_streamlit_makes_of_the_altair_chart():
    vega_charts = pytest.importorskip("streamlit.elements.vega_charts")
    trend = pd.DataFrame({"month": [1, 2, 3], "rate": [0.1, math.nan, 0.35], "expected_rate": [0.08, 0.16, 0.25]})
    want, _ = _named_data(vega_charts._convert_altair_to_vega_lite_spec(views.build_trend(trend, title="数值")))
    got, rows = _named_data(views.trend_spec(trend, title="数值"))
    assert got == want
    assert [(r["月份"], r["系列"], r["值"]) for r in rows] == [
        ("1月", "实际", 10.0), ("1月", "时序进度", 8.0), ("2月", "实际", None), ("2月", "时序进度", 16.0),
        ("3月", "实际", 35.0), ("3月", "时序进度", 25.0)]
