"""月报按时上报率: monthly reports in by their deadline, summed year to date."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlmodel import Session

from db.queries import org as oq
from db.queries import tasks as tq
from services.metrics.common import DeadlineFn, ratio
from services.rules.deadlines import report_deadline
from services.unit import unit_of_work


def deadline_of(fn: DeadlineFn, year: int, month: int) -> tuple[dt.date, str | None]:
    d = fn(year, month)
    return d if isinstance(d, tuple) else (d, None)


@unit_of_work
def report_timeliness(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    deadline_fn: DeadlineFn = report_deadline,
    kind: str = tq.PROGRESS_KIND,
) -> pd.DataFrame:
    """月报按时上报率 by month 1..month: 任务进度 reports in by the deadline ÷ stations, summed year to date
    (`kind` 风险隐患 gives the same for the 风险隐患排查整治表; the KPI counts 任务进度).

    A month whose deadline is still ahead of as_of is not yet due: it adds nothing to either side."""
    months = list(range(1, month + 1))
    dl = {m: deadline_of(deadline_fn, year, m) for m in months}
    counts = tq.submission_counts(session=session, year=year, deadlines={m: d for m, (d, _) in dl.items()},
                                       kind=kind)
    n_stations = oq.station_count(session=session)
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
    df["value"] = ratio(df["cum_ontime"], df["cum_expected"])
    df["reported_ytd"] = df["n_submitted"].cumsum() > 0
    return df
