"""Small SQL helpers shared by the query modules: frames from statements, conditional counts, cut lists."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import case, func
from sqlmodel import Session


def frame(session: Session, stmt) -> pd.DataFrame:
    res = session.exec(stmt)
    return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


def flag(col) -> sa.ColumnElement:
    """1 when a boolean column is true: MAX over it says whether any row in the group is."""
    return case((col, 1), else_=0)


def count_if(cond) -> sa.ColumnElement:
    # COALESCE: SUM over no rows is NULL, and an empty group (or the district row) must read 0, not None.
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def truncate(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    # The query fetched limit + 1 rows: the extra one only says that the list was cut.
    out = df.head(limit).reset_index(drop=True)
    out.attrs["truncated"] = len(df) > limit
    out.attrs["limit"] = limit
    return out
