"""The dashboard's figures: combine the query frames, roll them up by station and district, and pace them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlmodel import Session

from db import queries
from db.models import CADRE_LEVELS
from db.sql import truncate as _truncate
from services.rules import pacing
from services.rules.deadlines import report_deadline

DeadlineFn = Callable[[int, int], "tuple[dt.date, str | None] | dt.date"]
DISTRICT_LABEL = "全区"


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    # An empty denominator has no rate (NaN, shown as —), never 0% or 100%.
    den = den.astype("float64")
    return num.astype("float64") / den.where(den != 0)


def _months_through(year: int, as_of: dt.date) -> list[int]:
    """Months of `year` that have begun by as_of: none for a future year, all twelve for a past one."""
    if as_of.year < year:
        return []
    return list(range(1, (as_of.month if as_of.year == year else 12) + 1))


# --- task lists (任务清单 / 任务进度 / 任务明细) ---------------------------------------------

TASK_COLUMNS = [
    "station_id", "station", "sort_order", "indicator_id", "indicator", "indicator_name", "unit",
    "indicator_order", "target", "actual", "last_month", "reported", "reported_ytd", "expected", "rate",
    "expected_rate", "lag_pp", "status", "items_total", "items_done", "item_mismatch", "is_demo",
]


def _with_progress(targets: pd.DataFrame, progress: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Targets joined to their carried-forward figures; no report at all this year counts as 0 done
    (actual 0, last_month NA), and the status turns grey through reported_ytd."""
    df = targets.merge(progress, on=on, how="left")
    df["target"] = df["target"].astype("float64")
    df["actual"] = df["actual"].astype("float64").fillna(0.0)
    df["last_month"] = df["last_month"].astype("Int64")
    df["reported"] = df["reported"].fillna(0).astype(bool)
    df["reported_ytd"] = df["last_month"].notna()
    df["is_demo"] = df["target_demo"].astype(bool) | df["progress_demo"].fillna(False).astype(bool)
    return df


def task_progress(*, session: Session, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """One row per (station, indicator) with a target in `year`: the carried-forward 累计完成 and its pace."""
    ref = pacing.ref_date(year, month, as_of)
    targets = queries.station_targets(session=session, year=year)
    progress = queries.station_progress_asof(session=session, year=year, months=[month]).drop(columns="month")
    df = _with_progress(targets, progress, ["station_id", "indicator_id"])
    df = pacing.pace_frame(df, year=year, month=month, as_of=as_of, reported_col="reported_ytd")
    items = queries.task_item_counts(session=session, year=year, ref=ref)
    df = df.merge(items, on=["station_id", "indicator_id"], how="left")
    df["items_total"] = df["items_total"].astype("Int64")
    df["items_done"] = df["items_done"].astype("Int64")
    # The reported figure drives every rate; the sites behind it are a check, flagged when they disagree.
    df["item_mismatch"] = (
        (df["items_total"].notna() & (df["items_done"].astype("Float64") != df["actual"])).fillna(False).astype(bool)
    )
    df["is_demo"] = df["is_demo"] | df["items_demo"].fillna(0).astype(bool)
    return df[TASK_COLUMNS].reset_index(drop=True)


def rollup_tasks(df: pd.DataFrame, *, by: list[str] | None = None) -> pd.DataFrame:
    """Sum a station-level task frame per indicator (and `by`, e.g. month), then derive rates from the sums.

    Status is grey only when no station reported anything in the year."""
    keys = (by or []) + ["indicator_id", "indicator", "indicator_name", "unit", "indicator_order"]
    g = df.groupby(keys, sort=False, dropna=False)
    out = g.agg(
        n_stations=("station_id", "nunique"),
        n_reported=("reported", "sum"),
        target=("target", "sum"),
        actual=("actual", "sum"),
        expected=("expected", "sum"),
        reported_ytd=("reported_ytd", "any"),
        is_demo=("is_demo", "any"),
    ).reset_index()
    if "items_done" in df:
        out["n_item_mismatch"] = g["item_mismatch"].sum().to_numpy()
        # min_count=1: no sites recorded anywhere stays "no check" (NA), not a check that found 0.
        out["items_done"] = g["items_done"].sum(min_count=1).astype("Int64").to_numpy()
    out = pacing.derive_rates(out, reported_col="reported_ytd")
    return out.sort_values(["indicator_order", "indicator_id"] + (by or []), kind="stable").reset_index(drop=True)


def task_totals(*, session: Session, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """District totals per indicator, rolled up from task_progress (the same figures, summed)."""
    return rollup_tasks(task_progress(session=session, year=year, month=month, as_of=as_of))


def station_lag_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Per station: mean lag of its indicators (NaN lags — zero targets — left out), worst status, counts."""
    g = df.groupby(["station_id", "station", "sort_order"], sort=False)
    out = g.agg(
        n_indicators=("indicator_id", "nunique"),
        mean_lag_pp=("lag_pp", "mean"),
        is_demo=("is_demo", "any"),
    ).reset_index()
    counts = pd.crosstab(df["station_id"], df["status"]).reindex(columns=list(pacing.STATUSES), fill_value=0)
    counts.columns = [f"n_{s}" for s in counts.columns]
    out = out.merge(counts, left_on="station_id", right_index=True, how="left")
    out["worst_status"] = g["status"].agg(pacing.worst_status).to_numpy()
    return out.sort_values(["mean_lag_pp", "sort_order", "station_id"], na_position="last").reset_index(drop=True)


def station_lag(*, session: Session, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """Stations, most lagging first: mean lag_pp over indicators and the worst status."""
    return station_lag_frame(task_progress(session=session, year=year, month=month, as_of=as_of))


def task_trend(*, session: Session, year: int, as_of: dt.date) -> pd.DataFrame:
    """Per month that has begun and indicator: district 累计完成 (carried forward per station) vs expected."""
    months = _months_through(year, as_of)
    targets = queries.station_targets(session=session, year=year)
    grid = targets.merge(pd.DataFrame({"month": months}, dtype="int64"), how="cross")
    progress = queries.station_progress_asof(session=session, year=year, months=months)
    df = _with_progress(grid, progress, ["month", "station_id", "indicator_id"])
    # Pace each station-month, then roll up exactly as task_totals does, one month at a time.
    df = pacing.pace_frame(df, year=year, month=None, as_of=as_of, reported_col="reported_ytd")
    out = rollup_tasks(df, by=["month"])
    out.insert(0, "year", year)
    return out


# --- 配档表 ---------------------------------------------------------------------------------


def schedule(*, session: Session, year: int, as_of: dt.date) -> pd.DataFrame:
    """配档表 rows; status = the recorded one, else derived from the window and as_of."""
    df = queries.schedule_rows(session=session, year=year)
    starts = pd.to_datetime(df["start_date"])
    ends = pd.to_datetime(df["end_date"])
    today = pd.Timestamp(as_of)
    derived = np.select([today < starts, today > ends], ["未开始", "已到期"], "进行中")
    df["derived_status"] = pd.Series(derived, index=df.index, dtype="object")
    df["status_is_recorded"] = df["recorded_status"].notna()
    df["status"] = df["recorded_status"].where(df["status_is_recorded"], df["derived_status"])
    return df


# --- 包保督导 -------------------------------------------------------------------------------

BAOBAO_COUNTS = [
    "n_business", "n_covered", "n_assigned", "n_done", "n_high_risk", "n_high_risk_onsite",
    "n_prob_period", "n_prob_period_closed", "n_prob_ytd", "n_prob_ytd_closed", "n_prob_due",
    "n_prob_due_ontime", "n_prob_overdue",
]


def _baobao_window(year: int, month: int, as_of: dt.date) -> dict[str, dt.date]:
    return {
        "ref": pacing.ref_date(year, month, as_of),
        "start": pacing.quarter_start(year, month),
        "month_start": dt.date(year, month, 1),
        "year_start": dt.date(year, 1, 1),
    }


def add_baobao_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Rates from the counts; call again after any roll-up so rates stay ratios of sums."""
    out = df.copy()
    out["coverage"] = _ratio(out["n_covered"], out["n_business"])
    out["completion_rate"] = _ratio(out["n_done"], out["n_assigned"])
    out["onsite_rate"] = _ratio(out["n_high_risk_onsite"], out["n_high_risk"])
    out["period_close_rate"] = _ratio(out["n_prob_period_closed"], out["n_prob_period"])
    out["ytd_close_rate"] = _ratio(out["n_prob_ytd_closed"], out["n_prob_ytd"])
    out["ontime_rate"] = _ratio(out["n_prob_due_ontime"], out["n_prob_due"])
    return out


BAOBAO_LEAD = {
    "district": ["district"],
    "station": ["station_id", "station", "sort_order"],
    "township": ["station_id", "station", "sort_order", "township_id", "township"],
    "sector": ["sector"],
    "tier": ["tier"],
    "risk_level": ["risk_level"],
}
BAOBAO_COLUMNS = [
    "n_business", "n_covered", "coverage", "n_assigned", "n_done", "completion_rate", "quarter_progress",
    "n_high_risk", "n_high_risk_onsite", "onsite_rate", "n_prob_period", "n_prob_period_closed",
    "period_close_rate", "n_prob_ytd", "n_prob_ytd_closed", "ytd_close_rate", "n_prob_due",
    "n_prob_due_ontime", "ontime_rate", "n_prob_overdue", "is_demo", "ref_date", "quarter_start",
]


def baobao(
    *,
    session: Session,
    year: int,
    month: int,
    as_of: dt.date,
    by: str = "station",
    station_id: int | None = None,
) -> pd.DataFrame:
    """包保 coverage, completion (quarter to date), 现场督导率 and problem counts per group, with rates."""
    if by not in queries.BAOBAO_GROUPS:
        raise ValueError(f"by must be one of {sorted(queries.BAOBAO_GROUPS)}, not {by!r}")
    if by == "district":  # the sum of the station rows: the one aggregate serves both (components.data shares it)
        stations = baobao(session=session, year=year, month=month, as_of=as_of, by="station", station_id=station_id)
        return baobao_total(stations, year=year, month=month, as_of=as_of)
    keys = list(queries.BAOBAO_GROUPS[by])
    w = _baobao_window(year, month, as_of)
    ents = queries.baobao_business_counts(
        session=session,
        by=by,
        start=w["start"],
        ref=w["ref"],
        rules=queries.visit_rules(session=session),
        high=queries.high_risk_levels(session=session),
        station_id=station_id,
    )
    probs = queries.baobao_problem_counts(
        session=session,
        by=by,
        month_start=w["month_start"],
        year_start=w["year_start"],
        ref=w["ref"],
        station_id=station_id,
    )
    if "township_id" in keys:  # NULL townships come back as None; align key dtypes before merging
        for part in (ents, probs):
            part["township_id"] = part["township_id"].astype("Int64")
    df = ents.merge(probs, on=keys, how="outer")
    # Every station (and township) appears, with zeros, so a page never silently loses one.
    if by in ("station", "township"):
        st = queries.stations(session=session).drop(columns="is_demo")
        if station_id is not None:
            st = st[st["station_id"] == station_id]
        if by == "township":
            tw = queries.townships(session=session).astype({"township_id": "Int64"})
            df = tw[tw["station_id"].isin(st["station_id"])].merge(df, on=keys, how="outer")
        df = st.merge(df, on="station_id", how="outer")
    df["n_assigned"] = df["n_covered"]
    for c in BAOBAO_COUNTS:
        df[c] = df[c].fillna(0).astype("int64")
    df["is_demo"] = df["is_demo"].fillna(0).astype(bool)
    df = add_baobao_rates(df)
    df["quarter_progress"] = pacing.quarter_progress(year, month, as_of)
    df["ref_date"] = w["ref"]
    df["quarter_start"] = w["start"]
    sort = {"station": ["sort_order", "station_id"], "township": ["sort_order", "station_id", "township_id"]}.get(
        by, [by])
    df = df.sort_values(sort, na_position="last", kind="stable")
    return df[BAOBAO_LEAD[by] + BAOBAO_COLUMNS].reset_index(drop=True)


def baobao_total(stations: pd.DataFrame, *, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """The district row of baobao from its station rows: every business belongs to one station, so the counts
    summed are the district's own, and the rates are recomputed from the sums."""
    w = _baobao_window(year, month, as_of)
    df = pd.DataFrame({"district": [DISTRICT_LABEL], **{c: [int(stations[c].sum())] for c in BAOBAO_COUNTS}})
    df["is_demo"] = bool(stations["is_demo"].any())
    df = add_baobao_rates(df)
    df["quarter_progress"] = pacing.quarter_progress(year, month, as_of)
    df["ref_date"] = w["ref"]
    df["quarter_start"] = w["start"]
    return df[BAOBAO_LEAD["district"] + BAOBAO_COLUMNS]


def baobao_by_cadre_level(
    *, session: Session, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Per cadre level: assignments active at ref and those satisfied quarter to date (per assignment)."""
    w = _baobao_window(year, month, as_of)
    df = queries.assignment_counts_by_cadre_level(
        session=session,
        start=w["start"],
        ref=w["ref"],
        rules=queries.visit_rules(session=session),
        high=queries.high_risk_levels(session=session),
        station_id=station_id,
    )
    for c in ("n_cadres", "n_businesses", "n_assigned", "n_satisfied"):
        df[c] = df[c].astype("int64")
    df["completion_rate"] = _ratio(df["n_satisfied"], df["n_assigned"])
    df["quarter_progress"] = pacing.quarter_progress(year, month, as_of)
    # 省 → 村, the order of the hierarchy, not of the alphabet; unknown levels last.
    rank = {lvl: i for i, lvl in enumerate(CADRE_LEVELS)}
    df["_rank"] = df["cadre_level"].map(rank).fillna(len(rank))
    return df.sort_values(["_rank", "cadre_level"]).drop(columns="_rank").reset_index(drop=True)


def not_visited(
    *,
    session: Session,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    limit: int = queries.LIST_LIMIT,
) -> pd.DataFrame:
    """Businesses with an active assignment and no visit this quarter to date; attrs["truncated"] when cut."""
    w = _baobao_window(year, month, as_of)
    df = queries.unvisited_businesses(
        session=session, start=w["start"], ref=w["ref"], station_id=station_id, limit=limit
    )
    # The database joins names in any order; sorted names make the list stable between refreshes.
    df["cadres"] = df["cadres"].map(lambda s: "、".join(sorted(str(s).split("、"))), na_action="ignore")
    return _truncate(df, limit)


def overdue_problems(
    *,
    session: Session,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    limit: int = queries.LIST_LIMIT,
) -> pd.DataFrame:
    """Problems past their deadline and still open at ref, most overdue first, with days_overdue."""
    ref = pacing.ref_date(year, month, as_of)
    df = queries.overdue_problem_rows(session=session, ref=ref, station_id=station_id, limit=limit)
    df["days_overdue"] = (pd.Timestamp(ref) - pd.to_datetime(df["deadline"])).dt.days.astype("int64")
    return _truncate(df, limit)


def problem_aging(
    *, session: Session, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Open problems per station by days since found (≤7, 8–30, 31–90, >90), every station listed."""
    ref = pacing.ref_date(year, month, as_of)
    counts = queries.open_problem_aging(session=session, ref=ref, station_id=station_id)
    st = queries.stations(session=session).drop(columns="is_demo")
    if station_id is not None:
        st = st[st["station_id"] == station_id]
    df = st.merge(counts, on="station_id", how="outer")
    cols = [name for name, _, _ in queries.AGING_BUCKETS] + ["n_open"]
    df[cols] = df[cols].fillna(0).astype("int64")
    return df.sort_values(["sort_order", "station_id"], na_position="last").reset_index(drop=True)


# --- 风险隐患排查整治 -------------------------------------------------------------------------------

HAZARD_COLUMNS = [
    "station_id", "station", "sort_order", "n_reports", "reported", "entities_checked", "hazards_found",
    "hazards_rectified", "cases_opened", "rectification_rate", "n_listed", "n_pending", "n_overdue", "n_open",
    "is_demo",
]
_HAZARD_SUMS = ["n_reports", "entities_checked", "hazards_found", "hazards_rectified", "cases_opened", "n_listed",
                "n_pending", "n_overdue", "n_open"]


def hazard_rate(df: pd.DataFrame) -> pd.Series:
    """隐患整改率 = 整改隐患数 ÷ 发现隐患数, both summed over the year's 风险隐患排查整治表 for months 1..M (year to
    date up to the period). The reported counts drive it, as 累计完成 drives the task rates; the hazard list is only
    their check. Nothing found: NaN (shown "—"), never 0% or 100%. Compute it again after any roll-up, so a total is
    the ratio of sums."""
    return _ratio(df["hazards_rectified"], df["hazards_found"])


def hazards(*, session: Session, year: int, month: int, as_of: dt.date, station_id: int | None = None) -> pd.DataFrame:
    """Per station (every station, in the bureau's order): the 风险隐患排查整治表 counts summed year to date through
    `month`, n_reports and reported (this month), 隐患整改率 (hazard_rate), and from the hazard list as of ref
    (the month's end, or as_of when earlier) the open hazards: n_pending (未整改), n_overdue (逾期, deadline before
    ref) and n_open = n_pending + n_overdue; n_listed counts the list's hazards found by ref."""
    ref = pacing.ref_date(year, month, as_of)
    sums = queries.hazard_report_sums(session=session, year=year, month=month, station_id=station_id)
    open_ = queries.hazard_open_counts(session=session, ref=ref, station_id=station_id)
    st = queries.stations(session=session).drop(columns="is_demo")
    if station_id is not None:
        st = st[st["station_id"] == station_id]
    df = st.merge(sums, on="station_id", how="left").merge(
        open_.rename(columns={"any_demo": "list_demo"}), on="station_id", how="left")
    df["n_open"] = df["n_pending"].fillna(0) + df["n_overdue"].fillna(0)
    for c in _HAZARD_SUMS:
        df[c] = df[c].fillna(0).astype("int64")
    df["reported"] = df["reported"].fillna(0).astype(bool)
    df["is_demo"] = df["any_demo"].fillna(0).astype(bool) | df["list_demo"].fillna(0).astype(bool)
    df["rectification_rate"] = hazard_rate(df)
    df = df.sort_values(["sort_order", "station_id"], kind="stable")
    return df[HAZARD_COLUMNS].reset_index(drop=True)


def hazard_totals(*, session: Session, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """The district row of `hazards`: counts summed over stations, n_stations and n_reported (stations that
    reported this month), 隐患整改率 recomputed from the sums."""
    df = hazards(session=session, year=year, month=month, as_of=as_of)
    out = pd.DataFrame([{
        "district": DISTRICT_LABEL,
        "n_stations": len(df),
        "n_reported": int(df["reported"].sum()),
        **{c: int(df[c].sum()) for c in _HAZARD_SUMS},
        "is_demo": bool(df["is_demo"].any()),
    }])
    out["rectification_rate"] = hazard_rate(out)
    return out


# --- KPIs ----------------------------------------------------------------------------------

KPI_COLUMNS = [
    "kpi_id", "name", "unit", "target", "direction", "pacing", "baseline", "due_date", "jurisdiction",
    "source_doc", "source_article", "rule_text", "computed_from", "actual", "numerator", "denominator",
    "last_month", "reported", "expected", "rate", "expected_rate", "lag_pp", "status", "is_demo",
]
KPI_TREND_COLUMNS = [
    "kpi_id", "name", "unit", "year", "month", "target", "direction", "actual", "numerator", "denominator",
    "last_month", "reported", "reported_ytd", "expected", "rate", "expected_rate", "lag_pp", "status", "is_demo",
]
TIMELINESS_SOURCE = "submissions"


def pace_kpis(df: pd.DataFrame, *, year: int, month: int | None, as_of: dt.date) -> pd.DataFrame:
    """The KPI version of pacing.pace_frame: each KPI's own pacing kind, baseline, due date and direction;
    unit "%" makes the value the rate. Status is grey only when nothing was reported in the year."""
    out = pacing.pace_frame(
        df.assign(kind=df["pacing"]), year=year, month=month, as_of=as_of, reported_col="reported_ytd"
    )
    return out.drop(columns="kind")


def _deadline(fn: DeadlineFn, year: int, month: int) -> tuple[dt.date, str | None]:
    d = fn(year, month)
    return d if isinstance(d, tuple) else (d, None)


def report_timeliness(
    *, session: Session, year: int, month: int, as_of: dt.date, deadline_fn: DeadlineFn = report_deadline,
    kind: str = queries.PROGRESS_KIND,
) -> pd.DataFrame:
    """月报按时上报率 by month 1..month: 任务进度 reports in by the deadline ÷ stations, summed year to date
    (`kind` 风险隐患 gives the same for the 风险隐患排查整治表; the KPI counts 任务进度).

    A month whose deadline is still ahead of as_of is not yet due: it adds nothing to either side."""
    months = list(range(1, month + 1))
    dl = {m: _deadline(deadline_fn, year, m) for m in months}
    counts = queries.submission_counts(session=session, year=year, deadlines={m: d for m, (d, _) in dl.items()},
                                       kind=kind)
    n_stations = queries.station_count(session=session)
    df = pd.DataFrame({"year": year, "month": months})
    df["deadline"] = pd.Series([dl[m][0] for m in months], dtype="object")
    df["deadline_note"] = pd.Series([dl[m][1] for m in months], dtype="object")
    df = df.merge(counts.astype({"month": "int64"}), on="month", how="left")
    df["n_submitted"] = df["n_submitted"].fillna(0).astype("int64")
    df["any_demo"] = df["any_demo"].fillna(0).astype(bool)
    df["due"] = [d <= as_of for d in df["deadline"]]
    df["n_expected"] = np.where(df["due"], n_stations, 0).astype("int64")
    df["n_ontime"] = df["n_ontime"].fillna(0).astype("int64").where(df["due"], 0)
    df["cum_expected"] = df["n_expected"].cumsum()
    df["cum_ontime"] = df["n_ontime"].cumsum()
    df["value"] = _ratio(df["cum_ontime"], df["cum_expected"])
    df["reported_ytd"] = df["n_submitted"].cumsum() > 0
    return df


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
        queries.kpi_readings_asof(
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
    for c in ("actual", "numerator", "denominator", "target", "baseline"):
        df[c] = df[c].astype("float64")
    df["last_month"] = df["last_month"].astype("Float64").astype("Int64")
    return df.drop(columns="kpi_demo")


def kpi_gauges(
    *,
    session: Session,
    year: int,
    month: int,
    as_of: dt.date,
    jurisdiction: str | None = None,
    deadline_fn: DeadlineFn = report_deadline,
) -> pd.DataFrame:
    """One row per gauged KPI of the year: the latest YTD value up to `month` (reported = any in the year), paced."""
    kpis = queries.kpi_rows(session=session, year=year, gauged=True, jurisdiction=jurisdiction)
    df = _kpi_values(kpis, session=session, year=year, months=[month], as_of=as_of, deadline_fn=deadline_fn)
    df = pace_kpis(df, year=year, month=month, as_of=as_of)
    df["reported"] = df["reported_ytd"]
    order = {k: i for i, k in enumerate(kpis["kpi_id"])}
    df = df.sort_values("kpi_id", key=lambda s: s.map(order))
    return df.reindex(columns=KPI_COLUMNS).reset_index(drop=True)


def kpi_reference(*, session: Session, year: int | None = None, jurisdiction: str | None = None) -> pd.DataFrame:
    """Reference-only KPI rows (gauged=False): other districts' targets shown for comparison, never paced."""
    df = queries.kpi_rows(session=session, year=year, gauged=False, jurisdiction=jurisdiction)
    return df.rename(columns={"kpi_demo": "is_demo"}).drop(columns=["gauged"])


def kpi_trend(
    *, session: Session, kpi_id: int, year: int, as_of: dt.date, deadline_fn: DeadlineFn = report_deadline
) -> pd.DataFrame:
    """One KPI by month that has begun: the YTD value carried forward and the value expected at that month."""
    kpi = queries.kpi_rows(session=session, kpi_id=kpi_id)
    months = _months_through(year, as_of)
    if kpi.empty or not months:
        return pd.DataFrame(columns=KPI_TREND_COLUMNS)
    df = _kpi_values(kpi, session=session, year=year, months=months, as_of=as_of, deadline_fn=deadline_fn)
    df = pace_kpis(df.assign(year=year), year=year, month=None, as_of=as_of)
    return df.sort_values("month")[KPI_TREND_COLUMNS].reset_index(drop=True)
