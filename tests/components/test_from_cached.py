"""components.data makes some figures from another cached figure instead of by their own reads (the district task
totals and the stations' lags from one task_progress, the district 包保 row from the stations'): the same frames as
the services give."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import data
from db.engine import dispose_engines
from services import metrics
from tests.pages.conftest import small_url  # noqa: F401  (the fixture)

OCT31 = dt.date(2022, 10, 31)


def test_figures_made_from_a_cached_figure_equal_the_services(small_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", small_url)
    dispose_engines()
    st.cache_data.clear()
    try:
        for month in (10, 4):
            period = {"year": 2022, "month": month, "as_of": OCT31}
            for fn in (metrics.task_totals, metrics.station_lag):
                assert fn in data._FROM_CACHED
                pd.testing.assert_frame_equal(data.cached(fn, **period), fn(**period), obj=f"{fn.__name__} {month}")
            district = data.cached(metrics.baobao, **period, by="district")
            pd.testing.assert_frame_equal(district, metrics.baobao(**period, by="district"), check_dtype=False)
    finally:
        st.cache_data.clear()
        dispose_engines()
