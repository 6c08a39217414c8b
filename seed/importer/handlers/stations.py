"""Districts, stations and the task list's kinds: 任务清单, 任务进度, 任务明细, 配档表."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from sqlalchemy import inspect
from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed import schedule
from seed.importer.grid import indicator_names, match_indicator
from seed.importer.handlers import work_plans, workshops
from seed.importer.handlers.common import (
    Stations,
    duplicates,
    handler,
    record_submission,
    split_list,
    upsert_row,
)
from seed.importer.job import SheetJob
from seed.importer.kinds import INDICATORS
from seed.importer.totals import covered_rows, error_cells, scope_text, unreadable
from seed.importer.values import ValueProblem, is_blank, nfkc, parse_count, squash

# --- organisation -------------------------------------------------------------------------


@handler("区县")
def district(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    duplicates(job, job.records, lambda r: squash(r.values.get("name")), "name", "区县")
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
        upsert_row(job, writer, m.District, {"name": v["name"]}, values, rec)
    _claim_own_plans(writer, session, [str(r.values["name"]) for r in job.records])


def _claim_own_plans(writer: Writer, session: Session, names: list[str]) -> None:
    """Work plans imported before their district existed were kept as reference; now they count (logged, undoable)."""
    D = m.PlanDocument  # the columns it needs only, so an older schema's database can still be read
    plans = session.exec(select(D.title, D.jurisdiction, D.year, D.src_sheet, D.src_row)
                         .where(D.is_reference == True)).all()  # noqa: E712
    for plan in plans:
        if any(n in plan.jurisdiction or plan.jurisdiction in n for n in names):
            writer.upsert(m.PlanDocument, {"title": plan.title, "jurisdiction": plan.jurisdiction, "year": plan.year},
                          {"is_reference": False, "origin_note": None}, sheet=plan.src_sheet, row=plan.src_row)


@handler("监管所")
def station(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    duplicates(job, job.records, lambda r: squash(r.values.get("name")), "name", "监管所")
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
            "aliases": split_list(v.get("aliases")),
            "lat": v.get("lat"),
            "lon": v.get("lon"),
            "coord_precision": v.get("coord_precision") or "近似",
            "coord_note": v.get("coord_note"),
            "district_id": districts.get(v.get("district")) if v.get("district") else default_district,
            "sort_order": order,
        }
        st, _ = upsert_row(job, writer, m.Station, {"name": v["name"]}, values, rec)
        session.flush()
        for tw in split_list(v.get("townships")):
            upsert_row(job, writer, m.Township, {"name": tw}, {"station_id": st.id}, rec, count=False)


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
                value, was_text = parse_count(raw)  # an Excel error value (#DIV/0!) is refused at its cell here
            except ValueProblem as exc:
                job.error(rec.row0, col0, str(exc), raw)
                job.bad_cells.add((rec.row0, col0))
                continue
            text_numbers[col0] += was_text
            cells[ind_id] = (col0, value)
        out.append((rec, sid, cells))
    for col0, n in sorted(text_numbers.items()):
        if n:
            job.warn(None, None, f"“{job.column_label(col0)}”列共{n}处文本型数字，已自动转换")
    return out


def _check_totals(job: SheetJob, parsed, columns: dict[int, int]) -> None:
    """Each 合计/总计 row must equal the sum of every station row, wherever it sits; a 小计 the rows of its group.
    Formulas without a value are recomputed; a column with an unreadable cell (reported there) is not checked."""
    rows_by_index = {rec.row0: cells for rec, _sid, cells in parsed}
    scopes = covered_rows(job, list(rows_by_index))
    reported = error_cells(job)
    for total_row in job.totals:
        covered = scopes[total_row]
        for col0, ind_id in columns.items():
            raw = job.rows[total_row][col0] if col0 < len(job.rows[total_row]) else ""
            if unreadable(job, covered, col0, reported):
                continue
            expected = sum(rows_by_index[r0][ind_id][1] for r0 in covered if ind_id in rows_by_index[r0])
            if (total_row, col0) in job.grid.formula_empty:
                job.warn(total_row, col0, f"合计为公式且没有计算结果，已按{scope_text(job, total_row, covered)}之和"
                                          f"{expected:g}重新计算")
                continue
            if is_blank(raw):
                continue
            try:
                value, _ = parse_count(raw)
            except ValueProblem as exc:
                job.error(total_row, col0, str(exc), raw)
                continue
            if abs(value - expected) > 1e-9:
                job.error(total_row, col0, f"{_total_word(job, total_row)}与{scope_text(job, total_row, covered)}"
                                           f"之和{expected:g}不符", raw)


def _total_word(job: SheetJob, total_row: int) -> str:
    return "小计" if scope_text(job, total_row, []) != "各行" else "合计"


_DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_BASIS_RE = re.compile(r"依据\s*[:：]\s*(\S+?号)\s*([一二三四五六七八九十]+\s*[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、?)?")
_PHASE_RE = re.compile(r"[在于]([\u4e00-\u9fff]{2,}?阶段)")


def window_note(text: str) -> dict | None:
    """A 注 line stating the list's window: "…专项整治及监管提升阶段完成，推进时段2022年3月1日至2022年11月30日…，
    依据：章市监管发〔2022〕9号 三(二)" → window_start, window_due, phase, source_doc, source_clause (None when the
    line does not give two dates)."""
    text = nfkc(text)
    dates = _DATE_RE.findall(text)
    if len(dates) < 2:
        return None
    start, due = (dt.date(int(y), int(mo), int(d)) for y, mo, d in dates[:2])
    basis = _BASIS_RE.search(text)
    phase = _PHASE_RE.search(text)
    clause = re.sub(r"\s+", "", basis.group(2)) if basis and basis.group(2) else None
    return {"window_start": start, "window_due": due, "phase": phase.group(1) if phase else None,
            "source_doc": basis.group(1) if basis else None, "source_clause": clause}


def _task_list_window(job: SheetJob, writer: Writer, session: Session) -> None:
    """The 注 line under the list that states its window (推进时段 … 至 …, 依据 …), imported with its row as lineage;
    a list without one is paced over its year."""
    for row0 in range(job.layout.header.end, len(job.rows)):
        first = next((v for v in job.rows[row0] if not is_blank(v)), None)
        if first is None or not isinstance(first, str) or "依据" not in first and "时段" not in first:
            continue
        found = window_note(first)
        if found is None:
            continue
        if found["window_due"] < found["window_start"]:
            job.error(row0, 0, "推进时段的结束日期早于开始日期", first)
            return
        if found["window_start"].year != job.year:
            job.warn(row0, 0, f"推进时段不在{job.year}年内，仍按所写日期计算时序进度", first)
        if not inspect(session.connection()).has_table(m.TaskList.__tablename__):
            # A database not yet upgraded (alembic 0007) has nowhere to keep it: said, never dropped silently.
            job.warn(row0, 0, "数据库尚未升级，推进时段未导入，时序进度暂按全年计算；升级后重新导入本表即可", first)
            return
        writer.upsert(m.TaskList, {"year": job.year}, found, sheet=job.sheet, row=row0 + 1)
        return


@handler("任务清单")
def station_targets(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    stations = Stations(job, session)
    columns = _ensure_indicators(job, writer, session)
    parsed = _wide_cells(job, stations, columns)
    _check_totals(job, parsed, columns)
    if job.has_errors or job.year is None:
        return
    _task_list_window(job, writer, session)
    if job.has_errors:
        return
    for rec, sid, cells in parsed:
        for ind_id, (_col0, value) in cells.items():
            upsert_row(job, writer, m.StationTarget, {"year": job.year, "station_id": sid, "indicator_id": ind_id},
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
            upsert_row(job, writer, m.StationProgress,
                    {"year": job.year, "month": month, "station_id": sid, "indicator_id": ind_id},
                    {"cumulative": float(value)}, rec)
        if cells:
            record_submission(job, writer, rec, sid, month, "任务进度", today)


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
    duplicates(job, job.records, lambda r: (r.values.get("year") or job.year, squash(r.raw.get("station")),
                                             squash(r.raw.get("indicator")), squash(r.values.get("name"))),
                "name", "同一监管所、指标下的名称")
    if job.has_errors:
        return
    # the 小作坊 an item names (its 主体名称, else its 名称), when exactly one of its station bears that name
    by_name = workshops.workshop_by_name(session, {sid for _r, sid, *_x in resolved if sid is not None})
    for rec, sid, ind_id, year in resolved:
        v = rec.values
        named = (v.get("business_name"), v["name"])
        note = workshops.unlinked_note(by_name, sid, *named)
        if note:
            field = "business_name" if v.get("business_name") else "name"
            job.warn(rec.row0, rec.cells.get(field), note, rec.raw.get(field))
        status = v.get("status") or ("已完成" if v.get("completed_date") else "计划")
        upsert_row(job, writer, m.TaskItem, {"year": year, "station_id": sid, "indicator_id": ind_id, "name": v["name"]},
                {"business_name": v.get("business_name"), "planned_month": v.get("planned_month"), "status": status,
                 "completed_date": v.get("completed_date"), "video_online": v.get("video_online"),
                 "business_id": workshops.link_item(by_name, sid, *named)}, rec)


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
        upsert_row(job, writer, m.ScheduleMilestone, {"year": job.year, "row_order": order},
                {"time_text": v["time_text"], "start_date": start, "end_date": end, "focus": v["focus"],
                 "measures": v.get("measures"), "note": v.get("note"), "status": v.get("status")}, rec)
    for (year, order), row in list(existing.items()):
        if year == job.year and order > len(windows):
            writer.delete(row)
    if (plan := work_plans.own_plan_with_phases(session, job.year)) is not None:
        work_plans.claim_schedule(writer, session, plan)  # the 配档表 is an 附件 of the year's own plan
