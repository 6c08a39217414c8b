"""月报按时上报率: monthly reports in by their deadline, summed year to date.

The KPI (kpi.computed_from = "submissions") counts the 月报 its rule names (金山 2024 三(一): 风险隐患排查整治表 and,
once a kind exists, 工作信息) from the month the rule starts (AppSetting monthly_report_start, "2022-05" in the
demo; without it the rule's 5月起). 任务进度 filings are tracked apart as 进度填报 (kind 任务进度, every month)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlmodel import Session

from db.engine import get_setting
from db.queries import org as oq
from db.queries import tasks as tq
from services.metrics.common import DeadlineFn, ratio
from services.rules import deadlines as dl_rules
from services.rules.deadlines import report_deadline
from services.unit import unit_of_work


def deadline_of(fn: DeadlineFn, year: int, month: int) -> tuple[dt.date, str | None]:
    d = fn(year, month)
    return d if isinstance(d, tuple) else (d, None)


def first_required_month(session: Session, year: int, kind: str) -> int | None:
    """The first month of `year` a report of `kind` is expected: a 月报 kind from the rule's start (the setting,
    else 5月起); 任务进度 from January. None: not expected in the year."""
    if kind not in dl_rules.MONTHLY_REPORT_KINDS:
        return 1
    return dl_rules.first_required_month(year, dl_rules.parse_start(get_setting(session, dl_rules.START_SETTING)))


@unit_of_work
def report_start(*, session: Session | None = None, year: int, kind: str = dl_rules.HAZARD_KIND) -> int | None:
    """first_required_month in its own unit of work, for pages and the briefing."""
    return first_required_month(session, year, kind)


@unit_of_work
def report_timeliness(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    deadline_fn: DeadlineFn = report_deadline,
    kind: str = dl_rules.HAZARD_KIND,
) -> pd.DataFrame:
    """月报按时上报率 by month 1..month: reports of `kind` in by the deadline ÷ stations, summed year to date over the
    months the rule requires (`required`; the 月报 from its start month, see first_required_month). The default
    kind is the 月报 (风险隐患排查整治表), which the KPI counts; kind 任务进度 gives the 进度填报 rate.

    A month whose deadline is still ahead of as_of is not yet due, and a month before the rule starts is not
    required: either adds nothing to either side."""
    months = list(range(1, month + 1))
    dl = {m: deadline_of(deadline_fn, year, m) for m in months}
    counts = tq.submission_counts(session=session, year=year, deadlines={m: d for m, (d, _) in dl.items()},
                                  kind=kind)
    first = first_required_month(session, year, kind)
    n_stations = oq.station_count(session=session)
    df = pd.DataFrame({"year": year, "month": months})
    df["deadline"] = pd.Series([dl[m][0] for m in months], dtype="object")
    df["deadline_note"] = pd.Series([dl[m][1] for m in months], dtype="object")
    df = df.merge(counts.astype({"month": "int64"}), on="month", how="left")
    df["n_submitted"] = df["n_submitted"].fillna(0).astype("int64")
    df["any_demo"] = df["any_demo"].fillna(0).astype(bool)
    df["required"] = [dl_rules.is_required(m, first) for m in df["month"]]
    df["due"] = pd.Series([d <= as_of for d in df["deadline"]], index=df.index) & df["required"]
    df["n_expected"] = np.where(df["due"], n_stations, 0).astype("int64")
    df["n_ontime"] = df["n_ontime"].fillna(0).astype("int64").where(df["due"], 0)
    df["cum_expected"] = df["n_expected"].cumsum()
    df["cum_ontime"] = df["n_ontime"].cumsum()
    df["value"] = ratio(df["cum_ontime"], df["cum_expected"])
    df["reported_ytd"] = df["n_submitted"].cumsum() > 0
    df["kind"] = kind
    return df
