"""包保督导 figures: coverage, completion, 现场督导率 and problems by group, and the lists behind them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session

from db import rollups
from db.models import CADRE_LEVELS
from db.queries import baobao as bq
from db.queries import org as oq
from db.sql import LIST_LIMIT
from db.sql import truncate as _truncate
from services.metrics.common import DISTRICT_LABEL, ratio
from services.rules import levels, pacing
from services.unit import unit_of_work

BAOBAO_COUNTS = [
    "n_business", "n_covered", "n_assigned", "n_done", "n_high_risk", "n_high_risk_onsite",
    "n_prob_period", "n_prob_period_closed", "n_prob_ytd", "n_prob_ytd_closed", "n_prob_due",
    "n_prob_due_ontime", "n_prob_overdue", "n_prob_open",
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
    out["coverage"] = ratio(out["n_covered"], out["n_business"])
    out["completion_rate"] = ratio(out["n_done"], out["n_assigned"])
    out["onsite_rate"] = ratio(out["n_high_risk_onsite"], out["n_high_risk"])
    out["period_close_rate"] = ratio(out["n_prob_period_closed"], out["n_prob_period"])
    out["ytd_close_rate"] = ratio(out["n_prob_ytd_closed"], out["n_prob_ytd"])
    out["ontime_rate"] = ratio(out["n_prob_due_ontime"], out["n_prob_due"])
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
    "n_prob_due_ontime", "ontime_rate", "n_prob_overdue", "n_prob_open", "is_demo", "ref_date", "quarter_start",
]


@unit_of_work
def baobao(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    by: str = "station",
    station_id: int | None = None,
) -> pd.DataFrame:
    """包保 coverage, completion (quarter to date), 现场督导率 and problem counts per group, with rates."""
    if by not in BAOBAO_LEAD:
        raise ValueError(f"by must be one of {sorted(BAOBAO_LEAD)}, not {by!r}")
    if by == "district":  # the sum of the station rows: the one aggregate serves both (components.data shares it)
        stations = baobao(session=session, year=year, month=month, as_of=as_of, by="station", station_id=station_id)
        return baobao_total(stations, year=year, month=month, as_of=as_of)
    keys = list(bq.BAOBAO_GROUPS[by])
    w = _baobao_window(year, month, as_of)
    rules, high = bq.visit_rules(session=session), bq.high_risk_levels(session=session)
    if rollups.windows(w["ref"]) == w:  # the usual case: the month's windows end at ref, a rollup day serves them
        df = rollups.baobao_counts(session=session, ref=w["ref"], rules=rules, high=high, keys=keys,
                                   station_id=station_id)
    else:  # a month that begins after the as-of day: its windows start after ref, counted from the records
        df = _counts_from_records(session=session, by=by, w=w, rules=rules, high=high, station_id=station_id)
    # Every station (and township) appears, with zeros, so a page never silently loses one.
    if by in ("station", "township"):
        st = oq.stations(session=session).drop(columns="is_demo")
        if station_id is not None:
            st = st[st["station_id"] == station_id]
        if by == "township":
            tw = oq.townships(session=session).astype({"township_id": "Int64"})
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


def _counts_from_records(*, session: Session, by: str, w: dict[str, dt.date], rules: pd.DataFrame, high,
                         station_id: int | None) -> pd.DataFrame:
    keys = list(bq.BAOBAO_GROUPS[by])
    ents = bq.baobao_business_counts(session=session, by=by, start=w["start"], ref=w["ref"], rules=rules, high=high,
                                     station_id=station_id)
    probs = bq.baobao_problem_counts(session=session, by=by, month_start=w["month_start"],
                                     year_start=w["year_start"], ref=w["ref"], station_id=station_id)
    if "township_id" in keys:  # NULL townships come back as None; align key dtypes before merging
        for part in (ents, probs):
            part["township_id"] = part["township_id"].astype("Int64")
    return ents.merge(probs, on=keys, how="outer")


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


@unit_of_work
def baobao_by_cadre_level(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Per cadre level: assignments active at ref and those satisfied quarter to date (per assignment)."""
    w = _baobao_window(year, month, as_of)
    df = bq.assignment_counts_by_cadre_level(
        session=session,
        start=w["start"],
        ref=w["ref"],
        rules=bq.visit_rules(session=session),
        high=bq.high_risk_levels(session=session),
        station_id=station_id,
    )
    for c in ("n_cadres", "n_businesses", "n_assigned", "n_satisfied"):
        df[c] = df[c].astype("int64")
    df["completion_rate"] = ratio(df["n_satisfied"], df["n_assigned"])
    df["quarter_progress"] = pacing.quarter_progress(year, month, as_of)
    # 省 → 村, the order of the hierarchy, not of the alphabet; unknown levels last.
    rank = {lvl: i for i, lvl in enumerate(CADRE_LEVELS)}
    df["_rank"] = df["cadre_level"].map(rank).fillna(len(rank))
    return df.sort_values(["_rank", "cadre_level"]).drop(columns="_rank").reset_index(drop=True)


@unit_of_work
def not_visited(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """Businesses with an active assignment and no visit this quarter to date; attrs["truncated"] when cut."""
    w = _baobao_window(year, month, as_of)
    df = bq.unvisited_businesses(
        session=session, start=w["start"], ref=w["ref"], station_id=station_id, limit=limit
    )
    # The database joins names in any order; sorted names make the list stable between refreshes.
    df["cadres"] = df["cadres"].map(lambda s: "、".join(sorted(str(s).split("、"))), na_action="ignore")
    return _truncate(df, limit)


@unit_of_work
def overdue_problems(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """Problems past their deadline and still open at ref, most overdue first, with days_overdue; `cadre` is who
    must act (the visit's cadre, else the cadres packaging the business)."""
    ref = pacing.ref_date(year, month, as_of)
    df = bq.overdue_problem_rows(session=session, ref=ref, station_id=station_id, limit=limit)
    # Packaging cadres (for a problem found without a visit) come joined in any order: sorted, the list is stable.
    df["cadre"] = df["cadre"].map(lambda s: "、".join(sorted(str(s).split("、"))), na_action="ignore")
    df["days_overdue"] = (pd.Timestamp(ref) - pd.to_datetime(df["deadline"])).dt.days.astype("int64")
    return _truncate(df, limit)


@unit_of_work
def problem_aging(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Open problems per station by days since found (≤7, 8–30, 31–90, >90), every station listed."""
    ref = pacing.ref_date(year, month, as_of)
    counts = bq.open_problem_aging(session=session, ref=ref, station_id=station_id)
    st = oq.stations(session=session).drop(columns="is_demo")
    if station_id is not None:
        st = st[st["station_id"] == station_id]
    df = st.merge(counts, on="station_id", how="outer")
    cols = [name for name, _, _ in bq.AGING_BUCKETS] + ["n_open"]
    df[cols] = df[cols].fillna(0).astype("int64")
    return df.sort_values(["sort_order", "station_id"], na_position="last").reset_index(drop=True)


# --- the jurisdiction's words ----------------------------------------------------------------------


@unit_of_work
def high_risk_label(*, session: Session | None = None) -> str:
    """The high-risk 风险等级 as every label says it, from the one setting (db.queries.baobao.high_risk_levels):
    "C、D级" by default, "D级" when the setting says D."""
    return levels.grades_label(bq.high_risk_levels(session=session))


@unit_of_work
def jurisdiction_kind(*, session: Session | None = None) -> str:
    """区 / 县 / 市 of the district the stations belong to (章丘区 → 区): the words for cadre levels follow it."""
    return levels.jurisdiction_kind(bq.jurisdiction_name(session=session))
