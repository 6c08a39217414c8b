"""What every kind's handler shares: the registry, station lookups, repeats, upserts, submissions."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from db import models as m
from db.changelog import Writer
from seed.importer.job import Record, SheetJob
from seed.importer.names import StationMatcher
from seed.importer.values import is_blank, squash

Handler = Callable[["SheetJob", Writer, Session, dt.date], None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str):
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return wrap


def split_list(text: Any) -> list[str]:
    if is_blank(text):
        return []
    return [p.strip() for p in re.split(r"[、,，;；/\n]", str(text)) if p.strip()]


def upsert_row(job: SheetJob, writer: Writer, model, key: dict, values: dict, rec: Record | None, *, count=True):
    obj, status = writer.upsert(model, key, values, sheet=job.sheet, row=rec.row0 + 1 if rec else None)
    if count:
        job.counts.add(status)
    return obj, status


class Stations:
    """Station lookups for one sheet, with the Chinese errors for unknown names and repeats. Each distinct spelling
    is looked up once; one that is not the station's own name is shown once, with its rows (a 提示)."""

    def __init__(self, job: SheetJob, session: Session):
        self.job = job
        self.matcher = StationMatcher(session)
        self.seen: dict[tuple[Any, int], int] = {}
        self.found: dict[Any, int | None] = {}  # raw spelling -> station
        self.tallies: dict[str, Counter] = {}  # field -> rows per raw spelling (one pass over the column)

    def lookup(self, raw: Any, field: str, row0: int, col0: int | None) -> int | None:
        """The station a spelling names (memoised); the first time a spelling other than the canonical name
        matches, a 提示 at its first cell says what it was imported as and on how many rows."""
        if raw in self.found:
            return self.found[raw]
        sid = self.found[raw] = self.matcher.match(raw)
        if sid is not None and squash(raw) != squash(self.matcher.names[sid]):
            tally = self.tallies.get(field)
            if tally is None:
                tally = self.tallies[field] = Counter(r.raw.get(field) for r in self.job.records)
            self.job.warn(row0, col0, f"“{squash(raw)}”按“{self.matcher.names[sid]}”导入（共{tally[raw] or 1}行）")
        return sid

    def resolve(self, rec: Record, field: str = "station", *, unique: bool = False, required: bool = True,
                scope: Any = None) -> int | None:
        """The station a row names; with ``unique`` a station may appear once per ``scope`` (e.g. per month)."""
        raw = rec.raw.get(field)
        col0 = rec.cells.get(field)
        if is_blank(raw) or (field in rec.values and rec.values[field] is None):
            return None  # blank, or refused as it was read (an Excel error value)
        sid = self.lookup(raw, field, rec.row0, col0)
        if sid is None:
            close = "、".join(self.matcher.suggest(raw))
            self.job.error(rec.row0, col0, f"未知的监管所，最接近的有：{close}" if close else "未知的监管所", raw)
            return None
        if self.job.station_scope is not None and sid != self.job.station_scope:
            self.job.error(rec.row0, col0, "只能导入本所的数据，该行属于其他监管所", raw)
            return None
        if unique:
            if (scope, sid) in self.seen:
                self.job.error(rec.row0, col0, f"监管所“{self.matcher.names[sid]}”与第{self.seen[(scope, sid)] + 1}行重复，同一表中不能出现两次", raw)
                return None
            self.seen[(scope, sid)] = rec.row0
        return sid


def duplicates(job: SheetJob, records: list[Record], key: Callable[[Record], Any], field: str, label: str) -> set[int]:
    """Report rows whose natural key repeats an earlier row of the same sheet; returns their row indices."""
    first: dict[Any, int] = {}
    bad = set()
    for rec in records:
        k = key(rec)
        if k is None:
            continue
        if k in first:
            job.error(rec.row0, rec.cells.get(field), f"{label}与第{first[k] + 1}行重复", rec.raw.get(field))
            bad.add(rec.row0)
        else:
            first[k] = rec.row0
    return bad



def record_submission(job: SheetJob, writer: Writer, rec: Record, sid: int, month: int, kind: str,
                       today: dt.date, year: int | None = None) -> None:
    """The first report of a station's month counts; a date written in the file replaces the import day.
    `year` is the row's own (a 年度 column), else the sheet's."""
    year = year or job.year
    explicit = rec.values.get("report_date") or job.report_date
    existing = writer.prefetch(m.MonthlySubmission, ("station_id", "year", "month", "kind")).get(
        (sid, year, month, kind))
    if existing is not None and explicit is None:
        return
    writer.upsert(m.MonthlySubmission, {"station_id": sid, "year": year, "month": month, "kind": kind},
                  {"report_date": explicit or today}, sheet=job.sheet, row=rec.row0 + 1)
