"""Organisation queries: stations and townships."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db.models import (
    Station,
    Township,
)
from db.sql import MAX_ROWS
from db.sql import frame as _frame


def stations(*, session: Session) -> pd.DataFrame:
    """station_id, station, sort_order, is_demo — every station, in the bureau's order."""
    stmt = (
        select(
            Station.id.label("station_id"),
            Station.name.label("station"),
            Station.sort_order,
            Station.is_demo,
        )
        .order_by(Station.sort_order, Station.id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)


def townships(*, session: Session) -> pd.DataFrame:
    """township_id, township, station_id."""
    stmt = (
        select(Township.id.label("township_id"), Township.name.label("township"), Township.station_id)
        .order_by(Township.station_id, Township.id)
        .limit(MAX_ROWS)
    )
    return _frame(session, stmt)



def station_count(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Station)).scalar() or 0)
