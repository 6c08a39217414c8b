"""风险隐患排查整治 figures: the reported counts year to date, 隐患整改率 and the open hazards of the list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session

from db.queries import hazards as hq
from db.queries import org as oq
from services.metrics.common import DISTRICT_LABEL, ratio
from services.rules import pacing
from services.unit import unit_of_work

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
    return ratio(df["hazards_rectified"], df["hazards_found"])


@unit_of_work
def hazards(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Per station (every station, in the bureau's order): the 风险隐患排查整治表 counts summed year to date through
    `month`, n_reports and reported (this month), 隐患整改率 (hazard_rate), and from the hazard list as of ref
    (the month's end, or as_of when earlier) the open hazards: n_pending (未整改), n_overdue (逾期, deadline before
    ref) and n_open = n_pending + n_overdue; n_listed counts the list's hazards found by ref."""
    ref = pacing.ref_date(year, month, as_of)
    sums = hq.hazard_report_sums(session=session, year=year, month=month, station_id=station_id)
    open_ = hq.hazard_open_counts(session=session, ref=ref, station_id=station_id)
    st = oq.stations(session=session).drop(columns="is_demo")
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


@unit_of_work
def hazard_totals(*, session: Session | None = None, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
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
