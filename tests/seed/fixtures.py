"""Builders of spreadsheet fixtures as the bureau's files come: titles, merged headers, totals, footnotes."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlalchemy import func
from sqlmodel import Session, select

from db import models as m
from db.engine import data_version

SEED_DATA = Path(__file__).resolve().parents[2] / "seed" / "data"
HEADERS = ["监管所", "食品小作坊示范创建", "食品小作坊提升（新升级为食品生产企业数量）", "打造视频监管试点（家）",
           "推进产业协会工作实现抱团高质量发展（活动次数）"]


def xlsx(rows: list[list[object]], *, merges: list[str] = (), title: str = "Sheet1", extra=None) -> bytes:
    """An .xlsx with the rows as given (None = empty cell), merged ranges and optional extra sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for rng in merges:
        ws.merge_cells(rng)
    if extra:
        extra(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def task_rows(title: str | None = "附件1：2022年度各监管所食品小作坊提升任务清单", stations=None):
    """A small 任务清单: three stations, a 总计 row."""
    rows = []
    if title:
        rows.append([title])
    rows.append(HEADERS)
    data = stations or [["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1]]
    rows.extend(data)
    return rows


def counts(report) -> tuple[int, int, int]:
    """New, updated and unchanged rows over every file of an import report."""
    return (sum(f.counts.new for f in report.files), sum(f.counts.updated for f in report.files),
            sum(f.counts.unchanged for f in report.files))


def snapshot(engine) -> dict[str, int]:
    """Row counts of every table and the data_version: equal before and after a refused import."""
    out = {"data_version": data_version(engine)}
    with Session(engine) as session:
        for model in (*m.DATA_TABLES, m.ImportBatch, m.ImportChange):
            out[model.__tablename__] = session.exec(select(func.count()).select_from(model)).one()
    return out


def task_targets(engine, year: int | None = None) -> dict[tuple[str, str], float]:
    """(station, indicator code) -> target of the task lists imported (of one year when given)."""
    with Session(engine) as s:
        stmt = (select(m.Station.name, m.TaskIndicator.code, m.StationTarget.target)
                .join(m.StationTarget, m.StationTarget.station_id == m.Station.id)
                .join(m.TaskIndicator, m.TaskIndicator.id == m.StationTarget.indicator_id))
        if year is not None:
            stmt = stmt.where(m.StationTarget.year == year)
        return {(a, b): c for a, b, c in s.exec(stmt).all()}


def with_stations(engine):
    """The engine after the bureau's 监管所.xlsx (stations, townships, the district) is imported."""
    from seed.importer import import_paths

    report = import_paths([SEED_DATA / "监管所.xlsx"], engine=engine)
    assert report.exit_code == 0, report.summary_lines()
    return engine
