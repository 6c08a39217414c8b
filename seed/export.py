"""Exports of every importer kind in the importer's own layout (xlsx, csv, json), so an export re-imports as a no-op.

Layout and year, per format:
- xlsx: a title row that names the year ("2022年度任务清单（导出）"), the header row (the kinds' Col.label texts, for
  任务清单/任务进度 one column per indicator under its TaskIndicator.name), then the rows; a hidden ``_meta`` sheet
  names the kind (and the year when the export is for one year), so the importer needs no guessing. 工作要点 writes one
  sheet per plan: title row = the plan's title, second row "发文单位：…；辖区：…；年度：…", as seed/data/工作要点.xlsx.
  No total row is written (the importer would check it against the rows).
- csv: UTF-8 with BOM, the header row first, no title row. Kinds with a 年度 column (任务明细, 指标, 指标月报, 工作要点进展;
  工作要点 carries 计划年度) need nothing else. 任务清单, 任务进度 and 配档表 have no year column (a 年度 column there
  would be read as a new indicator), so their year travels outside the file: import with ``year=`` (CLI ``--year``), or
  keep the file name from :func:`export_filename` ("2022年度任务清单（导出）.csv"), which the importer reads the year
  from. Text cells that a spreadsheet would run as a formula (= + - @ tab CR first, also full-width ＝＋－＠) get a
  leading apostrophe, which the importer strips again (seed.importer.values.unescape_text). Numbers stay numbers.
- json: 任务清单 and 配档表 as records with canonical names, indicator codes and ISO dates; other kinds the frame's
  records (dates ISO, blanks None).

A kind that belongs to one year (任务清单, 任务进度, 配档表) exports the latest year present when no year is given.
Demo rows (is_demo) are left out unless ``include_demo=True``: an export is a document that leaves the system.
Readings of computed KPIs (Kpi.computed_from) are left out of 指标月报: the importer refuses to import them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xlsxwriter
from sqlalchemy import false, func, true
from sqlmodel import Session, select

from db import models as m
from seed.importer.kinds import KINDS, Kind
from services.rules.text import column_width, text_width

EXPORT_VERSION = "1"
FONT = "宋体"
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
NO_YEAR = ("区县", "监管所", "包保主体", "包保干部")  # the export ignores the year
COUNT = "count"  # column type of an indicator column of the wide kinds


# --- small helpers ------------------------------------------------------------------------


def needs_escape(text: str) -> bool:
    """True when a spreadsheet opening this text from a CSV would treat it as a formula."""
    if not text:
        return False
    first = unicodedata.normalize("NFKC", text[0])[:1]
    return text[0] in FORMULA_LEADERS or first in FORMULA_LEADERS


def csv_escape(value: object) -> object:
    """A text cell with a formula leader gets a leading apostrophe (OWASP); everything else is unchanged."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def whole(value: float | int | None) -> float | int | None:
    """An int when the number is whole (targets, counts), else the float."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value


def percent_text(fraction: float | None) -> str | None:
    """0.95 -> "95%": how the bureau writes rates, and what the importer reads back to the same fraction."""
    if fraction is None:
        return None
    number = round(fraction * 100, 9)
    return format(number, ".12g") + "%"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def _join(items: list[str]) -> str | None:
    return "、".join(items) if items else None


def export_filename(kind: str, year: int | None = None, fmt: str = "xlsx") -> str:
    """A file name that keeps the year (the importer reads "2022年" from a CSV's name when it has no title)."""
    prefix = f"{year}年度" if year and kind not in NO_YEAR else ""
    return f"{prefix}{kind}（导出）.{fmt}"


def export_title(kind: str, year: int | None) -> str:
    if year and kind not in NO_YEAR:
        return f"{year}年度{kind}（导出）"
    return f"{kind}（导出）"


# --- what one kind's export holds ---------------------------------------------------------


@dataclass
class Built:
    columns: list[str]
    rows: list[list[Any]]
    year: int | None = None
    types: dict[str, str] = field(default_factory=dict)  # label -> Col.type (COUNT for indicator columns)
    plans: list[dict[str, Any]] = field(default_factory=list)  # 工作要点: one entry per plan, for the sheets


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"未知的类型“{kind}”，可选：{'、'.join(KINDS)}")
    return KINDS[kind]


def _live(model, include_demo: bool):
    """The demo filter as a WHERE clause (True when demo rows are wanted)."""
    return true() if include_demo else model.is_demo == false()


def _stations(s: Session) -> dict[int, m.Station]:
    rows = s.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).all()
    return {st.id: st for st in rows}


def _station_rank(stations: dict[int, m.Station]) -> dict[int, int]:
    return {sid: i for i, sid in enumerate(stations)}


def _indicators(s: Session) -> dict[int, m.TaskIndicator]:
    rows = s.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.sort_order, m.TaskIndicator.id)).all()
    return {i.id: i for i in rows}


def _latest_year(s: Session, model, include_demo: bool) -> int | None:
    return s.exec(select(func.max(model.year)).where(_live(model, include_demo))).one()


def _types(kind: Kind) -> dict[str, str]:
    return {c.label: c.type for c in kind.columns}


BUILDERS: dict[str, Any] = {}


def builder(name: str):
    def wrap(fn):
        BUILDERS[name] = fn
        return fn

    return wrap


@builder("区县")
def _districts(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["区县"]
    rows = []
    for d in s.exec(select(m.District).where(_live(m.District, demo)).order_by(m.District.id)).all():
        wan = whole(d.population / 10000) if d.population is not None else None
        rows.append([d.name, d.code, wan, d.population_year, d.population_source])
    return Built([c.label for c in k.columns], rows, None, _types(k))


@builder("监管所")
def _station_rows(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["监管所"]
    districts = {d.id: d.name for d in s.exec(select(m.District)).all()}
    towns: dict[int, list[str]] = defaultdict(list)
    for t in s.exec(select(m.Township).order_by(m.Township.id)).all():
        towns[t.station_id].append(t.name)
    rows = []
    for st in s.exec(select(m.Station).where(_live(m.Station, demo))
                     .order_by(m.Station.sort_order, m.Station.id)).all():
        rows.append([st.name, _join(towns.get(st.id, [])), st.lat, st.lon, st.coord_precision, st.coord_note,
                     _join(list(st.aliases or [])), districts.get(st.district_id)])
    return Built([c.label for c in k.columns], rows, None, _types(k))


def _wide(s: Session, model, value_field: str, year: int | None, demo: bool, *, by_month: bool) -> Built:
    kind = KINDS["任务进度" if by_month else "任务清单"]
    year = year if year is not None else _latest_year(s, model, demo)
    stations, indicators = _stations(s), _indicators(s)
    rank = _station_rank(stations)
    cells: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)  # (month, station) -> indicator -> value
    used: set[int] = set()
    if year is not None:
        for r in s.exec(select(model).where(model.year == year, _live(model, demo))).all():
            cells[(r.month if by_month else 0, r.station_id)][r.indicator_id] = getattr(r, value_field)
            used.add(r.indicator_id)
    inds = [i for i in indicators.values() if i.id in used] or list(indicators.values())
    fixed = [c.label for c in kind.columns]
    reported: dict[tuple[int, int], dt.date] = {}
    if by_month and year is not None:
        for sub in s.exec(select(m.MonthlySubmission).where(
                m.MonthlySubmission.year == year, m.MonthlySubmission.kind == "任务进度")).all():
            reported[(sub.month, sub.station_id)] = sub.report_date
    rows = []
    for (month, sid) in sorted(cells, key=lambda k: (k[0], rank.get(k[1], 1 << 30))):
        values = [whole(cells[(month, sid)].get(i.id)) for i in inds]
        lead: list[Any] = [stations[sid].name]
        if by_month:
            lead += [month, reported.get((month, sid))]
        rows.append(lead + values)
    types = {**_types(kind), **{i.name: COUNT for i in inds}}
    return Built(fixed + [i.name for i in inds], rows, year, types)


@builder("任务清单")
def _targets(s: Session, year: int | None, demo: bool) -> Built:
    return _wide(s, m.StationTarget, "target", year, demo, by_month=False)


@builder("任务进度")
def _progress(s: Session, year: int | None, demo: bool) -> Built:
    return _wide(s, m.StationProgress, "cumulative", year, demo, by_month=True)


@builder("任务明细")
def _items(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["任务明细"]
    stations, indicators = _stations(s), _indicators(s)
    rank = _station_rank(stations)
    stmt = select(m.TaskItem).where(_live(m.TaskItem, demo))
    if year is not None:
        stmt = stmt.where(m.TaskItem.year == year)
    items = sorted(s.exec(stmt).all(), key=lambda t: (t.year, rank.get(t.station_id, 1 << 30),
                                                      indicators[t.indicator_id].sort_order, t.id))
    rows = [[t.year, stations[t.station_id].name, indicators[t.indicator_id].code, t.name, t.business_name,
             t.planned_month, t.status, t.completed_date, _yes_no(t.video_online)] for t in items]
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("配档表")
def _milestones(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["配档表"]
    year = year if year is not None else _latest_year(s, m.ScheduleMilestone, demo)
    rows = []
    if year is not None:
        for r in s.exec(select(m.ScheduleMilestone).where(m.ScheduleMilestone.year == year,
                                                          _live(m.ScheduleMilestone, demo))
                        .order_by(m.ScheduleMilestone.row_order)).all():
            rows.append([r.time_text, r.focus, r.measures, r.note, r.status])
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("工作要点")
def _plan_tasks(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["工作要点"]
    stmt = select(m.PlanDocument).where(_live(m.PlanDocument, demo))
    if year is not None:
        stmt = stmt.where(m.PlanDocument.year == year)
    docs = s.exec(stmt.order_by(m.PlanDocument.id)).all()
    rows, plans = [], []
    for doc in docs:
        tasks = s.exec(select(m.PlanTask).where(m.PlanTask.plan_id == doc.id).order_by(m.PlanTask.number)).all()
        plans.append({"title": doc.title, "issuer": doc.issuer, "jurisdiction": doc.jurisdiction, "year": doc.year,
                      "sheet": doc.src_sheet or next((t.src_sheet for t in tasks if t.src_sheet), None),
                      "first": len(rows), "count": len(tasks)})
        for t in tasks:
            deadline = None if t.deadline_is_default or t.deadline is None else t.deadline.isoformat()
            rows.append([t.number, t.section, t.title, t.text, deadline, doc.title, doc.issuer, doc.jurisdiction,
                         doc.year])
    return Built([c.label for c in k.columns], rows, year, _types(k), plans)


@builder("工作要点进展")
def _plan_status(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["工作要点进展"]
    stmt = (select(m.PlanTaskStatus, m.PlanTask, m.PlanDocument)
            .join(m.PlanTask, m.PlanTask.id == m.PlanTaskStatus.task_id)
            .join(m.PlanDocument, m.PlanDocument.id == m.PlanTask.plan_id)
            .where(_live(m.PlanTaskStatus, demo)))
    if year is not None:
        stmt = stmt.where(m.PlanTaskStatus.year == year)
    stmt = stmt.order_by(m.PlanTaskStatus.year, m.PlanTaskStatus.month, m.PlanDocument.id, m.PlanTask.number)
    rows = [[doc.title, doc.year, task.number, st.year, st.month, st.status, st.delay_reason, st.notes]
            for st, task, doc in s.exec(stmt).all()]
    return Built([c.label for c in k.columns], rows, year, _types(k))


def _kpi_number(value: float | None, unit: str) -> object:
    return percent_text(value) if unit == "%" else whole(value)


@builder("指标")
def _kpis(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["指标"]
    stmt = select(m.Kpi).where(_live(m.Kpi, demo))
    if year is not None:
        stmt = stmt.where(m.Kpi.year == year)
    rows = []
    for kpi in s.exec(stmt.order_by(m.Kpi.year, m.Kpi.id)).all():
        rows.append([kpi.name, kpi.unit, _kpi_number(kpi.target, kpi.unit), "≤" if kpi.direction == "<=" else "≥",
                     kpi.pacing, _kpi_number(kpi.baseline, kpi.unit), kpi.due_date, kpi.jurisdiction, kpi.year,
                     _yes_no(kpi.gauged), kpi.rule_text, kpi.source_doc, kpi.source_article])
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("指标月报")
def _kpi_readings(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["指标月报"]
    stmt = (select(m.KpiReading, m.Kpi).join(m.Kpi, m.Kpi.id == m.KpiReading.kpi_id)
            .where(_live(m.KpiReading, demo), m.Kpi.computed_from.is_(None)))
    if year is not None:
        stmt = stmt.where(m.KpiReading.year == year)
    stmt = stmt.order_by(m.KpiReading.year, m.KpiReading.month, m.Kpi.id)
    rows = [[kpi.name, kpi.jurisdiction, r.year, r.month, _kpi_number(r.value, kpi.unit), whole(r.numerator),
             whole(r.denominator)] for r, kpi in s.exec(stmt).all()]
    return Built([c.label for c in k.columns], rows, year, _types(k))


USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _code_columns(code: str | None) -> tuple[str | None, str | None]:
    """(统一社会信用代码, 许可证编号): an 18-character credit code goes left, any other code right."""
    if not code:
        return None, None
    return (code, None) if len(code) == 18 and USCC_RE.match(code) else (None, code)


@builder("包保主体")
def _businesses(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保主体"]
    stations = _stations(s)
    rank = _station_rank(stations)
    towns = {t.id: t.name for t in s.exec(select(m.Township)).all()}
    rows = []
    for b in sorted(s.exec(select(m.Business).where(_live(m.Business, demo))).all(),
                    key=lambda b: (rank.get(b.station_id, 1 << 30), b.id)):
        uscc, license_no = _code_columns(b.code)
        rows.append([uscc, license_no, b.name, b.sector, b.subtype, b.tier, b.risk_level, stations[b.station_id].name,
                     towns.get(b.township_id), b.address, b.lat, b.lon, b.status])
    return Built([c.label for c in k.columns], rows, None, _types(k))


@builder("包保干部")
def _cadres(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保干部"]
    stations = _stations(s)
    rows = [[c.code, c.name, c.level, c.unit, c.title, stations[c.station_id].name if c.station_id else None]
            for c in s.exec(select(m.Cadre).where(_live(m.Cadre, demo)).order_by(m.Cadre.id)).all()]
    return Built([c.label for c in k.columns], rows, None, _types(k))


def _people(s: Session) -> tuple[dict[int, m.Cadre], dict[int, m.Business], dict[int, m.Station]]:
    cadres = {c.id: c for c in s.exec(select(m.Cadre)).all()}
    businesses = {b.id: b for b in s.exec(select(m.Business)).all()}
    return cadres, businesses, _stations(s)


def _who(cadre: m.Cadre, biz: m.Business, stations: dict[int, m.Station]) -> list[Any]:
    """干部编号, 干部姓名, 干部单位, 主体编码, 主体名称, 监管所: the columns the importer finds both by."""
    return [cadre.code, cadre.name, cadre.unit, biz.code, biz.name, stations[biz.station_id].name]


@builder("包保关系")
def _assignments(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保关系"]
    cadres, businesses, stations = _people(s)
    stmt = select(m.Assignment).where(_live(m.Assignment, demo))
    if year is not None:  # in force at some time of the year
        stmt = stmt.where(m.Assignment.start_date <= dt.date(year, 12, 31))
        stmt = stmt.where((m.Assignment.end_date.is_(None)) | (m.Assignment.end_date >= dt.date(year, 1, 1)))
    rows = [_who(cadres[a.cadre_id], businesses[a.business_id], stations) + [a.start_date, a.end_date]
            for a in s.exec(stmt.order_by(m.Assignment.start_date, m.Assignment.id)).all()]
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("督导记录")
def _visits(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["督导记录"]
    cadres, businesses, stations = _people(s)
    stmt = select(m.Visit).where(_live(m.Visit, demo))
    if year is not None:
        stmt = stmt.where(m.Visit.visit_date >= dt.date(year, 1, 1), m.Visit.visit_date <= dt.date(year, 12, 31))
    rows = []
    for v in s.exec(stmt.order_by(m.Visit.visit_date, m.Visit.id)).all():
        who = _who(cadres[v.cadre_id], businesses[v.business_id], stations)
        rows.append([v.record_no, v.visit_date, *who, v.method, v.problems_found, v.note])
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("问题")
def _problems(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["问题"]
    stmt = (select(m.Problem, m.Visit).join(m.Visit, m.Visit.id == m.Problem.visit_id)
            .where(_live(m.Problem, demo)))
    if year is not None:
        stmt = stmt.where(m.Visit.visit_date >= dt.date(year, 1, 1), m.Visit.visit_date <= dt.date(year, 12, 31))
    stmt = stmt.order_by(m.Visit.visit_date, m.Visit.id, m.Problem.seq)
    # The importer finds a visit by its 记录编号, or by its key when it has none.
    rows = [[v.record_no or v.key, p.seq, p.description, p.deadline, p.status, p.closed_date]
            for p, v in s.exec(stmt).all()]
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("风险隐患")
def _hazard_reports(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["风险隐患"]
    stations = _stations(s)
    rank = _station_rank(stations)
    stmt = select(m.HazardReport).where(_live(m.HazardReport, demo))
    if year is not None:
        stmt = stmt.where(m.HazardReport.year == year)
    reports = sorted(s.exec(stmt).all(), key=lambda r: (r.year, r.month, rank.get(r.station_id, 1 << 30)))
    rows = [[stations[r.station_id].name, r.year, r.month, r.entities_checked, r.hazards_found, r.hazards_rectified,
             r.cases_opened, r.report_date] for r in reports]
    return Built([c.label for c in k.columns], rows, year, _types(k))


@builder("隐患清单")
def _hazards(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["隐患清单"]
    stations = _stations(s)
    rank = _station_rank(stations)
    stmt = select(m.Hazard).where(_live(m.Hazard, demo))
    if year is not None:
        stmt = stmt.where(m.Hazard.year == year)
    hazards = sorted(s.exec(stmt).all(), key=lambda h: (h.year, h.month, rank.get(h.station_id, 1 << 30),
                                                       h.found_date, h.id))
    ids = sorted({h.business_id for h in hazards if h.business_id is not None})
    codes = dict(s.exec(select(m.Business.id, m.Business.code).where(m.Business.id.in_(ids))).all()) if ids else {}
    # The importer links a business by its code, else by name within the station: the same link on re-import.
    rows = [[h.code, stations[h.station_id].name, h.year, h.month, h.business_name, codes.get(h.business_id),
             h.description, h.found_date, h.deadline, h.status, h.rectified_date] for h in hazards]
    return Built([c.label for c in k.columns], rows, year, _types(k))


def build(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> Built:
    _kind(kind)
    if kind in NO_YEAR:
        year = None
    return BUILDERS[kind](session, year, include_demo)


# --- the three renderings -----------------------------------------------------------------


def export_frame(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> pd.DataFrame:
    """The rows of one kind in the importer's layout, headed by the Col.label texts (python values, object dtype).

    ``frame.attrs`` holds ``kind``, ``year`` (the year exported, None for all) and ``types`` (label -> column type).
    """
    b = build(kind, session=session, year=year, include_demo=include_demo)
    frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
    frame.attrs.update({"kind": kind, "year": b.year, "types": dict(b.types)})
    return frame


def _json_value(value: object) -> object:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return whole(value) if isinstance(value, float) else value


def export_json(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> list[dict]:
    """Records for the CLI's ``--format json``; 任务清单 and 配档表 cover every year when no year is given."""
    _kind(kind)
    s = session
    if kind == "任务清单":
        stations, indicators = _stations(s), _indicators(s)
        rank = _station_rank(stations)
        stmt = select(m.StationTarget).where(_live(m.StationTarget, include_demo))
        if year is not None:
            stmt = stmt.where(m.StationTarget.year == year)
        rows = sorted(s.exec(stmt).all(), key=lambda t: (t.year, rank.get(t.station_id, 1 << 30),
                                                         indicators[t.indicator_id].sort_order, t.indicator_id))
        return [{"年度": t.year, "监管所": stations[t.station_id].name, "指标": indicators[t.indicator_id].code,
                 "目标": whole(t.target)} for t in rows]
    if kind == "配档表":
        stmt = select(m.ScheduleMilestone).where(_live(m.ScheduleMilestone, include_demo))
        if year is not None:
            stmt = stmt.where(m.ScheduleMilestone.year == year)
        rows = s.exec(stmt.order_by(m.ScheduleMilestone.year, m.ScheduleMilestone.row_order)).all()
        return [{"年度": r.year, "序号": r.row_order, "开始": r.start_date.isoformat(), "结束": r.end_date.isoformat(),
                 "时间": r.time_text, "工作重点": r.focus, "推进措施": r.measures, "备注": r.note, "状态": r.status}
                for r in rows]
    frame = export_frame(kind, session=session, year=year, include_demo=include_demo)
    out = []
    for row in frame.itertuples(index=False, name=None):
        record = {col: _json_value(v) for col, v in zip(frame.columns, row, strict=True)}
        if kind == "任务进度":
            record = {"年度": frame.attrs["year"], **record}
        out.append(record)
    return out


def _csv_cell(value: object, col_type: str) -> str:
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and col_type != "float" else repr(value)
    return str(csv_escape(str(value)))


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    types = frame.attrs.get("types", {})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v, types.get(col, "text")) for col, v in zip(frame.columns, row, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class SheetSpec:
    name: str
    title_lines: list[str]
    frame: pd.DataFrame


def _sheet_name(wanted: str | None, fallback: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", "", wanted or "") or fallback
    name = name[:31]
    base, n = name, 2
    while name.lower() in used or name == "_meta":
        suffix = f"_{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _sheets(kind: str, b: Built) -> list[SheetSpec]:
    frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
    frame.attrs["types"] = dict(b.types)
    if kind != "工作要点":
        return [SheetSpec(kind, [export_title(kind, b.year)], frame)]
    keep = [c.label for c in KINDS["工作要点"].columns if c.field not in ("plan_title", "issuer", "jurisdiction",
                                                                          "plan_year")]
    used: set[str] = set()
    out = []
    for i, plan in enumerate(b.plans, start=1):
        part = frame.iloc[plan["first"]: plan["first"] + plan["count"]][keep].reset_index(drop=True)
        part.attrs["types"] = dict(b.types)
        second = f"发文单位：{plan['issuer']}；辖区：{plan['jurisdiction']}；年度：{plan['year']}"
        out.append(SheetSpec(_sheet_name(plan["sheet"], f"工作要点{i}", used), [plan["title"], second], part))
    if not out:
        out.append(SheetSpec(kind, [export_title(kind, b.year)], frame[keep]))
    return out


def _xlsx_bytes(kind: str, sheets: list[SheetSpec], year: int | None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    base = {"font_name": FONT, "font_size": 11}
    cell = {**base, "border": 1, "valign": "top"}
    fmt = {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "line": wb.add_format({**base, "align": "left", "valign": "vcenter"}),
        "header": wb.add_format({**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                 "text_wrap": True, "bg_color": "#DDEBF7"}),
        "text": wb.add_format(cell),
        "wrap": wb.add_format({**cell, "text_wrap": True}),
        "code": wb.add_format({**cell, "num_format": "@"}),
        "date": wb.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "left"}),
        "number": wb.add_format({**cell, "align": "right"}),
    }
    for spec in sheets:
        ws = wb.add_worksheet(spec.name)
        frame = spec.frame
        types = frame.attrs.get("types", {})
        ncols = max(1, len(frame.columns))
        header_row = len(spec.title_lines)
        for r, line in enumerate(spec.title_lines):
            style = fmt["title"] if r == 0 else fmt["line"]
            if ncols > 1:
                ws.merge_range(r, 0, r, ncols - 1, line, style)
            else:
                ws.write_string(r, 0, line, style)
            ws.set_row(r, 28 if r == 0 else 20)
        wrapped: set[int] = set()
        for c, label in enumerate(frame.columns):
            sample = [label, *frame.iloc[:300, c].tolist()]
            width = column_width([_display(v) for v in sample])
            if width >= 60:
                wrapped.add(c)
            ws.set_column(c, c, width)
            ws.write_string(header_row, c, label, fmt["header"])
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
            for c, (label, value) in enumerate(zip(frame.columns, row, strict=True)):
                _write_cell(ws, r, c, value, types.get(label, "text"), fmt, c in wrapped)
        ws.freeze_panes(header_row + 1, 1 if KINDS[kind].layout == "wide" else 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    meta = wb.add_worksheet("_meta")
    pairs = [("kind", kind), ("version", EXPORT_VERSION), ("source", "export")]
    if year is not None and kind not in NO_YEAR:
        pairs.append(("year", str(year)))
    for r, (key, value) in enumerate(pairs):
        meta.write_string(r, 0, key)
        meta.write_string(r, 1, value)
    meta.hide()
    wb.close()
    return buf.getvalue()


def _display(value: object) -> str:
    if _blank(value):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(whole(value))
    return str(value)


def _write_cell(ws, r: int, c: int, value: object, col_type: str, fmt: dict, wrap: bool) -> None:
    if _blank(value):
        ws.write_blank(r, c, None, fmt["code"] if col_type == "code" else fmt["text"])
        return
    if hasattr(value, "item") and not isinstance(value, (str, dt.date)):
        value = value.item()
    if col_type == "code":
        ws.write_string(r, c, _display(value), fmt["code"])
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt["text"])
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, value, fmt["date"])
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt["number"])
    else:
        ws.write_string(r, c, str(value), fmt["wrap"] if wrap else fmt["text"])


def export_bytes(kind: str, *, session: Session, year: int | None = None, fmt: str = "xlsx",
                 include_demo: bool = False) -> bytes:
    """The export as a file: ``fmt`` is "xlsx" or "csv" (see the module docstring for where the year goes)."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"不支持的导出格式“{fmt}”（可选 xlsx、csv）")
    b = build(kind, session=session, year=year, include_demo=include_demo)
    if fmt == "csv":
        frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
        frame.attrs["types"] = dict(b.types)
        return _csv_bytes(frame)
    return _xlsx_bytes(kind, _sheets(kind, b), b.year)


__all__ = ["EXPORT_VERSION", "column_width", "csv_escape", "export_bytes", "export_filename", "export_frame",
           "export_json", "export_title", "needs_escape", "percent_text", "text_width"]
