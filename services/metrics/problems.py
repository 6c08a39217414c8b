"""The problem loop (issue 20, item 3): problems found by others (执法, 抽检, 风险隐患, another cadre's visit) at the
businesses a cadre packages, with the cadres who must act on them. The rule is db/queries/problems.py's."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session

from db.models import PROBLEM_SOURCES
from db.queries import baobao as bq
from db.queries import problems as pq
from db.sql import LIST_LIMIT
from db.sql import truncate as _truncate
from services.rules import levels, pacing
from services.unit import unit_of_work

OTHERS_COLUMNS = [
    "kind", "row_id", "business_id", "business", "station_id", "station", "township", "cadres", "cadre_levels",
    "source", "description", "found_date", "deadline", "shown", "closed_date", "outcome", "is_demo",
]


def _window(year: int, month: int, as_of: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), pacing.ref_date(year, month, as_of)


@unit_of_work
def others_problems(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    cadre_id: int | None = None,
    source: str | None = None,
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """Problems found by others this year to date at businesses packaged at the period's end (by `cadre_id` when
    given; of `source` when given), overdue first; `cadres` the packaging cadres' names joined with 、, and
    `cadre_levels` their levels in the jurisdiction's words (metrics.jurisdiction_kind), in the same order.
    attrs["truncated"] when cut."""
    year_start, ref = _window(year, month, as_of)
    df = pq.others_problem_rows(session=session, year_start=year_start, ref=ref, station_id=station_id,
                                cadre_id=cadre_id, source=source, limit=limit)
    kind = levels.jurisdiction_kind(bq.jurisdiction_name(session=session))
    cadres = pq.packaging_cadres(session=session, ref=ref, business_ids=df["business_id"])
    # Names in one order on every backend (a database collation may sort Chinese differently).
    cadres = cadres.sort_values(["business_id", "name", "cadre_id"], key=lambda c: c.astype(str), kind="stable")
    cadres["label"] = cadres["level"].map(lambda c: levels.level_label(c, kind))
    names = cadres.groupby("business_id").agg(cadres=("name", "、".join), cadre_levels=("label", "、".join))
    df = df.merge(names, left_on="business_id", right_index=True, how="left")
    df["is_demo"] = df["is_demo"].astype(bool)
    return _truncate(df[OTHERS_COLUMNS], limit)


@unit_of_work
def others_problem_counts(
    *,
    session: Session | None = None,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    cadre_id: int | None = None,
) -> pd.DataFrame:
    """Per source found (PROBLEM_SOURCES order, sources with none left out): n, n_open, n_overdue — the counts
    behind others_problems, whole however long the list."""
    year_start, ref = _window(year, month, as_of)
    df = pq.others_problem_counts(session=session, year_start=year_start, ref=ref, station_id=station_id,
                                  cadre_id=cadre_id)
    rank = {s: i for i, s in enumerate(PROBLEM_SOURCES)}
    df = df.assign(_rank=df["source"].map(rank).fillna(len(rank)))
    df = df.sort_values(["_rank", "source"]).drop(columns="_rank").reset_index(drop=True)
    for c in ("n", "n_open", "n_overdue"):
        df[c] = df[c].astype("int64")
    return df
