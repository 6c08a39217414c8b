"""Pacing (时间过半、任务过半): time progress, the expected value to date, lag and the traffic-light status."""

from __future__ import annotations

import calendar
import datetime as dt
import math

import pandas as pd

STATUSES = ("green", "amber", "red", "grey")
# Worst first: a station's overall status is the first of these among its indicators. Grey (nothing reported)
# outranks green so a station that left one indicator blank never looks wholly on track.
STATUS_SEVERITY = ("red", "amber", "grey", "green")
AMBER = 0.9
# Float noise must not turn "exactly on pace" amber: 126 × 304/365 computed two ways differs in the last bit.
_REL_TOL = 1e-9


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def ref_date(year: int, month: int, as_of: dt.date) -> dt.date:
    """The day figures are counted through: the month's last day, or as_of when that comes first."""
    return min(month_end(year, month), as_of)


def quarter_start(year: int, month: int) -> dt.date:
    return dt.date(year, 3 * ((month - 1) // 3) + 1, 1)


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _days_through(start: dt.date, end: dt.date) -> int:
    """Days from start through end, both inclusive; 0 when end is before start."""
    return max((end - start).days + 1, 0)


def time_progress(year: int, month: int, as_of: dt.date) -> float:
    """Days elapsed from 1 Jan through min(month end, as_of) ÷ days in the year (0 before 1 Jan, 1 at 31 Dec)."""
    elapsed = _days_through(dt.date(year, 1, 1), ref_date(year, month, as_of))
    return min(elapsed, days_in_year(year)) / days_in_year(year)


def quarter_progress(year: int, month: int, as_of: dt.date) -> float:
    """Days elapsed from the start of the month's quarter through min(month end, as_of) ÷ days in that quarter."""
    start = quarter_start(year, month)
    end = month_end(year, start.month + 2)
    return min(_days_through(start, ref_date(year, month, as_of)), _days_through(start, end)) / _days_through(
        start, end
    )


def _missing(x) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def _as_date(x) -> dt.date:
    # Frames may carry due dates as pandas Timestamps; comparisons below are between plain dates.
    return x.date() if isinstance(x, dt.datetime) else x


def expected(
    kind: str,
    target: float,
    *,
    year: int,
    month: int,
    as_of: dt.date,
    baseline: float | None = None,
    due_date: dt.date | None = None,
) -> float:
    """The value expected by min(month end, as_of) under a pacing kind: ramp, level or once."""
    ref = ref_date(year, month, as_of)
    due = dt.date(year, 12, 31) if _missing(due_date) else _as_date(due_date)
    if kind == "level":
        return float(target)
    if kind == "once":
        return float(target) if ref >= due else 0.0
    if kind != "ramp":
        raise ValueError(f"unknown pacing kind {kind!r}")
    base = 0.0 if _missing(baseline) else float(baseline)
    span = _days_through(dt.date(year, 1, 1), due)
    elapsed = _days_through(dt.date(year, 1, 1), ref)
    # A due date on or before 1 Jan means the whole ramp is already owed.
    if span == 0 or elapsed >= span:
        return float(target)
    # Multiply before dividing so a whole-day ratio stays exact (126 × 304 / 365, not 126 × 0.8328…).
    return base + (float(target) - base) * elapsed / span


def _at_least(a: float, b: float) -> bool:
    return a >= b - _REL_TOL * max(1.0, abs(b))


def status(
    actual: float | None,
    expected: float | None,
    direction: str = ">=",
    reported: bool = True,
    amber: float = AMBER,
) -> str:
    """green / amber / red against the expected value (unrounded), grey when nothing was reported."""
    if not reported or _missing(actual) or _missing(expected):
        return "grey"
    if direction == ">=":
        if _at_least(actual, expected):
            return "green"
        return "amber" if _at_least(actual, amber * expected) else "red"
    if direction == "<=":
        if _at_least(expected, actual):
            return "green"
        return "amber" if _at_least((2 - amber) * expected, actual) else "red"
    raise ValueError(f"unknown direction {direction!r}")


def lag_pp(actual_rate: float, expected_rate: float) -> float:
    """Actual rate − expected rate in percentage points, unrounded."""
    return (actual_rate - expected_rate) * 100


def worst_status(statuses) -> str:
    present = set(statuses)
    return next((s for s in STATUS_SEVERITY if s in present), "grey")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    # A zero target has no rate; NaN keeps it out of means instead of raising or showing inf.
    den = den.astype("float64")
    return num.astype("float64") / den.where(den != 0)


def derive_rates(df: pd.DataFrame, *, reported_col: str = "reported") -> pd.DataFrame:
    """From target, actual and expected add rate, expected_rate, lag_pp and status.

    Rows with unit "%" are rates stored as fractions: the value is the rate. Other rows are counts: rate =
    actual ÷ target. Optional columns: unit, direction (default ">="), and `reported_col` (default True).
    """
    out = df.copy()
    is_rate = out["unit"].eq("%") if "unit" in out else pd.Series(False, index=out.index)
    actual = out["actual"].astype("float64")
    exp = out["expected"].astype("float64")
    out["rate"] = actual.where(is_rate, _ratio(actual, out["target"]))
    out["expected_rate"] = exp.where(is_rate, _ratio(exp, out["target"]))
    out["lag_pp"] = lag_pp(out["rate"], out["expected_rate"])
    direction = out["direction"] if "direction" in out else pd.Series(">=", index=out.index)
    reported = out[reported_col] if reported_col in out else pd.Series(True, index=out.index)
    # One status per aggregated row (stations × indicators, KPIs): a handful, never raw records.
    out["status"] = [
        status(a, e, d, bool(r)) for a, e, d, r in zip(actual, exp, direction, reported, strict=True)
    ]
    return out


def pace_frame(
    df: pd.DataFrame,
    *,
    year: int,
    month: int | None,
    as_of: dt.date,
    reported_col: str = "reported",
) -> pd.DataFrame:
    """Add expected, rate, expected_rate, lag_pp and status to a frame of target and actual.

    Optional per-row columns: kind (ramp), baseline (0), due_date (31 Dec), direction (">="), unit, reported.
    month=None paces each row at its own `month` column (a trend).
    """
    n = len(df)
    kind = df["kind"] if "kind" in df else ["ramp"] * n
    baseline = df["baseline"] if "baseline" in df else [None] * n
    due = df["due_date"] if "due_date" in df else [None] * n
    months = df["month"] if month is None else [month] * n
    out = df.copy()
    # One call per aggregated row (station × indicator, KPI × month): tens of rows, never raw records.
    out["expected"] = pd.Series(
        [
            expected(k, t, year=year, month=int(m), as_of=as_of, baseline=b, due_date=d)
            for k, t, b, d, m in zip(kind, df["target"], baseline, due, months, strict=True)
        ],
        index=df.index,
        dtype="float64",
    )
    return derive_rates(out, reported_col=reported_col)
