"""KPI queries: definitions and year-to-date readings carried forward."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
from sqlalchemy import and_, select
from sqlmodel import Session

from db.models import (
    Kpi,
    KpiReading,
)
from db.sql import MAX_ROWS, latest_per_month
from db.sql import frame as _frame


def kpi_rows(
    *,
    session: Session,
    year: int | None = None,
    gauged: bool | None = None,
    jurisdiction: str | None = None,
    kpi_id: int | None = None,
) -> pd.DataFrame:
    """KPI definitions (Kpi columns, id as kpi_id, kind = pacing), filtered as asked."""
    k = Kpi
    stmt = select(
        k.id.label("kpi_id"),
        k.name,
        k.unit,
        k.target,
        k.direction,
        k.pacing,
        k.baseline,
        k.window_start,
        k.due_date,
        k.jurisdiction,
        k.year,
        k.gauged,
        k.rule_text,
        k.source_doc,
        k.source_article,
        k.computed_from,
        k.is_demo.label("kpi_demo"),
    )
    if year is not None:
        stmt = stmt.where(k.year == year)
    if gauged is not None:
        stmt = stmt.where(k.gauged == gauged)
    if jurisdiction is not None:
        stmt = stmt.where(k.jurisdiction == jurisdiction)
    if kpi_id is not None:
        stmt = stmt.where(k.id == kpi_id)
    return _frame(session, stmt.order_by(k.year, k.jurisdiction, k.id).limit(MAX_ROWS))


def kpi_readings_asof(
    *, session: Session, year: int, months: Sequence[int], kpi_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """month, kpi_id, actual (latest YTD value with month ≤ month), numerator, denominator, last_month,
    reported (a reading for exactly that month), reading_demo."""
    cols = ["month", "kpi_id", "actual", "numerator", "denominator", "last_month", "reported", "reading_demo"]
    if not months:
        return pd.DataFrame(columns=cols)
    r = KpiReading
    lt = latest_per_month(r, ("kpi_id",), year=year, months=months)
    stmt = (
        select(
            lt.c.m.label("month"),
            lt.c.kpi_id,
            r.value.label("actual"),
            r.numerator,
            r.denominator,
            lt.c.last_month,
            lt.c.reported,
            r.is_demo.label("reading_demo"),
        )
        .select_from(lt)
        .join(r, and_(r.year == year, r.kpi_id == lt.c.kpi_id, r.month == lt.c.last_month))
        .order_by(lt.c.m, lt.c.kpi_id)
        .limit(MAX_ROWS)
    )
    if kpi_ids is not None:
        stmt = stmt.where(lt.c.kpi_id.in_(list(kpi_ids)))
    return _frame(session, stmt)
