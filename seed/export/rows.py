"""What one kind's export holds: its header and rows in the importer's layout, one builder per kind."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, func, true
from sqlmodel import Session, select

from db import models as m
from db.queries import baobao as bq
from seed.export.cells import COUNT, DEMO_COLUMN, NO_YEAR, join_list, percent_text, whole, yes_no
from seed.importer.kinds import KINDS, Kind
from services.rules import levels, plan_status


@dataclass
class Built:
    columns: list[str]
    rows: list[list[Any]]
    year: int | None = None
    types: dict[str, str] = field(default_factory=dict)  # label -> Col.type (COUNT for indicator columns)
    plans: list[dict[str, Any]] = field(default_factory=list)  # 工作要点: one entry per plan, for the sheets
    demo: list[bool] = field(default_factory=list)  # per row: whether it holds 示例 data (read with include_demo)


def kind_spec(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"未知的类型“{kind}”，可选：{'、'.join(KINDS)}")
    return KINDS[kind]


def live(model, include_demo: bool):
    """The demo filter as a WHERE clause (True when demo rows are wanted)."""
    return true() if include_demo else model.is_demo == false()


def stations_of(s: Session) -> dict[int, m.Station]:
    rows = s.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).all()
    return {st.id: st for st in rows}


def station_rank(stations: dict[int, m.Station]) -> dict[int, int]:
    return {sid: i for i, sid in enumerate(stations)}


def indicators_of(s: Session) -> dict[int, m.TaskIndicator]:
    rows = s.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.sort_order, m.TaskIndicator.id)).all()
    return {i.id: i for i in rows}


def _latest_year(s: Session, model, include_demo: bool) -> int | None:
    return s.exec(select(func.max(model.year)).where(live(model, include_demo))).one()


# 工作要点's 牵头单位 / 负责单位 / 配合单位 columns: read on import, exported as clauses in 责任单位
ROLE_UNIT_FIELDS = ("lead_units", "resp_units", "co_units")


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
    rows, flags = [], []
    for d in s.exec(select(m.District).where(live(m.District, demo)).order_by(m.District.id)).all():
        wan = whole(d.population / 10000) if d.population is not None else None
        rows.append([d.name, d.code, wan, d.population_year, d.population_source])
        flags.append(d.is_demo)
    return Built([c.label for c in k.columns], rows, None, _types(k), demo=flags)


@builder("监管所")
def _station_rows(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["监管所"]
    districts = {d.id: d.name for d in s.exec(select(m.District)).all()}
    towns: dict[int, list[str]] = defaultdict(list)
    for t in s.exec(select(m.Township).order_by(m.Township.id)).all():
        towns[t.station_id].append(t.name)
    stations = s.exec(select(m.Station).where(live(m.Station, demo)).order_by(m.Station.sort_order, m.Station.id)).all()
    rows = [[st.name, join_list(towns.get(st.id, [])), st.lat, st.lon, st.coord_precision, st.coord_note,
             join_list(list(st.aliases or [])), districts.get(st.district_id)] for st in stations]
    return Built([c.label for c in k.columns], rows, None, _types(k), demo=[st.is_demo for st in stations])


def _wide(s: Session, model, value_field: str, year: int | None, demo: bool, *, by_month: bool) -> Built:
    kind = KINDS["任务进度" if by_month else "任务清单"]
    year = year if year is not None else _latest_year(s, model, demo)
    stations, indicators = stations_of(s), indicators_of(s)
    rank = station_rank(stations)
    cells: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)  # (month, station) -> indicator -> value
    used: set[int] = set()
    demo_rows: set[tuple[int, int]] = set()  # (month, station) rows with a 示例 cell
    if year is not None:
        for r in s.exec(select(model).where(model.year == year, live(model, demo))).all():
            cells[(r.month if by_month else 0, r.station_id)][r.indicator_id] = getattr(r, value_field)
            used.add(r.indicator_id)
            if r.is_demo:
                demo_rows.add((r.month if by_month else 0, r.station_id))
    inds = [i for i in indicators.values() if i.id in used] or list(indicators.values())
    fixed = [c.label for c in kind.columns]
    reported: dict[tuple[int, int], dt.date] = {}
    if by_month and year is not None:
        for sub in s.exec(select(m.MonthlySubmission).where(
                m.MonthlySubmission.year == year, m.MonthlySubmission.kind == "任务进度")).all():
            reported[(sub.month, sub.station_id)] = sub.report_date
    rows, flags = [], []
    for (month, sid) in sorted(cells, key=lambda k: (k[0], rank.get(k[1], 1 << 30))):
        values = [whole(cells[(month, sid)].get(i.id)) for i in inds]
        lead: list[Any] = [stations[sid].name]
        if by_month:
            lead += [month, reported.get((month, sid))]
        rows.append(lead + values)
        flags.append((month, sid) in demo_rows)
    types = {**_types(kind), **{i.name: COUNT for i in inds}}
    return Built(fixed + [i.name for i in inds], rows, year, types, demo=flags)


@builder("任务清单")
def _targets(s: Session, year: int | None, demo: bool) -> Built:
    return _wide(s, m.StationTarget, "target", year, demo, by_month=False)


@builder("任务进度")
def _progress(s: Session, year: int | None, demo: bool) -> Built:
    return _wide(s, m.StationProgress, "cumulative", year, demo, by_month=True)


@builder("任务明细")
def _items(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["任务明细"]
    stations, indicators = stations_of(s), indicators_of(s)
    rank = station_rank(stations)
    stmt = select(m.TaskItem).where(live(m.TaskItem, demo))
    if year is not None:
        stmt = stmt.where(m.TaskItem.year == year)
    items = sorted(s.exec(stmt).all(), key=lambda t: (t.year, rank.get(t.station_id, 1 << 30),
                                                      indicators[t.indicator_id].sort_order, t.id))
    rows = [[t.year, stations[t.station_id].name, indicators[t.indicator_id].code, t.name, t.business_name,
             t.planned_month, t.status, t.completed_date, yes_no(t.video_online)] for t in items]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[t.is_demo for t in items])


@builder("配档表")
def _milestones(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["配档表"]
    year = year if year is not None else _latest_year(s, m.ScheduleMilestone, demo)
    rows, flags = [], []
    if year is not None:
        # 状态: the latest 配档表进展 of the year (what every page shows as recorded), else the sheet's own; a 示例
        # status makes its row a 示例 row, so an export without them keeps the sheet's status.
        S = m.ScheduleStatus
        latest: dict[int, m.ScheduleStatus] = {}
        for st in s.exec(select(S).where(S.year == year, live(S, demo)).order_by(S.milestone_id, S.month)).all():
            latest[st.milestone_id] = st
        for r in s.exec(select(m.ScheduleMilestone).where(m.ScheduleMilestone.year == year,
                                                          live(m.ScheduleMilestone, demo))
                        .order_by(m.ScheduleMilestone.row_order)).all():
            logged = latest.get(r.id)
            rows.append([r.time_text, r.focus, r.measures, r.note, logged.status if logged else r.status])
            flags.append(r.is_demo or bool(logged and logged.is_demo))
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=flags)


@builder("工作要点")
def _plan_tasks(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["工作要点"]
    stmt = select(m.PlanDocument).where(live(m.PlanDocument, demo))
    if year is not None:
        stmt = stmt.where(m.PlanDocument.year == year)
    docs = s.exec(stmt.order_by(m.PlanDocument.id)).all()
    rows, plans, flags = [], [], []
    for doc in docs:
        tasks = s.exec(select(m.PlanTask).where(m.PlanTask.plan_id == doc.id).order_by(m.PlanTask.number)).all()
        clauses = _clauses_of(s, [t.id for t in tasks])
        plans.append({"title": doc.title, "issuer": doc.issuer, "jurisdiction": doc.jurisdiction, "year": doc.year,
                      "sheet": next((t.src_sheet for t in tasks if t.src_sheet), None) or doc.src_sheet,
                      "first": len(rows), "count": len(tasks)})
        for t in tasks:
            if t.deadline_basis:  # a date from the phase the task runs in: exported as that phase
                deadline, phase = None, t.deadline_basis
            else:
                deadline = t.deadline.isoformat() if t.deadline_kind == plan_status.KIND_DATE and t.deadline else (
                    t.deadline_kind if t.deadline_kind in (plan_status.KIND_YEAR, plan_status.KIND_OPEN) else None)
                phase = None
            # 责任单位: the clauses a task names that its text does not already hold (e.g. 004's 四(一) units);
            # those of 牵头/负责/配合单位 columns come back as one clause, so the export has no such columns
            units = "".join(c for c in clauses.get(t.id, ()) if c not in t.text) or None
            rows.append([t.number, t.section, t.title, t.text, deadline, t.label, units, phase,
                         doc.title, doc.issuer, doc.jurisdiction, doc.year])
            flags.append(doc.is_demo or t.is_demo)
    labels = [c.label for c in k.columns if c.field not in ROLE_UNIT_FIELDS]
    return Built(labels, rows, year, _types(k), plans, flags)


def _clauses_of(s: Session, task_ids: list[int]) -> dict[int, list[str]]:
    """Each task's responsibility clauses in order, distinct — one query for a plan's tasks."""
    out: dict[int, list[str]] = {}
    TU = m.TaskUnit
    for task_id, clause in s.exec(select(TU.task_id, TU.clause).where(TU.task_id.in_(task_ids))
                                  .order_by(TU.task_id, TU.clause_no, TU.id)).all():
        if clause not in out.setdefault(task_id, []):
            out[task_id].append(clause)
    return out


@builder("工作阶段")
def _plan_phases(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["工作阶段"]
    D, P = m.PlanDocument, m.PlanPhase
    stmt = select(P, D).join(D, D.id == P.plan_id).where(live(P, demo))
    if year is not None:
        stmt = stmt.where(D.year == year)
    found = s.exec(stmt.order_by(D.id, P.number)).all()
    rows = [[ph.number, ph.label, ph.name, ph.time_text, ph.start_date, ph.end_date, ph.text, doc.title, doc.issuer,
             doc.jurisdiction, doc.year] for ph, doc in found]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[ph.is_demo for ph, _ in found])


@builder("工作要点进展")
def _plan_status(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["工作要点进展"]
    stmt = (select(m.PlanTaskStatus, m.PlanTask, m.PlanDocument)
            .join(m.PlanTask, m.PlanTask.id == m.PlanTaskStatus.task_id)
            .join(m.PlanDocument, m.PlanDocument.id == m.PlanTask.plan_id)
            .where(live(m.PlanTaskStatus, demo)))
    if year is not None:
        stmt = stmt.where(m.PlanTaskStatus.year == year)
    stmt = stmt.order_by(m.PlanTaskStatus.year, m.PlanTaskStatus.month, m.PlanDocument.id, m.PlanTask.number)
    found = s.exec(stmt).all()
    rows = [[doc.title, doc.year, task.number, st.year, st.month, st.status, st.delay_reason, st.notes]
            for st, task, doc in found]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[st.is_demo for st, _, _ in found])


def _kpi_number(value: float | None, unit: str) -> object:
    return percent_text(value) if unit == "%" else whole(value)


@builder("指标")
def _kpis(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["指标"]
    stmt = select(m.Kpi).where(live(m.Kpi, demo))
    if year is not None:
        stmt = stmt.where(m.Kpi.year == year)
    kpis = s.exec(stmt.order_by(m.Kpi.year, m.Kpi.id)).all()
    rows = [[kpi.name, kpi.unit, _kpi_number(kpi.target, kpi.unit), "≤" if kpi.direction == "<=" else "≥",
             kpi.pacing, _kpi_number(kpi.baseline, kpi.unit), kpi.due_date, kpi.jurisdiction, kpi.year,
             yes_no(kpi.gauged), kpi.rule_text, kpi.source_doc, kpi.source_article, kpi.window_start] for kpi in kpis]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[kpi.is_demo for kpi in kpis])


@builder("指标月报")
def _kpi_readings(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["指标月报"]
    stmt = (select(m.KpiReading, m.Kpi).join(m.Kpi, m.Kpi.id == m.KpiReading.kpi_id)
            .where(live(m.KpiReading, demo), m.Kpi.computed_from.is_(None)))
    if year is not None:
        stmt = stmt.where(m.KpiReading.year == year)
    stmt = stmt.order_by(m.KpiReading.year, m.KpiReading.month, m.Kpi.id)
    found = s.exec(stmt).all()
    rows = [[kpi.name, kpi.jurisdiction, r.year, r.month, _kpi_number(r.value, kpi.unit), whole(r.numerator),
             whole(r.denominator)] for r, kpi in found]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[r.is_demo for r, _ in found])


USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _code_columns(code: str | None) -> tuple[str | None, str | None]:
    """(统一社会信用代码, 许可证编号): an 18-character credit code goes left, any other code right."""
    if not code:
        return None, None
    return (code, None) if len(code) == 18 and USCC_RE.match(code) else (None, code)


@builder("包保主体")
def _businesses(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保主体"]
    stations = stations_of(s)
    rank = station_rank(stations)
    towns = {t.id: t.name for t in s.exec(select(m.Township)).all()}
    rows, flags = [], []
    for b in sorted(s.exec(select(m.Business).where(live(m.Business, demo))).all(),
                    key=lambda b: (rank.get(b.station_id, 1 << 30), b.id)):
        flags.append(b.is_demo)
        uscc, license_no = _code_columns(b.code)
        rows.append([uscc, license_no, b.name, b.sector, b.subtype, b.tier, b.risk_level, stations[b.station_id].name,
                     towns.get(b.township_id), b.address, b.lat, b.lon, b.status])
    return Built([c.label for c in k.columns], rows, None, _types(k), demo=flags)


@builder("包保干部")
def _cadres(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保干部"]
    stations = stations_of(s)
    kind = levels.jurisdiction_kind(bq.jurisdiction_name(session=s))  # 区级 / 镇(街道)级 in a 区, never 县/乡
    cadres = s.exec(select(m.Cadre).where(live(m.Cadre, demo)).order_by(m.Cadre.id)).all()
    rows = [[c.code, c.name, levels.level_label(c.level, kind), c.unit, c.title,
             stations[c.station_id].name if c.station_id else None] for c in cadres]
    return Built([c.label for c in k.columns], rows, None, _types(k), demo=[c.is_demo for c in cadres])


def _people(s: Session) -> tuple[dict[int, m.Cadre], dict[int, m.Business], dict[int, m.Station]]:
    cadres = {c.id: c for c in s.exec(select(m.Cadre)).all()}
    businesses = {b.id: b for b in s.exec(select(m.Business)).all()}
    return cadres, businesses, stations_of(s)


def _who(cadre: m.Cadre, biz: m.Business, stations: dict[int, m.Station]) -> list[Any]:
    """干部编号, 干部姓名, 干部单位, 主体编码, 主体名称, 监管所: the columns the importer finds both by."""
    return [cadre.code, cadre.name, cadre.unit, biz.code, biz.name, stations[biz.station_id].name]


@builder("包保关系")
def _assignments(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["包保关系"]
    cadres, businesses, stations = _people(s)
    stmt = select(m.Assignment).where(live(m.Assignment, demo))
    if year is not None:  # in force at some time of the year
        stmt = stmt.where(m.Assignment.start_date <= dt.date(year, 12, 31))
        stmt = stmt.where((m.Assignment.end_date.is_(None)) | (m.Assignment.end_date >= dt.date(year, 1, 1)))
    found = s.exec(stmt.order_by(m.Assignment.start_date, m.Assignment.id)).all()
    rows = [_who(cadres[a.cadre_id], businesses[a.business_id], stations) + [a.start_date, a.end_date] for a in found]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[a.is_demo for a in found])


@builder("督导记录")
def _visits(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["督导记录"]
    cadres, businesses, stations = _people(s)
    stmt = select(m.Visit).where(live(m.Visit, demo))
    if year is not None:
        stmt = stmt.where(m.Visit.visit_date >= dt.date(year, 1, 1), m.Visit.visit_date <= dt.date(year, 12, 31))
    rows, flags = [], []
    for v in s.exec(stmt.order_by(m.Visit.visit_date, m.Visit.id)).all():
        who = _who(cadres[v.cadre_id], businesses[v.business_id], stations)
        rows.append([v.record_no, v.visit_date, *who, v.method, v.problems_found, v.note])
        flags.append(v.is_demo)
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=flags)


@builder("问题")
def _problems(s: Session, year: int | None, demo: bool) -> Built:
    """The problems of the visits (by 记录编号), then those found without a visit (执法) by business and 发现日期;
    抽检 problems travel with their batch (the 抽检 kind)."""
    k = KINDS["问题"]
    P = m.Problem
    stmt = select(P, m.Visit).join(m.Visit, m.Visit.id == P.visit_id).where(live(P, demo))
    if year is not None:
        stmt = stmt.where(m.Visit.visit_date >= dt.date(year, 1, 1), m.Visit.visit_date <= dt.date(year, 12, 31))
    stmt = stmt.order_by(m.Visit.visit_date, m.Visit.id, P.seq)
    # The importer finds a visit by its 记录编号, or by its key when it has none.
    found = s.exec(stmt).all()
    rows = [[v.record_no or v.key, p.seq, p.description, p.deadline, p.status, p.closed_date, p.source,
             None, None, None, None] for p, v in found]
    flags = [p.is_demo for p, _ in found]
    stmt = select(P, m.Business).join(m.Business, m.Business.id == P.business_id).where(
        P.visit_id.is_(None), P.sample_id.is_(None), live(P, demo))
    if year is not None:
        stmt = stmt.where(P.found_date >= dt.date(year, 1, 1), P.found_date <= dt.date(year, 12, 31))
    stations = stations_of(s)
    for p, b in s.exec(stmt.order_by(P.found_date, P.business_id, P.seq)).all():
        rows.append([None, p.seq, p.description, p.deadline, p.status, p.closed_date, p.source, b.code, b.name,
                     stations[b.station_id].name, p.found_date])
        flags.append(p.is_demo)
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=flags)


@builder("风险隐患")
def _hazard_reports(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["风险隐患"]
    stations = stations_of(s)
    rank = station_rank(stations)
    stmt = select(m.HazardReport).where(live(m.HazardReport, demo))
    if year is not None:
        stmt = stmt.where(m.HazardReport.year == year)
    reports = sorted(s.exec(stmt).all(), key=lambda r: (r.year, r.month, rank.get(r.station_id, 1 << 30)))
    rows = [[stations[r.station_id].name, r.year, r.month, r.entities_checked, r.hazards_found, r.hazards_rectified,
             r.cases_opened, r.report_date] for r in reports]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[r.is_demo for r in reports])


@builder("隐患清单")
def _hazards(s: Session, year: int | None, demo: bool) -> Built:
    k = KINDS["隐患清单"]
    stations = stations_of(s)
    rank = station_rank(stations)
    stmt = select(m.Hazard).where(live(m.Hazard, demo))
    if year is not None:
        stmt = stmt.where(m.Hazard.year == year)
    hazards = sorted(s.exec(stmt).all(), key=lambda h: (h.year, h.month, rank.get(h.station_id, 1 << 30),
                                                       h.found_date, h.id))
    ids = sorted({h.business_id for h in hazards if h.business_id is not None})
    codes = dict(s.exec(select(m.Business.id, m.Business.code).where(m.Business.id.in_(ids))).all()) if ids else {}
    # The importer links a business by its code, else by name within the station: the same link on re-import.
    rows = [[h.code, stations[h.station_id].name, h.year, h.month, h.business_name, codes.get(h.business_id),
             h.description, h.found_date, h.deadline, h.status, h.rectified_date] for h in hazards]
    return Built([c.label for c in k.columns], rows, year, _types(k), demo=[h.is_demo for h in hazards])


def build(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> Built:
    """One kind's export. With include_demo the 示例 rows are in too, and a last column 示例 (是/否) marks each row,
    so the demo's figures can be recomputed from the files; the importer does not read that column (the wide kinds
    say so in a notice)."""
    kind_spec(kind)
    if kind in NO_YEAR:
        year = None
    b = BUILDERS[kind](session, year, include_demo)
    if len(b.demo) != len(b.rows):
        raise RuntimeError(f"{kind}：导出行与示例标记数目不一致")  # a builder that forgot its flags
    if include_demo:
        b.columns = [*b.columns, DEMO_COLUMN]
        b.rows = [[*row, yes_no(flag)] for row, flag in zip(b.rows, b.demo, strict=True)]
        b.types[DEMO_COLUMN] = "text"
    return b
