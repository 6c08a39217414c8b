"""风险隐患排查整治 figures: the reported counts year to date, 隐患整改率 by DOMAIN.md §5 (running and cohort, with
numerator and denominator) and the open hazards of the list.

隐患整改率 (DOMAIN.md §5), for month M with ref = M's last day (or as_of when earlier):
  running (累计) = hazards found 1 Jan … ref and rectified by ref ÷ hazards found 1 Jan … ref
  cohort (当月)  = the same for hazards found in M
A station with a 隐患清单 in the year is counted from its list (found_date, rectified_date). A station without one is
counted from its 风险隐患排查整治表: each month's report (one per station and month, the latest kept) gives that
month's found and rectified; they are added month by month — the count of each month's hazards, never a sum of
running snapshots. `hazard_rates` is the one entry point every page, the kiosk and the briefing read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlmodel import Session

from db.queries import hazards as hq
from db.queries import org as oq
from services.metrics.common import DISTRICT_LABEL, ratio
from services.rules import fmt, pacing
from services.unit import unit_of_work

BASIS_LIST, BASIS_REPORTS = "隐患清单", "排查整治表"
RUNNING, COHORT = "累计", "当月"

HAZARD_COLUMNS = [
    "station_id", "station", "sort_order", "n_reports", "reported", "entities_checked", "hazards_found",
    "hazards_rectified", "cases_opened", "basis", "found_ytd", "rectified_ytd", "rectification_rate",
    "found_month", "rectified_month", "month_rate", "n_listed", "n_pending", "n_overdue", "n_open", "is_demo",
]
_HAZARD_SUMS = ["n_reports", "entities_checked", "hazards_found", "hazards_rectified", "cases_opened", "found_ytd",
                "rectified_ytd", "found_month", "rectified_month", "n_listed", "n_pending", "n_overdue", "n_open"]


def hazard_rate(df: pd.DataFrame) -> pd.Series:
    """Running 隐患整改率 = rectified_ytd ÷ found_ytd. Nothing found: NaN (shown "—"), never 0% or 100%. Compute it
    again after any roll-up, so a total is the ratio of sums."""
    return ratio(df["rectified_ytd"], df["found_ytd"])


def month_rate(df: pd.DataFrame) -> pd.Series:
    """Cohort 隐患整改率 = rectified_month ÷ found_month (hazards found in the month)."""
    return ratio(df["rectified_month"], df["found_month"])


@unit_of_work
def hazards(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> pd.DataFrame:
    """Per station (every station, in the bureau's order): the 风险隐患排查整治表 counts summed year to date through
    `month` (hazards_found, hazards_rectified as reported), n_reports and reported (this month); 隐患整改率 by the
    definition: basis (隐患清单 / 排查整治表 / None when neither), found_ytd, rectified_ytd, rectification_rate
    (running), found_month, rectified_month, month_rate (cohort); and from the hazard list as of ref (the month's
    end, or as_of when earlier) the open hazards: n_pending (未整改), n_overdue (逾期, deadline before ref) and
    n_open = n_pending + n_overdue; n_listed counts the list's hazards found by ref."""
    ref = pacing.ref_date(year, month, as_of)
    sums = hq.hazard_report_sums(session=session, year=year, month=month, station_id=station_id)
    open_ = hq.hazard_open_counts(session=session, ref=ref, station_id=station_id)
    lists = hq.hazard_list_rates(session=session, year=year, month=month, ref=ref, station_id=station_id)
    st = oq.stations(session=session).drop(columns="is_demo")
    if station_id is not None:
        st = st[st["station_id"] == station_id]
    df = (st.merge(sums, on="station_id", how="left")
          .merge(open_.rename(columns={"any_demo": "list_demo"}), on="station_id", how="left")
          .merge(lists.drop(columns="any_demo"), on="station_id", how="left"))
    has_list = df["list_found_ytd"].notna()
    has_reports = df["n_reports"].fillna(0) > 0
    df["basis"] = np.where(has_list, BASIS_LIST, np.where(has_reports, BASIS_REPORTS, None))
    for ours, listed, reported in (("found_ytd", "list_found_ytd", "hazards_found"),
                                   ("rectified_ytd", "list_rectified_ytd", "hazards_rectified"),
                                   ("found_month", "list_found_month", "month_found"),
                                   ("rectified_month", "list_rectified_month", "month_rectified")):
        df[ours] = df[listed].where(has_list, df[reported])
    df["n_open"] = df["n_pending"].fillna(0) + df["n_overdue"].fillna(0)
    for c in _HAZARD_SUMS:
        df[c] = df[c].fillna(0).astype("int64")
    df["reported"] = df["reported"].fillna(0).astype(bool)
    df["is_demo"] = df["any_demo"].fillna(0).astype(bool) | df["list_demo"].fillna(0).astype(bool)
    df["basis"] = df["basis"].astype("object").where(df["basis"].notna(), None)
    df["rectification_rate"] = hazard_rate(df)
    df["month_rate"] = month_rate(df)
    df = df.sort_values(["sort_order", "station_id"], kind="stable")
    return df[HAZARD_COLUMNS].reset_index(drop=True)


def _basis(bases: pd.Series) -> str | None:
    used = [b for b in (BASIS_LIST, BASIS_REPORTS) if (bases == b).any()]
    return "和".join(used) or None


@unit_of_work
def hazard_totals(*, session: Session | None = None, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """The district row of `hazards`: counts summed over stations, n_stations and n_reported (stations that
    reported this month), basis (隐患清单 / 排查整治表 / 隐患清单和排查整治表), both 隐患整改率 from the sums."""
    return hazard_totals_frame(hazards(session=session, year=year, month=month, as_of=as_of))


def hazard_totals_frame(df: pd.DataFrame) -> pd.DataFrame:
    """hazard_totals from a frame of `hazards` already read (the briefing reads both)."""
    out = pd.DataFrame([{
        "district": DISTRICT_LABEL,
        "n_stations": len(df),
        "n_reported": int(df["reported"].sum()),
        **{c: int(df[c].sum()) for c in _HAZARD_SUMS},
        "basis": _basis(df["basis"]),
        "is_demo": bool(df["is_demo"].any()),
    }])
    out["rectification_rate"] = hazard_rate(out)
    out["month_rate"] = month_rate(out)
    return out


# --- the typed figure every caller reads ----------------------------------------------------------


@dataclass(frozen=True)
class RectificationRate:
    """One 隐患整改率 with its numerator and denominator; scope 累计 (running) or 当月 (cohort)."""

    scope: str
    rectified: int
    found: int
    period: str  # "1月至10月" / "10月"

    @property
    def rate(self) -> float | None:
        return self.rectified / self.found if self.found else None

    @property
    def label(self) -> str:
        """"隐患整改率（累计，1月至10月）" / "隐患整改率（当月，10月）"."""
        return f"隐患整改率（{self.scope}，{self.period}）"

    @property
    def fraction(self) -> str:
        """"整改375项/发现409项"."""
        return f"整改{fmt.num(self.rectified)}项/发现{fmt.num(self.found)}项"

    @property
    def sentence(self) -> str:
        """"隐患整改率（累计，1月至10月）91.7%（整改375项/发现409项）"; "—" without a found hazard."""
        return f"{self.label}{fmt.pct(self.rate)}（{self.fraction}）"


@dataclass(frozen=True)
class HazardRates:
    """隐患整改率 of the district (or one station) for a month: running and cohort, the basis they were counted
    from, and the open hazards of the list as of ref."""

    year: int
    month: int
    ref: dt.date
    running: RectificationRate
    cohort: RectificationRate
    basis: str | None  # 隐患清单 / 排查整治表 / 隐患清单和排查整治表; None when nothing was reported or listed
    n_open: int
    n_overdue: int
    is_demo: bool

    @property
    def basis_note(self) -> str:
        """"依据：隐患清单（按发现日期和整改日期）" — what a caption says about where the figures come from."""
        if self.basis is None:
            return "尚无风险隐患排查整治表或隐患清单"
        if self.basis == BASIS_REPORTS:
            return "依据：各所风险隐患排查整治表（逐月发现数、整改数）"
        if self.basis == BASIS_LIST:
            return "依据：隐患清单（按发现日期和整改日期）"
        return "依据：有隐患清单的所按清单，其余按风险隐患排查整治表"

    @property
    def definition(self) -> str:
        return (f"累计 = {self.year}年1月1日至{fmt.date_label(self.ref)}发现、且截至当日已整改的隐患 ÷ 同期发现的隐患；"
                f"当月 = 同一口径，只计{self.month}月发现的隐患")


@unit_of_work
def hazard_rates(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date, station_id: int | None = None
) -> HazardRates:
    """隐患整改率 (DOMAIN.md §5) of the district, or of one station: the one function every page, the kiosk and the
    briefing read for it."""
    if station_id is None:
        return rates_of(hazard_totals(session=session, year=year, month=month, as_of=as_of),
                        year=year, month=month, as_of=as_of)
    return rates_of(hazards(session=session, year=year, month=month, as_of=as_of, station_id=station_id),
                    year=year, month=month, as_of=as_of)


def rates_of(frame: pd.DataFrame, *, year: int, month: int, as_of: dt.date) -> HazardRates:
    """HazardRates from a hazard_totals frame (or one station's `hazards` row) a page has already read."""
    row = frame.iloc[0] if len(frame) else pd.Series(dict.fromkeys(_HAZARD_SUMS, 0) | {"basis": None,
                                                                                         "is_demo": False})
    return HazardRates(
        year=year, month=month, ref=pacing.ref_date(year, month, as_of),
        running=RectificationRate(RUNNING, int(row["rectified_ytd"]), int(row["found_ytd"]),
                                  f"1月至{month}月" if month > 1 else "1月"),
        cohort=RectificationRate(COHORT, int(row["rectified_month"]), int(row["found_month"]), f"{month}月"),
        basis=row["basis"], n_open=int(row["n_open"]), n_overdue=int(row["n_overdue"]), is_demo=bool(row["is_demo"]),
    )
