"""Pacing (时间过半、任务过半): time progress, the expected value to date, lag and the traffic-light status."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
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


@dataclass(frozen=True)
class Window:
    """The days a plan is worked in (start … due, both inclusive) and the clause that states them.

    A task list or KPI without a stated window is paced over its year (`year_window`): `stated` is False and
    there is no source."""

    start: dt.date
    due: dt.date
    source_doc: str | None = None
    source_clause: str | None = None
    phase: str | None = None
    stated: bool = True

    @property
    def days(self) -> int:
        return _days_through(self.start, self.due)

    @property
    def source(self) -> str | None:
        """ "章市监管发〔2022〕9号 三(二)": the document and its clause, or None when the window is not stated."""
        parts = [p for p in (self.source_doc, self.source_clause) if p]
        return " ".join(parts) or None

    def elapsed(self, ref: dt.date) -> int:
        """Days of the window elapsed through ref (0 before it starts, all of them from its due date)."""
        return min(_days_through(self.start, ref), self.days)

    def progress(self, ref: dt.date) -> float:
        return window_progress(self.start, self.due, ref)


def year_window(year: int, due: dt.date | None = None) -> Window:
    """1 Jan … due (31 Dec when not given): the window of anything that states none."""
    return Window(dt.date(year, 1, 1), dt.date(year, 12, 31) if due is None else due, stated=False)


def window_progress(start: dt.date, due: dt.date, ref: dt.date) -> float:
    """Days elapsed from start through ref ÷ days from start through due (both inclusive), within 0 … 1.

    0 before the window starts, 1 from its due date on; a window that ends before it starts is wholly owed (1)."""
    span = _days_through(start, due)
    if span == 0:
        return 1.0
    return min(_days_through(start, ref), span) / span


def time_progress(
    year: int, month: int, as_of: dt.date, *, start: dt.date | None = None, due: dt.date | None = None
) -> float:
    """Time progress at min(month end, as_of) in the window start … due (default 1 Jan … 31 Dec of `year`).

    The 2022 任务清单 (2022-03-01 … 11-30) at 2022-10-31: 245 / 275 = 89.1%."""
    start = dt.date(year, 1, 1) if start is None else start
    due = dt.date(year, 12, 31) if due is None else due
    return window_progress(start, due, ref_date(year, month, as_of))


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
    window_start: dt.date | None = None,
) -> float:
    """The value expected by min(month end, as_of) under a pacing kind: ramp, level or once.

    A ramp runs from `window_start` (1 Jan when not stated) to `due_date` (31 Dec when not stated): the baseline
    before the window starts (0 for counts), the target from the due date on."""
    ref = ref_date(year, month, as_of)
    due = dt.date(year, 12, 31) if _missing(due_date) else _as_date(due_date)
    start = dt.date(year, 1, 1) if _missing(window_start) else _as_date(window_start)
    if kind == "level":
        return float(target)
    if kind == "once":
        return float(target) if ref >= due else 0.0
    if kind != "ramp":
        raise ValueError(f"unknown pacing kind {kind!r}")
    base = 0.0 if _missing(baseline) else float(baseline)
    span = _days_through(start, due)
    elapsed = _days_through(start, ref)
    # A due date on or before the window's start means the whole ramp is already owed.
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


def _at_least_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a >= b - _REL_TOL * np.maximum(1.0, np.abs(b))


def status_array(actual: np.ndarray, expected: np.ndarray, direction, reported, amber: float = AMBER) -> list[str]:
    """status() of each row at once (the same comparisons, element by element)."""
    actual = np.asarray(actual, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    directions = np.asarray(direction, dtype=object)
    rep = reported.to_numpy() if isinstance(reported, pd.Series) else np.asarray(reported)
    rep = rep.astype(bool) if rep.dtype == bool else np.array([bool(r) for r in rep], dtype=bool)
    grey = ~rep | np.isnan(actual) | np.isnan(expected)
    up, down = directions == ">=", directions == "<="
    bad = ~grey & ~up & ~down
    if bad.any():
        raise ValueError(f"unknown direction {directions[bad][0]!r}")
    with np.errstate(invalid="ignore"):
        green = np.where(up, _at_least_array(actual, expected), _at_least_array(expected, actual))
        amber_ok = np.where(up, _at_least_array(actual, amber * expected),
                            _at_least_array((2 - amber) * expected, actual))
    codes = np.where(grey, "grey", np.where(green, "green", np.where(amber_ok, "amber", "red")))
    return codes.astype(object).tolist()


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
    out["status"] = status_array(actual.to_numpy(), exp.to_numpy(), direction, reported)
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

    Optional per-row columns: kind (ramp), baseline (0), window_start (1 Jan), due_date (31 Dec),
    direction (">="), unit, reported. month=None paces each row at its own `month` column (a trend).
    Adds time_progress: the share of the row's window elapsed (时序进度 of a ramp).
    """
    n = len(df)
    kind = df["kind"] if "kind" in df else ["ramp"] * n
    baseline = df["baseline"] if "baseline" in df else [None] * n
    due = df["due_date"] if "due_date" in df else [None] * n
    start = df["window_start"] if "window_start" in df else [None] * n
    months = df["month"] if month is None else [month] * n
    out = df.copy()
    # Whole columns at once (a trend at city scale is 150 stations × indicators × months, ~10,000 rows): the same
    # arithmetic as expected() and time_progress(), in the same order, so every figure is bit-for-bit theirs.
    month_no = np.asarray(months, dtype="int64")
    by_month = np.zeros(13, dtype="int64")  # month number -> its ref date's ordinal
    for m in set(month_no.tolist()):
        by_month[m] = ref_date(year, m, as_of).toordinal()
    ref = by_month[month_no]
    dec31, jan1 = dt.date(year, 12, 31).toordinal(), dt.date(year, 1, 1).toordinal()
    due_o = _ordinals(due, dec31)
    start_o = _ordinals(start, jan1)
    span = np.maximum(due_o - start_o + 1, 0)
    elapsed = np.maximum(ref - start_o + 1, 0)
    target = np.asarray(df["target"], dtype="float64")
    base = _floats_or_zero(baseline)
    kinds = np.asarray(kind, dtype=object)
    unknown = set(kinds.tolist()) - {"ramp", "level", "once"}
    if unknown:
        raise ValueError(f"unknown pacing kind {sorted(unknown, key=str)[0]!r}")
    owed = (span == 0) | (elapsed >= span)
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = np.where(owed, target, base + (target - base) * elapsed / np.where(span == 0, 1, span))
        progress = np.where(span == 0, 1.0, np.minimum(elapsed, span) / np.where(span == 0, 1, span))
    exp = np.where(kinds == "level", target, np.where(kinds == "once", np.where(ref >= due_o, target, 0.0), ramp))
    out["expected"] = pd.Series(exp.astype("float64"), index=df.index, dtype="float64")
    out["time_progress"] = pd.Series(progress.astype("float64"), index=df.index, dtype="float64")
    return derive_rates(out, reported_col=reported_col)


def _ordinals(values, default: int) -> np.ndarray:
    """Dates (plain or pandas Timestamps, or missing: `default`) as day ordinals; each distinct value read once."""
    codes, uniques = pd.factorize(pd.Series(values, dtype="object"), use_na_sentinel=True)  # missing: code -1
    table = np.array([_as_date(v).toordinal() for v in uniques] + [default], dtype="int64")
    return table[codes]


def _floats_or_zero(values) -> np.ndarray:
    """Numbers as float64, missing ones 0.0 (a baseline not given)."""
    col = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    if pd.api.types.is_numeric_dtype(col.dtype):
        a = col.to_numpy(dtype="float64", na_value=np.nan)
        return np.where(np.isnan(a), 0.0, a)
    return np.array([0.0 if _missing(b) else float(b) for b in col], dtype="float64")
