"""KPIs (指标) and their monthly readings (指标月报)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed.importer.handlers.common import duplicates, handler, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.values import ValueProblem, is_blank, nfkc, parse_float, parse_rate, squash

# --- KPIs ---------------------------------------------------------------------------------


def _kpi_value(job: SheetJob, rec: Record, field: str, unit: str) -> float | None:
    """A target or reading: a fraction for % KPIs ("95%", 0.95), else a non-negative number."""
    raw = rec.raw.get(field)
    if is_blank(raw):
        return None
    try:
        if unit == "%":
            value, warning = parse_rate(raw)
            if warning:
                job.warn(rec.row0, rec.cells[field], warning, raw)
            return value
        return parse_float(raw)[0]
    except ValueProblem as exc:
        job.error(rec.row0, rec.cells[field], str(exc), raw)
        return None


@handler("指标")
def kpis(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    duplicates(job, job.records, lambda r: (squash(r.values.get("name")), squash(r.values.get("jurisdiction")),
                                             r.values.get("year")), "name", "指标（名称、辖区、年度）")
    rows = []
    for rec in job.records:
        v = rec.values
        unit = nfkc(v.get("unit") or "")
        target = _kpi_value(job, rec, "target", unit)
        baseline = _kpi_value(job, rec, "baseline", unit)
        if v.get("window_start") and v.get("due_date") and v["window_start"] > v["due_date"]:
            job.error(rec.row0, rec.cells["window_start"], "起始日期晚于截止日期", rec.raw.get("window_start"))
        rows.append((rec, unit, target, baseline))
    if job.has_errors:
        return
    for rec, unit, target, baseline in rows:
        v = rec.values
        year = v["year"]
        pacing = v.get("pacing") or "ramp"
        due = v.get("due_date") or (dt.date(year, 12, 31) if pacing in ("ramp", "once") else None)
        start = v.get("window_start")
        upsert_row(job, writer, m.Kpi, {"name": v["name"], "jurisdiction": v["jurisdiction"], "year": year},
                {"unit": unit, "target": target, "direction": "<=" if v.get("direction") == "≤" else ">=",
                 "pacing": pacing, "baseline": baseline, "window_start": start, "due_date": due,
                 "gauged": True if v.get("gauged") is None else v["gauged"], "rule_text": v.get("rule_text"),
                 "source_doc": v.get("source_doc"), "source_article": v.get("source_article")}, rec)


@handler("指标月报")
def kpi_readings(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    kpis_by_key = {(squash(k.name), squash(k.jurisdiction), k.year): k for k in session.exec(select(m.Kpi)).all()}
    rows = []
    for rec in job.records:
        v = rec.values
        year = v.get("year") or job.year
        month = v.get("month") or job.month
        kpi = kpis_by_key.get((squash(v["name"]), squash(v["jurisdiction"]), year))
        if kpi is None:
            job.error(rec.row0, rec.cells["name"], f"未找到{year}年的该指标，请先导入指标表", v["name"])
            continue
        if kpi.computed_from:
            job.error(rec.row0, rec.cells["name"], "该指标由系统根据上报记录自动计算，不能导入", v["name"])
            continue
        if month is None:
            job.error(rec.row0, rec.cells.get("month"), "缺少月份")
            continue
        value = _kpi_value(job, rec, "value", kpi.unit)
        rows.append((rec, kpi, year, month, value))
    if job.has_errors:
        return
    for rec, kpi, year, month, value in rows:
        v = rec.values
        upsert_row(job, writer, m.KpiReading, {"kpi_id": kpi.id, "year": year, "month": month},
                {"value": value, "numerator": _num(v.get("numerator")), "denominator": _num(v.get("denominator"))}, rec)


def _num(raw: Any) -> float | None:
    return None if is_blank(raw) else parse_float(raw)[0]
