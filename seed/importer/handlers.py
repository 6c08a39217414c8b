"""Per-kind validation and writing: names resolved, cross-row checks, upserts on natural keys."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from db.queries.hazards import hazard_list_rows
from seed import plans, schedule
from seed.importer.grid import header_forms, indicator_names, match_indicator, month_from
from seed.importer.kinds import INDICATORS
from seed.importer.names import StationMatcher
from seed.importer.values import (
    ValueProblem,
    is_blank,
    nfkc,
    parse_count,
    parse_date,
    parse_float,
    parse_month,
    parse_rate,
    squash,
)
from services.rules import hazards as hz
from services.rules.pacing import month_end

if TYPE_CHECKING:
    from seed.importer.core import Record, SheetJob

Handler = Callable[["SheetJob", Writer, Session, dt.date], None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str):
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return wrap


def _split_list(text: Any) -> list[str]:
    if is_blank(text):
        return []
    return [p.strip() for p in re.split(r"[、,，;；/\n]", str(text)) if p.strip()]


def _upsert(job: SheetJob, writer: Writer, model, key: dict, values: dict, rec: Record | None, *, count=True):
    obj, status = writer.upsert(model, key, values, sheet=job.sheet, row=rec.row0 + 1 if rec else None)
    if count:
        job.counts.add(status)
    return obj, status


class Stations:
    """Station lookups for one sheet, with the Chinese errors for unknown names and repeats."""

    def __init__(self, job: SheetJob, session: Session):
        self.job = job
        self.matcher = StationMatcher(session)
        self.seen: dict[tuple[Any, int], int] = {}

    def resolve(self, rec: Record, field: str = "station", *, unique: bool = False, required: bool = True,
                scope: Any = None) -> int | None:
        """The station a row names; with ``unique`` a station may appear once per ``scope`` (e.g. per month)."""
        raw = rec.raw.get(field)
        col0 = rec.cells.get(field)
        if is_blank(raw):
            return None
        sid = self.matcher.match(raw)
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


def _duplicates(job: SheetJob, records: list[Record], key: Callable[[Record], Any], field: str, label: str) -> set[int]:
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


# --- organisation -------------------------------------------------------------------------


@handler("区县")
def district(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    _duplicates(job, job.records, lambda r: squash(r.values.get("name")), "name", "区县")
    if job.has_errors:
        return
    for rec in job.records:
        v = rec.values
        values = {
            "code": v.get("code"),
            "population": round(v["population_wan"] * 10000) if v.get("population_wan") is not None else None,
            "population_year": v.get("population_year"),
            "population_source": v.get("population_source"),
        }
        _upsert(job, writer, m.District, {"name": v["name"]}, values, rec)
    _claim_own_plans(writer, session, [str(r.values["name"]) for r in job.records])


def _claim_own_plans(writer: Writer, session: Session, names: list[str]) -> None:
    """Work plans imported before their district existed were kept as reference; now they count (logged, undoable)."""
    for plan in session.exec(select(m.PlanDocument).where(m.PlanDocument.is_reference == True)).all():  # noqa: E712
        if any(n in plan.jurisdiction or plan.jurisdiction in n for n in names):
            writer.upsert(m.PlanDocument, {"title": plan.title, "jurisdiction": plan.jurisdiction, "year": plan.year},
                          {"is_reference": False, "origin_note": None}, sheet=plan.src_sheet, row=plan.src_row)


@handler("监管所")
def station(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    _duplicates(job, job.records, lambda r: squash(r.values.get("name")), "name", "监管所")
    districts = {d.name: d.id for d in session.exec(select(m.District)).all()}
    for rec in job.records:
        for f in ("lat", "lon"):
            val = rec.values.get(f)
            lo, hi = (-90, 90) if f == "lat" else (-180, 180)
            if val is not None and not lo <= val <= hi:
                job.error(rec.row0, rec.cells[f], "坐标超出范围", rec.raw[f])
        d = rec.values.get("district")
        if d and d not in districts:
            job.error(rec.row0, rec.cells["district"], "未知的区县，请先导入区县表", d)
    if job.has_errors:
        return
    session.flush()
    default_district = next(iter(districts.values())) if len(districts) == 1 else None
    for order, rec in enumerate(job.records, start=1):
        v = rec.values
        values = {
            "aliases": _split_list(v.get("aliases")),
            "lat": v.get("lat"),
            "lon": v.get("lon"),
            "coord_precision": v.get("coord_precision") or "近似",
            "coord_note": v.get("coord_note"),
            "district_id": districts.get(v.get("district")) if v.get("district") else default_district,
            "sort_order": order,
        }
        st, _ = _upsert(job, writer, m.Station, {"name": v["name"]}, values, rec)
        session.flush()
        for tw in _split_list(v.get("townships")):
            _upsert(job, writer, m.Township, {"name": tw}, {"station_id": st.id}, rec, count=False)


# --- task lists ---------------------------------------------------------------------------


def _ensure_indicators(job: SheetJob, writer: Writer, session: Session) -> dict[int, int]:
    """Column index -> TaskIndicator id; unknown numeric columns become new indicators (announced)."""
    known = {i.code: i for i in INDICATORS}
    existing = {i.code: i for i in session.exec(select(m.TaskIndicator)).all()}
    out: dict[int, int] = {}
    order = max([i.sort_order for i in existing.values()] + [len(INDICATORS)])
    columns = dict(job.layout.indicators)
    for col0, header in job.layout.unknown.items():
        cells = [job.rows[rec.row0][col0] for rec in job.records if col0 < len(job.rows[rec.row0])]
        filled = [c for c in cells if not is_blank(c)]
        numeric = True
        for c in filled:
            try:
                parse_count(c)
            except ValueProblem:
                numeric = False
        if filled and numeric:
            code = re.sub(r"[（(][^（()）]*[)）]$", "", nfkc(header.split("/")[-1])).strip() or header
            names = indicator_names({code: (header,)})
            code = match_indicator([header], names) or code
            columns[col0] = code
            if code not in existing:
                job.warn(job.layout.header.row0, col0, f"发现新的指标列“{header}”，将作为新指标“{code}”导入")
        elif filled:
            job.warn(job.layout.header.row0, col0, f"未识别的列“{header}”（不是数字），已忽略")
    for col0, code in columns.items():
        ind = known.get(code)
        if code in existing:
            out[col0] = existing[code].id
            continue
        order += 1
        header = job.layout.header.name(col0)
        unit = ind.unit if ind else ("次" if "次" in header else "家")
        obj, _ = writer.upsert(
            m.TaskIndicator, {"code": code},
            {"name": ind.name if ind else header, "unit": unit,
             "sort_order": [i.code for i in INDICATORS].index(code) + 1 if ind else order},
            sheet=job.sheet, row=job.layout.header.row0 + 1,
        )
        session.flush()
        existing[code] = obj
        out[col0] = obj.id
    return out


def _wide_cells(job: SheetJob, stations: Stations, columns: dict[int, int]):
    """(record, station_id, {indicator_id: (col0, value)}) for each data row, with errors reported."""
    out = []
    text_numbers: Counter = Counter()
    for rec in job.records:
        sid = stations.resolve(rec, unique=True, scope=rec.values.get("month") or job.month)  # 任务进度: once a month
        cells: dict[int, tuple[int, int]] = {}
        row = job.rows[rec.row0]
        for col0, ind_id in columns.items():
            raw = row[col0] if col0 < len(row) else ""
            if is_blank(raw):
                continue
            try:
                value, was_text = parse_count(raw)
            except ValueProblem as exc:
                job.error(rec.row0, col0, str(exc), raw)
                continue
            text_numbers[col0] += was_text
            cells[ind_id] = (col0, value)
        out.append((rec, sid, cells))
    for col0, n in sorted(text_numbers.items()):
        if n:
            job.warn(None, None, f"“{job.column_label(col0)}”列共{n}处文本型数字，已自动转换")
    return out


def _check_totals(job: SheetJob, parsed, columns: dict[int, int]) -> None:
    """A 合计/总计 row must equal the sum of the rows (a 小计 the rows since the last 小计); formulas without a value are recomputed."""
    rows_by_index = {rec.row0: cells for rec, _sid, cells in parsed}
    start = job.layout.header.end
    for total_row in job.totals:
        label = squash(next((v for v in job.rows[total_row][:3] if not is_blank(v)), ""))
        # a 小计 sums the rows since the previous 小计; a 合计/总计 sums every row
        scope_start = start if "小计" in label else job.layout.header.end
        for col0, ind_id in columns.items():
            raw = job.rows[total_row][col0] if col0 < len(job.rows[total_row]) else ""
            expected = sum(
                cells[ind_id][1] for r0, cells in rows_by_index.items() if scope_start <= r0 < total_row and ind_id in cells
            )
            if (total_row, col0) in job.grid.formula_empty:
                job.warn(total_row, col0, f"合计为公式且没有计算结果，已按各行之和{expected:g}重新计算")
                continue
            if is_blank(raw):
                continue
            try:
                value, _ = parse_count(raw)
            except ValueProblem as exc:
                job.error(total_row, col0, str(exc), raw)
                continue
            if abs(value - expected) > 1e-9:
                job.error(total_row, col0, f"合计与各行之和{expected:g}不符", raw)
        if "小计" in label:
            start = total_row + 1


@handler("任务清单")
def station_targets(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    columns = _ensure_indicators(job, writer, session)
    parsed = _wide_cells(job, stations, columns)
    _check_totals(job, parsed, columns)
    if job.has_errors or job.year is None:
        return
    for rec, sid, cells in parsed:
        for ind_id, (_col0, value) in cells.items():
            _upsert(job, writer, m.StationTarget, {"year": job.year, "station_id": sid, "indicator_id": ind_id},
                    {"target": float(value)}, rec)


@handler("任务进度")
def station_progress(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    columns = _ensure_indicators(job, writer, session)
    parsed = _wide_cells(job, stations, columns)
    _check_totals(job, parsed, columns)
    if job.year is None:
        return
    previous: dict[tuple[int, int, int], float] = {}
    for p in session.exec(select(m.StationProgress).where(m.StationProgress.year == job.year)).all():
        previous[(p.station_id, p.indicator_id, p.month)] = p.cumulative
    targets = {(t.station_id, t.indicator_id): t.target
               for t in session.exec(select(m.StationTarget).where(m.StationTarget.year == job.year)).all()}
    rows = []
    for rec, sid, cells in parsed:
        month = rec.values.get("month") or job.month
        if month is None or sid is None:
            continue
        for ind_id, (col0, value) in cells.items():
            last = max(((mo, v) for (s, i, mo), v in previous.items() if s == sid and i == ind_id and mo < month),
                       default=None)
            if last is not None and value < last[1]:
                job.warn(rec.row0, col0, f"累计数低于{last[0]}月的{last[1]:g}，请确认", value)
            target = targets.get((sid, ind_id))
            if target is not None and value > target:
                job.warn(rec.row0, col0, f"累计数超过年度目标{target:g}", value)
        rows.append((rec, sid, month, cells))
    if job.has_errors:
        return
    for rec, sid, month, cells in rows:
        for ind_id, (_col0, value) in cells.items():
            _upsert(job, writer, m.StationProgress,
                    {"year": job.year, "month": month, "station_id": sid, "indicator_id": ind_id},
                    {"cumulative": float(value)}, rec)
        if cells:
            _record_submission(job, writer, rec, sid, month, "任务进度", today)


def _record_submission(job: SheetJob, writer: Writer, rec: Record, sid: int, month: int, kind: str,
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


@handler("任务明细")
def task_items(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    inds = {i.code: i.id for i in session.exec(select(m.TaskIndicator)).all()}
    names = indicator_names({code: () for code in inds})
    resolved = []
    for rec in job.records:
        sid = stations.resolve(rec)
        code = match_indicator([str(rec.raw.get("indicator") or "")], names)
        if code is None or code not in inds:
            job.error(rec.row0, rec.cells["indicator"], "未知的指标（可填：" + "、".join(inds) + "）", rec.raw.get("indicator"))
        year = rec.values.get("year") or job.year
        if year is None:
            job.error(rec.row0, rec.cells.get("year"), "缺少年度")
        resolved.append((rec, sid, inds.get(code or ""), year))
    _duplicates(job, job.records, lambda r: (r.values.get("year") or job.year, squash(r.raw.get("station")),
                                             squash(r.raw.get("indicator")), squash(r.values.get("name"))),
                "name", "同一监管所、指标下的名称")
    if job.has_errors:
        return
    for rec, sid, ind_id, year in resolved:
        v = rec.values
        status = v.get("status") or ("已完成" if v.get("completed_date") else "计划")
        _upsert(job, writer, m.TaskItem, {"year": year, "station_id": sid, "indicator_id": ind_id, "name": v["name"]},
                {"business_name": v.get("business_name"), "planned_month": v.get("planned_month"), "status": status,
                 "completed_date": v.get("completed_date"), "video_online": v.get("video_online")}, rec)


@handler("配档表")
def milestones(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    if job.year is None:
        return
    windows = []
    previous_end = None
    for rec in job.records:
        try:
            start, end = schedule.parse_window(rec.values["time_text"] or "", job.year, previous_end)
        except schedule.WindowProblem as exc:
            job.error(rec.row0, rec.cells["time_text"], str(exc), rec.raw.get("time_text"))
            continue
        previous_end = end
        windows.append((rec, start, end))
    if job.has_errors:
        return
    existing = writer.prefetch(m.ScheduleMilestone, ("year", "row_order"))
    for order, (rec, start, end) in enumerate(windows, start=1):
        v = rec.values
        _upsert(job, writer, m.ScheduleMilestone, {"year": job.year, "row_order": order},
                {"time_text": v["time_text"], "start_date": start, "end_date": end, "focus": v["focus"],
                 "measures": v.get("measures"), "note": v.get("note"), "status": v.get("status")}, rec)
    for (year, order), row in list(existing.items()):
        if year == job.year and order > len(windows):
            writer.delete(row)


# --- work plans ---------------------------------------------------------------------------


def plan_meta(job: SheetJob) -> dict[str, Any]:
    """Title line, then "发文单位：…；辖区：…；年度：…" from the rows above the header."""
    lines = [t for r in range(job.layout.header.row0) for t in dict.fromkeys(
        str(v).strip() for v in job.rows[r] if not is_blank(v))]
    meta: dict[str, Any] = {"title": None, "issuer": None, "jurisdiction": None, "year": None}
    for line in lines:
        found = False
        for label, key in (("发文单位", "issuer"), ("辖区", "jurisdiction"), ("年度", "year")):
            mm = re.search(label + r"[:：]\s*([^；;]+)", line)
            if mm:
                meta[key] = mm.group(1).strip()
                found = True
        if not found and meta["title"] is None:
            meta["title"] = line
    if meta["year"]:
        mm = re.search(r"\d{4}", str(meta["year"]))
        meta["year"] = int(mm.group(0)) if mm else None
    if meta["year"] is None and meta["title"]:
        mm = re.search(r"(20\d{2})", meta["title"])
        meta["year"] = int(mm.group(1)) if mm else job.year
    return meta


def write_plan_task(job, writer, session, plan, rec, number, values, clauses_text, is_demo_copy=False):
    task, _ = _upsert(job, writer, m.PlanTask, {"plan_id": plan.id, "number": number}, values, rec)
    session.flush()
    wanted = []
    for clause_no, clause in enumerate(plans.clauses(clauses_text), start=1):
        for role, units in clause.parts:
            for unit_name in units:
                unit, _ = _upsert(job, writer, m.MemberUnit, {"name": unit_name}, {}, rec, count=False)
                session.flush()
                wanted.append((clause_no, unit.id, role, clause.text))
    existing = {(tu.clause_no, tu.unit_id): tu for tu in session.exec(
        select(m.TaskUnit).where(m.TaskUnit.task_id == task.id)).all()}
    keep = set()
    for clause_no, unit_id, role, text in wanted:
        if (clause_no, unit_id) in keep:
            continue
        keep.add((clause_no, unit_id))
        _upsert(job, writer, m.TaskUnit, {"task_id": task.id, "clause_no": clause_no, "unit_id": unit_id},
                {"role": role, "clause": text}, rec, count=False)
    for k, tu in existing.items():
        if k not in keep:
            writer.delete(tu)
    return task


PLAN_FIELDS = ("plan_title", "issuer", "jurisdiction", "plan_year")


def _plan_groups(records: list[Record]) -> list[list[Record]]:
    """Rows grouped by the plan their 文件名称/发文单位/辖区/计划年度 name (blanks continue the row above), so one
    sheet or CSV can hold several plans; rows naming no plan form one group that takes the title rows."""
    groups: dict[tuple, list[Record]] = {}
    current: tuple = (None,) * len(PLAN_FIELDS)
    for rec in records:
        named = tuple(rec.values.get(f) for f in PLAN_FIELDS)
        if any(v is not None for v in named):
            current = tuple(v if v is not None else c for v, c in zip(named, current, strict=True))
        groups.setdefault(current, []).append(rec)
    return list(groups.values()) or [[]]


@handler("工作要点")
def plan_tasks(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    meta = plan_meta(job)
    planned = []
    for records in _plan_groups(job.records):
        first = records[0] if records else None
        title = (first.values.get("plan_title") if first else None) or meta["title"]
        issuer = (first.values.get("issuer") if first else None) or meta["issuer"]
        jurisdiction = (first.values.get("jurisdiction") if first else None) or meta["jurisdiction"]
        year = (first.values.get("plan_year") if first else None) or meta["year"] or job.year
        missing = [label for label, v in (("文件名称（标题行）", title), ("发文单位", issuer), ("辖区", jurisdiction),
                                          ("年度", year)) if not v]
        if missing:
            job.error(None, None, "缺少" + "、".join(missing) + "：请在标题行写文件名称，第二行写“发文单位：…；辖区：…；年度：…”")
        _duplicates(job, records, lambda r: r.values.get("number"), "number", "序号")
        deadlines = {}
        for rec in records:
            text = rec.values.get("deadline_text")
            if text:
                try:
                    deadlines[rec.row0] = (parse_date(text), False)
                except ValueProblem:
                    d, default = plans.deadline_in(str(text), year or today.year)
                    if default:
                        job.error(rec.row0, rec.cells["deadline_text"], "无法识别的完成时限", text)
                    deadlines[rec.row0] = (d, False)
        planned.append((records, first, title, issuer, jurisdiction, year, deadlines))
    if job.has_errors:
        return
    districts = [d.name for d in session.exec(select(m.District)).all()]
    if not districts:
        job.warn(None, None, "数据库中还没有区县（请先导入监管所表），本表的工作要点暂按参考文件导入、不计入统计；"
                             "导入区县后，辖区相符的工作要点自动计入")
    for records, first, title, issuer, jurisdiction, year, deadlines in planned:
        own = any(d in jurisdiction or jurisdiction in d for d in districts)
        plan, _ = _upsert(job, writer, m.PlanDocument, {"title": title, "jurisdiction": jurisdiction, "year": year},
                          {"issuer": issuer, "is_reference": not own,
                           "origin_note": None if own else f"内容取自{jurisdiction}{year}年公开文件，作参考，不计入统计"},
                          first, count=False)
        session.flush()
        for rec in records:
            v = rec.values
            text = v["text"]
            deadline, default = deadlines.get(rec.row0) or plans.deadline_in(text, year)
            task_title = v.get("title") or _headline(text)
            write_plan_task(job, writer, session, plan, rec, v["number"],
                            {"section": v.get("section"), "title": task_title, "text": text, "deadline": deadline,
                             "deadline_is_default": default}, text)


def _headline(text: str) -> str:
    head = re.split(r"[。；]", text, maxsplit=1)[0]
    return head if len(head) <= 40 else head[:30] + "…"


@handler("工作要点进展")
def plan_status(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    docs = session.exec(select(m.PlanDocument)).all()
    tasks = {(t.plan_id, t.number): t for t in session.exec(select(m.PlanTask)).all()}
    resolved = []
    for rec in job.records:
        v = rec.values
        title = squash(v.get("plan_title"))
        year = v.get("year") or job.year
        month = v.get("month") or job.month
        candidates = [d for d in docs if squash(d.title) == title and (v.get("plan_year") in (None, d.year))]
        if len(candidates) > 1:
            same_year = [d for d in candidates if d.year == year]
            candidates = same_year or candidates
        if not candidates:
            job.error(rec.row0, rec.cells["plan_title"], "未找到该工作要点文件，请先导入工作要点", v.get("plan_title"))
            continue
        if len(candidates) > 1:
            job.error(rec.row0, rec.cells["plan_title"], "同名文件不止一个，请填写“计划年度”", v.get("plan_title"))
            continue
        task = tasks.get((candidates[0].id, v.get("number")))
        if task is None:
            job.error(rec.row0, rec.cells["number"], "该文件中没有这个序号", v.get("number"))
            continue
        if year is None or month is None:
            job.error(rec.row0, None, "缺少年度或月份")
            continue
        resolved.append((rec, task, year, month))
    if job.has_errors:
        return
    for rec, task, year, month in resolved:
        v = rec.values
        _upsert(job, writer, m.PlanTaskStatus, {"task_id": task.id, "year": year, "month": month},
                {"status": v["status"], "delay_reason": v.get("delay_reason"), "notes": v.get("notes")}, rec)


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
    _duplicates(job, job.records, lambda r: (squash(r.values.get("name")), squash(r.values.get("jurisdiction")),
                                             r.values.get("year")), "name", "指标（名称、辖区、年度）")
    rows = []
    for rec in job.records:
        v = rec.values
        unit = nfkc(v.get("unit") or "")
        target = _kpi_value(job, rec, "target", unit)
        baseline = _kpi_value(job, rec, "baseline", unit)
        rows.append((rec, unit, target, baseline))
    if job.has_errors:
        return
    for rec, unit, target, baseline in rows:
        v = rec.values
        year = v["year"]
        pacing = v.get("pacing") or "ramp"
        due = v.get("due_date") or (dt.date(year, 12, 31) if pacing in ("ramp", "once") else None)
        _upsert(job, writer, m.Kpi, {"name": v["name"], "jurisdiction": v["jurisdiction"], "year": year},
                {"unit": unit, "target": target, "direction": "<=" if v.get("direction") == "≤" else ">=",
                 "pacing": pacing, "baseline": baseline, "due_date": due,
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
        _upsert(job, writer, m.KpiReading, {"kpi_id": kpi.id, "year": year, "month": month},
                {"value": value, "numerator": _num(v.get("numerator")), "denominator": _num(v.get("denominator"))}, rec)


def _num(raw: Any) -> float | None:
    return None if is_blank(raw) else parse_float(raw)[0]


# --- 包保 register --------------------------------------------------------------------------


def business_key(code: str | None, name: str, station_name: str, address: str | None) -> str:
    if code:
        return code
    return "|".join([squash(name), squash(station_name), squash(address or "")])


def cadre_key(code: str | None, name: str, unit: str) -> str:
    return code or f"{squash(name)}|{squash(unit)}"


@handler("包保主体")
def businesses(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    townships = {squash(t.name): t for t in session.exec(select(m.Township)).all()}
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        tw_id = None
        if v.get("township"):
            tw = townships.get(squash(v["township"]))
            if tw is None:
                job.error(rec.row0, rec.cells["township"], "未知的镇街", v["township"])
            else:
                tw_id = tw.id
        if sid is None:
            continue
        code = v.get("uscc") or v.get("license")
        if v.get("uscc") and len(v["uscc"]) != 18:
            job.error(rec.row0, rec.cells["uscc"], "统一社会信用代码应为18位", rec.raw["uscc"])
        key = business_key(code, v["name"] or "", stations.matcher.names[sid], v.get("address"))
        resolved.append((rec, sid, tw_id, code, key))
    key_of = {id(rec): key for rec, *_x, key in resolved}  # one pass, not a scan per row
    _duplicates(job, [r for r, *_ in resolved], lambda r: key_of[id(r)], "name", "主体（编码或名称+监管所+地址）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Business, ("key",), [(k,) for *_x, k in resolved])
    for rec, sid, tw_id, code, key in resolved:
        v = rec.values
        _upsert(job, writer, m.Business, {"key": key},
                {"code": code, "name": v["name"], "sector": v["sector"], "subtype": v.get("subtype"),
                 "tier": v["tier"], "risk_level": v["risk_level"], "station_id": sid, "township_id": tw_id,
                 "address": v.get("address"), "lat": v.get("lat"), "lon": v.get("lon"),
                 "status": v.get("status") or "在营"}, rec)


@handler("包保干部")
def cadres(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec, required=False) if v.get("station") else None
        resolved.append((rec, sid, cadre_key(v.get("code"), v["name"] or "", v["unit"] or "")))
    _duplicates(job, job.records, lambda r: cadre_key(r.values.get("code"), r.values.get("name") or "",
                                                      r.values.get("unit") or ""), "name", "干部（编号或姓名+单位）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Cadre, ("key",), [(k,) for *_x, k in resolved])
    for rec, sid, key in resolved:
        v = rec.values
        _upsert(job, writer, m.Cadre, {"key": key},
                {"code": v.get("code"), "name": v["name"], "level": v["level"], "unit": v["unit"],
                 "title": v.get("title"), "station_id": sid}, rec)


class People:
    """Finds cadres and businesses named in a row, by code or by name (+ unit / station)."""

    def __init__(self, job: SheetJob, session: Session, records: list[Record]):
        self.job = job
        self.stations = Stations(job, session)
        self.cadres: dict[str, int] = {}
        self.cadre_keys: dict[int, str] = {}
        for c in session.exec(select(m.Cadre.id, m.Cadre.key, m.Cadre.code)).all():
            self.cadres[c.key] = c.id
            if c.code:
                self.cadres[c.code] = c.id
            self.cadre_keys[c.id] = c.key
        codes = {r.values.get("business_code") for r in records if r.values.get("business_code")}
        # names matter only on rows without a code (a row with a code is found by its code)
        names = {squash(r.values.get("business_name")) for r in records
                 if r.values.get("business_name") and not r.values.get("business_code")}
        self.biz_by_code: dict[str, tuple[int, str]] = {}
        self.biz_by_name: dict[str, list[tuple[int, int, str]]] = {}
        code_list = list(codes)
        for i in range(0, len(code_list), 500):
            for b in session.exec(select(m.Business.id, m.Business.code, m.Business.key)
                                  .where(m.Business.code.in_(code_list[i : i + 500]))).all():
                self.biz_by_code[b.code] = (b.id, b.key)
        if names:
            for b in session.exec(select(m.Business.id, m.Business.name, m.Business.station_id, m.Business.key)).all():
                sq = squash(b.name)
                if sq in names:
                    self.biz_by_name.setdefault(sq, []).append((b.id, b.station_id, b.key))

    def cadre(self, rec: Record) -> tuple[int, str] | None:
        v = rec.values
        key = v.get("cadre_code") or (cadre_key(None, v.get("cadre_name") or "", v.get("cadre_unit") or "")
                                      if v.get("cadre_name") else None)
        if not key:
            self.job.error(rec.row0, rec.cells.get("cadre_code") or rec.cells.get("cadre_name"), "缺少干部编号或干部姓名")
            return None
        cid = self.cadres.get(key)
        if cid is None:
            col = rec.cells.get("cadre_code") if v.get("cadre_code") else rec.cells.get("cadre_name")
            self.job.error(rec.row0, col, "未找到该包保干部，请先导入包保干部表",
                           v.get("cadre_code") or v.get("cadre_name"))
            return None
        return cid, self.cadre_keys[cid]

    def business(self, rec: Record) -> tuple[int, str] | None:
        v = rec.values
        if v.get("business_code"):
            hit = self.biz_by_code.get(v["business_code"])
            if hit is None:
                self.job.error(rec.row0, rec.cells["business_code"], "未找到该主体，请先导入包保主体表", v["business_code"])
            return hit
        if not v.get("business_name"):
            self.job.error(rec.row0, rec.cells.get("business_name"), "缺少主体编码或主体名称")
            return None
        hits = self.biz_by_name.get(squash(v["business_name"]), [])
        sid = self.stations.resolve(rec) if v.get("station") else None
        if sid is not None:
            hits = [h for h in hits if h[1] == sid]
        if len(hits) == 1:
            return hits[0][0], hits[0][2]
        msg = "未找到该主体，请先导入包保主体表" if not hits else "同名主体不止一个，请填写主体编码或监管所"
        self.job.error(rec.row0, rec.cells["business_name"], msg, v["business_name"])
        return None


@handler("包保关系")
def assignments(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    people = People(job, session, job.records)
    resolved = []
    for rec in job.records:
        c, b = people.cadre(rec), people.business(rec)
        v = rec.values
        if v.get("end_date") and v.get("start_date") and v["end_date"] < v["start_date"]:
            job.error(rec.row0, rec.cells["end_date"], "结束日期早于开始日期", rec.raw["end_date"])
        if c and b:
            resolved.append((rec, c[0], b[0]))
    if job.has_errors:
        return
    for rec, cid, bid in resolved:
        _upsert(job, writer, m.Assignment, {"cadre_id": cid, "business_id": bid, "start_date": rec.values["start_date"]},
                {"end_date": rec.values.get("end_date")}, rec)


@handler("督导记录")
def visits(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    people = People(job, session, job.records)
    resolved = []
    order: Counter = Counter()
    for rec in job.records:
        v = rec.values
        c, b = people.cadre(rec), people.business(rec)
        if not (c and b and v.get("visit_date") and v.get("method")):
            continue
        if v.get("record_no"):
            key = v["record_no"]
        else:
            base = f"{v['visit_date'].isoformat()}|{c[1]}|{b[1]}|{v['method']}"
            order[base] += 1
            key = f"{base}|{order[base]}"
        resolved.append((rec, key, c[0], b[0]))
    first: dict[str, int] = {}
    for rec, key, *_ in resolved:
        if key in first:
            job.error(rec.row0, rec.cells.get("record_no"), f"记录编号与第{first[key] + 1}行重复", rec.raw.get("record_no"))
        first.setdefault(key, rec.row0)
    if job.has_errors:
        return
    items = []
    for rec, key, cid, bid in resolved:
        v = rec.values
        items.append(((key,), {"record_no": v.get("record_no"), "visit_date": v["visit_date"], "cadre_id": cid,
                               "business_id": bid, "method": v["method"],
                               "problems_found": v.get("problems_found") or 0, "note": v.get("note")},
                      job.sheet, rec.row0 + 1))
    for status in writer.upsert_many(m.Visit, ("key",), items):  # registers run to 100k rows: in bulk (issue 8)
        job.counts.add(status)


@handler("问题")
def problems(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    nos = list({r.values.get("record_no") for r in job.records if r.values.get("record_no")})
    found: dict[str, int] = {}
    for i in range(0, len(nos), 500):
        chunk = nos[i : i + 500]
        for row in session.exec(select(m.Visit.id, m.Visit.record_no, m.Visit.key)
                                .where((m.Visit.record_no.in_(chunk)) | (m.Visit.key.in_(chunk)))).all():
            found[row.record_no or row.key] = row.id
            found[row.key] = row.id
    resolved = []
    for rec in job.records:
        v = rec.values
        vid = found.get(v.get("record_no") or "")
        if vid is None:
            job.error(rec.row0, rec.cells["record_no"], "未找到该督导记录，请先导入督导记录", v.get("record_no"))
            continue
        if v.get("status") in m.PROBLEM_CLOSED and not v.get("closed_date"):
            job.error(rec.row0, rec.cells.get("closed_date", rec.cells["record_no"]), "已整改或已销号的问题需填写销号日期")
        resolved.append((rec, vid))
    _duplicates(job, job.records, lambda r: (r.values.get("record_no"), r.values.get("seq")), "seq", "同一督导记录的问题序号")
    if job.has_errors:
        return
    for rec, vid in resolved:
        v = rec.values
        status = v.get("status") or ("已销号" if v.get("closed_date") else "待整改")
        _upsert(job, writer, m.Problem, {"visit_id": vid, "seq": v["seq"]},
                {"description": v["description"], "deadline": v.get("deadline"), "status": status,
                 "closed_date": v.get("closed_date")}, rec)


# --- 风险隐患排查整治 -----------------------------------------------------------------------------


def _hazard_totals(job: SheetJob, parsed: list[tuple[Record, dict[str, int]]]) -> None:
    """A 合计/总计 row must equal the sum of the reported rows (a 小计 the rows since the last 小计)."""
    start = job.layout.header.end
    for total_row in job.totals:
        label = squash(next((v for v in job.rows[total_row][:3] if not is_blank(v)), ""))
        scope_start = start if "小计" in label else job.layout.header.end
        for f in hz.COUNTS:
            col0 = job.layout.columns.get(f)
            if col0 is None:
                continue
            raw = job.rows[total_row][col0] if col0 < len(job.rows[total_row]) else ""
            expected = sum(v[f] for rec, v in parsed if scope_start <= rec.row0 < total_row and v.get(f) is not None)
            if (total_row, col0) in job.grid.formula_empty or is_blank(raw):
                continue
            try:
                value, _ = parse_count(raw)
            except ValueProblem as exc:
                job.error(total_row, col0, str(exc), raw)
                continue
            if value != expected:
                job.error(total_row, col0, f"合计与各行之和{expected}不符", raw)
        if "小计" in label:
            start = total_row + 1


@handler("风险隐患")
def hazard_reports(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """风险隐患排查整治表: one row per station for the month; a row whose four counts are all blank is a station
    that has not reported (no row, no submission — blank is never 0)."""
    missing = [f for f in hz.COUNTS if f not in job.layout.columns]
    for f in missing:
        job.error(job.layout.header.row0, None, f"缺少“{hz.LABELS[f]}”列：请对照模板补上该列（没有请填0）")
    stations = Stations(job, session)
    parsed: list[tuple[Record, dict[str, int]]] = []
    rows = []
    for rec in job.records:
        given = [f for f in hz.COUNTS if f in rec.cells and not is_blank(rec.raw.get(f))]
        if not given:
            continue
        v = rec.values
        year, month = v.get("year") or job.year, v.get("month") or job.month
        sid = stations.resolve(rec, unique=True, scope=(year, month))  # once a month per station
        if year is None:
            job.error(rec.row0, rec.cells.get("year"), "缺少年度：请在标题中写明年份（如“2022年10月…”）或填写“年度”列")
        if month is None:
            job.error(rec.row0, rec.cells.get("month"), "缺少月份")
        counts = {f: v.get(f) for f in hz.COUNTS}
        for f in hz.COUNTS:
            if f in rec.cells and f not in given:
                job.error(rec.row0, rec.cells[f], hz.MSG_INCOMPLETE)
        for f, message in hz.check_counts(counts).items():
            job.error(rec.row0, rec.cells[f], message, rec.raw.get(f))
        parsed.append((rec, counts))
        if sid is not None and year is not None and month is not None:
            rows.append((rec, sid, year, month, counts))
    _hazard_totals(job, parsed)
    tallies = {year: hz.list_tallies(hazard_list_rows(session, year=year,
                                                      station_ids=[r[1] for r in rows if r[2] == year]))
               for year in {r[2] for r in rows}}
    existing = writer.prefetch(m.HazardReport, ("year", "month", "station_id"))
    for rec, sid, year, month, counts in rows:
        old = existing.get((year, month, sid))
        report_date = rec.values.get("report_date") or job.report_date or (old.report_date if old else None)
        for f, message in hz.list_check(tallies[year], station=stations.matcher.names[sid], station_id=sid,
                                        year=year, month=month, found=counts["hazards_found"],
                                        rectified=counts["hazards_rectified"], report_date=report_date).items():
            job.warn(rec.row0, rec.cells[f], message, rec.raw.get(f))
    if job.has_errors:
        return
    for rec, sid, year, month, counts in rows:
        old = existing.get((year, month, sid))
        # The first report's date stays, as for the submission; a date written in the file replaces it.
        report_date = rec.values.get("report_date") or job.report_date or (old.report_date if old else None) or today
        _upsert(job, writer, m.HazardReport, {"year": year, "month": month, "station_id": sid},
                {**counts, "report_date": report_date}, rec)
        _record_submission(job, writer, rec, sid, month, hz.KIND, today, year=year)


def hazard_key(code: str | None, station_name: str, found: dt.date, business_name: str, description: str) -> str:
    return code or "|".join([squash(station_name), found.isoformat(), squash(business_name), squash(description)])


class HazardBusinesses:
    """Businesses of the 包保 register a hazard row names: by code, else by name within its station."""

    def __init__(self, session: Session, records: list[Record], station_ids: set[int]):
        codes = sorted({r.values["business_code"] for r in records if r.values.get("business_code")})
        self.by_code: dict[str, int] = {}
        for i in range(0, len(codes), 500):
            for bid, code in session.exec(select(m.Business.id, m.Business.code)
                                          .where(m.Business.code.in_(codes[i : i + 500]))).all():
                self.by_code[code] = bid
        self.by_name: dict[tuple[int, str], list[int]] = {}
        if station_ids:
            # One station's register: a few hundred names at most per station named in the sheet.
            for bid, name, sid in session.exec(select(m.Business.id, m.Business.name, m.Business.station_id)
                                               .where(m.Business.station_id.in_(sorted(station_ids)))).all():
                self.by_name.setdefault((sid, squash(name)), []).append(bid)

    def find(self, code: str | None, name: str, station_id: int) -> tuple[int | None, bool]:
        """(business id or None, whether a code was given and not found)."""
        if code and code in self.by_code:
            return self.by_code[code], False
        hits = self.by_name.get((station_id, squash(name)), [])
        return (hits[0] if len(hits) == 1 else None), bool(code)


@handler("隐患清单")
def hazard_list(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """隐患清单: hazards with their deadlines and rectification; the month they were reported in comes from the
    月份 column, else the title, else the found date. After writing, each station-month with a report is checked
    against it (提示, never an error: the list checks the counts, the counts stay as reported)."""
    stations = Stations(job, session)
    title_month = job.month or month_from(job.title)
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        found, deadline, rectified = v.get("found_date"), v.get("deadline"), v.get("rectified_date")
        status = v.get("hazard_status")
        year = v.get("year") or job.year or (found.year if found else None)
        month = v.get("month") or title_month or (found.month if found else None)
        cell = rec.cells.get
        if found is not None:
            if found > today:
                job.error(rec.row0, cell("found_date"), "发现日期晚于今天", rec.raw.get("found_date"))
            elif year is not None and month is not None and found > month_end(year, month):
                job.error(rec.row0, cell("found_date"), f"发现日期晚于所列月份（{year}年{month}月）",
                          rec.raw.get("found_date"))
            if deadline is not None and deadline < found:
                job.error(rec.row0, cell("deadline"), "整改期限早于发现日期", rec.raw.get("deadline"))
            if rectified is not None and rectified < found:
                job.error(rec.row0, cell("rectified_date"), "整改日期早于发现日期", rec.raw.get("rectified_date"))
        if rectified is not None and rectified > today:
            job.error(rec.row0, cell("rectified_date"), "整改日期晚于今天", rec.raw.get("rectified_date"))
        if status == m.HAZARD_RECTIFIED and rectified is None:
            job.error(rec.row0, cell("rectified_date", cell("hazard_status")), "已整改的隐患需填写整改日期")
        if status is not None and status != m.HAZARD_RECTIFIED and rectified is not None:
            job.error(rec.row0, cell("hazard_status"), "填写了整改日期，整改状态应为已整改", rec.raw.get("hazard_status"))
        if sid is None or found is None or year is None or month is None or not v.get("description"):
            continue
        key = hazard_key(v.get("code"), stations.matcher.names[sid], found, v.get("business_name") or "",
                         v["description"])
        resolved.append((rec, sid, year, month, status or (m.HAZARD_RECTIFIED if rectified else "未整改"), key))
    first: dict[str, int] = {}
    for rec, *_x, key in resolved:
        if key in first:
            field = "code" if rec.values.get("code") else "description"
            job.error(rec.row0, rec.cells.get(field), f"与第{first[key] + 1}行是同一条隐患（编号，或监管所、发现日期、"
                      "主体和隐患描述相同）", rec.raw.get(field))
        first.setdefault(key, rec.row0)
    if job.has_errors:
        return
    businesses = HazardBusinesses(session, job.records, {sid for _r, sid, *_x in resolved})
    writer.prefetch_keys(m.Hazard, ("key",), [(k,) for *_x, k in resolved])
    touched: set[tuple[int, int, int]] = set()
    for rec, sid, year, month, status, key in resolved:
        v = rec.values
        bid, code_unknown = businesses.find(v.get("business_code"), v["business_name"], sid)
        if code_unknown:
            job.warn(rec.row0, rec.cells.get("business_code"),
                     "包保主体台账中没有这个编码" + ("，已按名称关联" if bid else "，只记录主体名称"), v.get("business_code"))
        _upsert(job, writer, m.Hazard, {"key": key},
                {"code": v.get("code"), "year": year, "month": month, "station_id": sid,
                 "business_name": v["business_name"], "business_id": bid, "description": v["description"],
                 "found_date": v["found_date"], "deadline": v.get("deadline"), "status": status,
                 "rectified_date": v.get("rectified_date")}, rec)
        touched.add((year, month, sid))
    session.flush()
    for year in sorted({y for y, _mo, _s in touched}):
        sids = {s for y, _mo, s in touched if y == year}
        tallies = hz.list_tallies(hazard_list_rows(session, year=year, station_ids=sids))
        reports = session.exec(select(m.HazardReport).where(m.HazardReport.year == year,
                                                            m.HazardReport.station_id.in_(sorted(sids)))).all()
        for r in sorted(reports, key=lambda r: (r.month, r.station_id)):
            if (year, r.month, r.station_id) not in touched:
                continue
            checks = hz.list_check(tallies, station=stations.matcher.names[r.station_id], station_id=r.station_id,
                                   year=year, month=r.month, found=r.hazards_found, rectified=r.hazards_rectified,
                                   report_date=r.report_date, prefix=hz.ON_LIST)
            for message in checks.values():
                job.warn(None, None, message)


__all__ = ["HANDLERS", "business_key", "cadre_key", "hazard_key", "header_forms", "parse_month"]
