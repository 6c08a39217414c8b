"""What every figure module shares: the district's label, ratios of sums, the months that have begun."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

DeadlineFn = Callable[[int, int], "tuple[dt.date, str | None] | dt.date"]
DISTRICT_LABEL = "全区"


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    # An empty denominator has no rate (NaN, shown as —), never 0% or 100%.
    den = den.astype("float64")
    return num.astype("float64") / den.where(den != 0)


def months_through(year: int, as_of: dt.date) -> list[int]:
    """Months of `year` that have begun by as_of: none for a future year, all twelve for a past one."""
    if as_of.year < year:
        return []
    return list(range(1, (as_of.month if as_of.year == year else 12) + 1))
