"""The period selector (year, month) shared by all pages and kept in the URL, so a link reproduces the view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from components import data


@dataclass(frozen=True)
class Period:
    year: int
    month: int
    as_of: dt.date

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def _months_for(year: int, as_of: dt.date) -> list[int]:
    if year < as_of.year:
        return list(range(1, 13))
    if year == as_of.year:
        return list(range(1, as_of.month + 1))
    return [1]


def select() -> Period:
    """Draw the selector in the sidebar (called by app.py on every run) and return the chosen period."""
    as_of = data.as_of()
    years = sorted(set(data.years()) | {as_of.year})
    years = [y for y in years if y <= as_of.year] or [as_of.year]
    with st.sidebar:
        year = st.selectbox("年度", years, index=years.index(as_of.year) if as_of.year in years else len(years) - 1,
                            format_func=lambda y: f"{y}年", placeholder="请选择", key="year", bind="query-params")
        months = _months_for(year, as_of)
        default = months.index(as_of.month) if (year == as_of.year and as_of.month in months) else len(months) - 1
        month = st.selectbox("月份", months, index=default, format_func=lambda mo: f"{mo}月", placeholder="请选择",
                             key="month", bind="query-params")
        st.caption(f"数据截至{as_of.year}年{as_of.month}月{as_of.day}日")
    period = Period(int(year), int(month), as_of)
    st.session_state["_period"] = period
    return period


def current() -> Period:
    """The period chosen in the frame (pages call this; the frame always runs first)."""
    period = st.session_state.get("_period")
    if period is None:
        as_of = data.as_of()
        period = Period(as_of.year, as_of.month, as_of)
    return period
