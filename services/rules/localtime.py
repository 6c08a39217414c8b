"""Times as people in the bureau read them: stored times are UTC, shown in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

import pandas as pd

# China has kept UTC+8 without daylight saving since 1991: a fixed offset is exact and needs no tz database.
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC instant: naive times (SQLite hands them back so) are UTC."""
    return at.replace(tzinfo=dt.UTC) if at.utcoffset() is None else at.astimezone(dt.UTC)


def local_time_label(at: dt.datetime | None) -> str:
    """A stored (UTC) time as read in the bureau: 2026年11月22日 16:05; "" for none. Naive times are UTC."""
    if at is None or pd.isna(at):
        return ""
    t = as_utc(at).astimezone(LOCAL_TZ)
    return f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}"


def local_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a calendar day in Asia/Shanghai begins."""
    return dt.datetime.combine(day, dt.time.min, LOCAL_TZ).astimezone(dt.UTC)
