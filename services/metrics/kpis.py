"""KPI figures: gauged KPIs paced by their own kind, reference KPIs, and one KPI by month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session

from db.queries import kpis as kq
from services.metrics.common import DeadlineFn, months_through
from services.metrics.oversight import register_figures
from services.metrics.timeliness import report_timeliness
from services.rules import oversight as oversight_rules
from services.rules import pacing
from services.rules.deadlines import report_deadline
from services.unit import unit_of_work

KPI_COLUMNS = [
    "kpi_id", "name", "unit", "target", "direction", "pacing", "baseline", "window_start", "due_date",
    "jurisdiction", "year", "source_doc", "source_article", "rule_text", "computed_from", "actual", "numerator",
    "denominator", "last_month", "reported", "time_progress", "expected", "rate", "expected_rate", "lag_pp",
    "status", "value_source", "source_basis", "is_demo",
]
KPI_TREND_COLUMNS = [
    "kpi_id", "name", "unit", "year", "month", "target", "direction", "pacing", "actual", "numerator",
    "denominator", "last_month", "reported", "reported_ytd", "time_progress", "expected", "rate", "expected_rate",
    "lag_pp", "status", "value_source", "source_basis", "is_demo",
]
TIMELINESS_SOURCE = "submissions"


def pace_kpis(df: pd.DataFrame, *, year: int, month: int | None, as_of: dt.date) -> pd.DataFrame:
    """The KPI version of pacing.pace_frame: each KPI's own pacing kind, baseline, window (window_start … due_date;
    the year's 1 Jan … due when not stated) and direction; unit "%" makes the value the rate. Status is grey only
    when nothing was reported in the year."""
    out = pacing.pace_frame(
        df.assign(kind=df["pacing"]), year=year, month=month, as_of=as_of, reported_col="reported_ytd"
    )
    return out.drop(columns="kind")


def _kpi_values(
    kpis: pd.DataFrame,
    *,
    session: Session,
    year: int,
    months: list[int],
    as_of: dt.date,
    deadline_fn: DeadlineFn,
) -> pd.DataFrame:
    """KPI rows × months with actual, numerator, denominator, last_month, reported (that month),
    reported_ytd and is_demo: read from readings, or computed for computed_from = submissions."""
    grid = kpis.merge(pd.DataFrame({"month": months}, dtype="int64"), how="cross")
    computed = grid["computed_from"].eq(TIMELINESS_SOURCE)
    read = grid[~computed].merge(
        kq.kpi_readings_asof(
            session=session, year=year, months=months, kpi_ids=grid.loc[~computed, "kpi_id"].unique().tolist()
        ),
        on=["month", "kpi_id"],
        how="left",
    )
    read["reported"] = read["reported"].fillna(0).astype(bool)
    read["reported_ytd"] = read["last_month"].notna()
    read["is_demo"] = read["kpi_demo"].astype(bool) | read["reading_demo"].fillna(False).astype(bool)
    parts = [read.drop(columns="reading_demo")]
    # Computed KPIs never read imported readings: their value is the on-time share of monthly reports.
    if computed.any():
        tl = report_timeliness(session=session, year=year, month=max(months), as_of=as_of, deadline_fn=deadline_fn)
        vals = pd.DataFrame(
            {
                "month": tl["month"],
                "actual": tl["value"],
                "numerator": tl["cum_ontime"],
                "denominator": tl["cum_expected"],
                "last_month": tl["month"].where(tl["n_submitted"] > 0).ffill(),
                "reported": tl["n_submitted"] > 0,
                "reported_ytd": tl["reported_ytd"],
                "any_demo": tl["any_demo"].cumsum() > 0,
            }
        )
        comp = grid[computed].merge(vals, on="month", how="left")
        comp["is_demo"] = comp["kpi_demo"].astype(bool) | comp["any_demo"]
        parts.append(comp.drop(columns="any_demo"))
    df = pd.concat([p for p in parts if not p.empty], ignore_index=True) if len(grid) else read
    df = _from_register(df, session=session, year=year, months=months, as_of=as_of)
    for c in ("actual", "numerator", "denominator", "target", "baseline"):
        df[c] = df[c].astype("float64")
    df["last_month"] = df["last_month"].astype("Float64").astype("Int64")
    return df.drop(columns="kpi_demo")


def _from_register(df: pd.DataFrame, *, session: Session, year: int, months: list[int],
                   as_of: dt.date) -> pd.DataFrame:
    """value_source on every row (月报填报, 上报记录 or 抽检台账); the KPIs of oversight_rules.KPI_FIGURES read their
    values from the 抽检 register when it has batches in the year (source_basis = what the figure counts), else
    they keep the readings."""
    df = df.assign(value_source=df["computed_from"].eq(TIMELINESS_SOURCE).map(
        {True: oversight_rules.SOURCE_SUBMISSIONS, False: oversight_rules.SOURCE_READINGS}), source_basis=pd.NA)
    figure = df["name"].map(oversight_rules.KPI_FIGURES) if len(df) else df["name"]
    if not figure.notna().any():
        return df
    figs = register_figures(session=session, year=year, months=months, as_of=as_of)
    if figs.empty:
        return df
    values = {(int(r["month"]), r["figure"]): r for r in figs.to_dict("records")}
    for i in df.index[figure.notna()]:
        r = values.get((int(df.at[i, "month"]), figure[i]))
        if r is None:
            continue
        for col in ("actual", "numerator", "denominator"):
            df.at[i, col] = r[col]
        df.at[i, "last_month"] = int(df.at[i, "month"])
        df.at[i, "reported"] = df.at[i, "reported_ytd"] = True
        df.at[i, "value_source"], df.at[i, "source_basis"] = oversight_rules.SOURCE_REGISTER, r["basis"]
        df.at[i, "is_demo"] = bool(df.at[i, "kpi_demo"]) or bool(r["is_demo"])
    return df


@unit_of_work
def kpi_gauges(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    jurisdiction: str | None = None,
    deadline_fn: DeadlineFn = report_deadline,
) -> pd.DataFrame:
    """One row per gauged KPI of the year: the latest YTD value up to `month` (reported = any in the year), paced."""
    kpis = kq.kpi_rows(session=session, year=year, gauged=True, jurisdiction=jurisdiction)
    df = _kpi_values(kpis, session=session, year=year, months=[month], as_of=as_of, deadline_fn=deadline_fn)
    df = pace_kpis(df, year=year, month=month, as_of=as_of)
    df["reported"] = df["reported_ytd"]
    order = {k: i for i, k in enumerate(kpis["kpi_id"])}
    df = df.sort_values("kpi_id", key=lambda s: s.map(order))
    return df.reindex(columns=KPI_COLUMNS).reset_index(drop=True)


@unit_of_work
def kpi_reference(
    *, session: Session | None = None, year: int | None = None, jurisdiction: str | None = None
) -> pd.DataFrame:
    """Reference-only KPI rows (gauged=False): other districts' targets shown for comparison, never paced."""
    df = kq.kpi_rows(session=session, year=year, gauged=False, jurisdiction=jurisdiction)
    return df.rename(columns={"kpi_demo": "is_demo"}).drop(columns=["gauged"])


@unit_of_work
def kpi_trend(
    *,
    session: Session | None = None,
    kpi_id: int,
    year: int,
    as_of: dt.date,
    deadline_fn: DeadlineFn = report_deadline,
) -> pd.DataFrame:
    """One KPI by month that has begun: the YTD value carried forward and the value expected at that month."""
    kpi = kq.kpi_rows(session=session, kpi_id=kpi_id)
    return _trends(kpi, session=session, year=year, as_of=as_of, deadline_fn=deadline_fn)


@unit_of_work
def kpi_trends(
    *,
    session: Session | None = None,
    year: int,
    as_of: dt.date,
    jurisdiction: str | None = None,
    deadline_fn: DeadlineFn = report_deadline,
) -> pd.DataFrame:
    """kpi_trend of every gauged KPI of the year (kpi_gauges' KPIs) in one read: the register's figures, the
    readings and the report timeliness are read once, not once per KPI. kpi_trend_of picks one KPI's rows."""
    kpis = kq.kpi_rows(session=session, year=year, gauged=True, jurisdiction=jurisdiction)
    return _trends(kpis, session=session, year=year, as_of=as_of, deadline_fn=deadline_fn)


def kpi_trend_of(trends: pd.DataFrame, kpi_id: int) -> pd.DataFrame:
    """One KPI's rows of kpi_trends, as kpi_trend returns them."""
    return trends[trends["kpi_id"] == kpi_id].sort_values("month")[KPI_TREND_COLUMNS].reset_index(drop=True)


def _trends(kpis: pd.DataFrame, *, session: Session, year: int, as_of: dt.date,
            deadline_fn: DeadlineFn) -> pd.DataFrame:
    months = months_through(year, as_of)
    if kpis.empty or not months:
        return pd.DataFrame(columns=KPI_TREND_COLUMNS)
    df = _kpi_values(kpis, session=session, year=year, months=months, as_of=as_of, deadline_fn=deadline_fn)
    df = pace_kpis(df.assign(year=year), year=year, month=None, as_of=as_of)
    return df.sort_values(["kpi_id", "month"])[KPI_TREND_COLUMNS].reset_index(drop=True)
