"""Work plans (工作要点) and their monthly status (工作要点进展)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed import plans
from seed.importer.conflicts import Claim, ClaimingWriter
from seed.importer.handlers.common import duplicates, handler, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.values import ValueProblem, is_blank, parse_date, squash

# --- work plans ---------------------------------------------------------------------------


def plan_meta(job: SheetJob) -> dict[str, Any]:
    """Title line, then "发文单位：…；辖区：…；年度：…[；文号：…]" from the rows above the header."""
    lines = [t for r in range(job.layout.header.row0) for t in dict.fromkeys(
        str(v).strip() for v in job.rows[r] if not is_blank(v))]
    meta: dict[str, Any] = {"title": None, "issuer": None, "jurisdiction": None, "year": None, "doc_number": None}
    for line in lines:
        found = False
        for label, key in (("发文单位", "issuer"), ("辖区", "jurisdiction"), ("年度", "year"), ("文号", "doc_number")):
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


def write_plan_task(job, writer, session, plan, rec, number, values, found: list[plans.Clause]):
    """One plan task and the units its clauses name (each clause with its role, as written)."""
    task, _ = upsert_row(job, writer, m.PlanTask, {"plan_id": plan.id, "number": number}, values, rec)
    session.flush()
    wanted = []
    for clause_no, clause in enumerate(found, start=1):
        for role, units in clause.parts:
            for unit_name in units:
                unit, _ = upsert_row(job, writer, m.MemberUnit, {"name": unit_name}, {}, rec, count=False)
                session.flush()
                wanted.append((clause_no, unit.id, role, clause.text))
    if isinstance(writer, ClaimingWriter):  # two files in one import giving this task other units: a conflict
        units = "；".join(f"{role}：{'、'.join(names)}" for clause in found for role, names in clause.parts)
        writer.claims.claim(m.PlanTask.__tablename__, ("plan_id", "number"), (plan.id, number),
                            Claim(writer.owner, writer.file, job.sheet, rec.row0 + 1 if rec else None,
                                  {"units": units or "（未写）"}))
    existing = {(tu.clause_no, tu.unit_id): tu for tu in session.exec(
        select(m.TaskUnit).where(m.TaskUnit.task_id == task.id)).all()}
    keep = set()
    for clause_no, unit_id, role, text in wanted:
        if (clause_no, unit_id) in keep:
            continue
        keep.add((clause_no, unit_id))
        upsert_row(job, writer, m.TaskUnit, {"task_id": task.id, "clause_no": clause_no, "unit_id": unit_id},
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


def _plan_of(job: SheetJob, records: list[Record], meta: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The plan a group of rows belongs to: its columns, else the title rows; an error names what is missing."""
    first = records[0] if records else None
    got = {
        "title": (first.values.get("plan_title") if first else None) or meta["title"],
        "issuer": (first.values.get("issuer") if first else None) or meta["issuer"],
        "jurisdiction": (first.values.get("jurisdiction") if first else None) or meta["jurisdiction"],
        "year": (first.values.get("plan_year") if first else None) or meta["year"] or job.year,
        "doc_number": meta.get("doc_number"),
        "first": first,
    }
    missing = [label for label, k in (("文件名称（标题行）", "title"), ("发文单位", "issuer"), ("辖区", "jurisdiction"),
                                      ("年度", "year")) if not got[k]]
    if missing:
        job.error(None, None, "缺少" + "、".join(missing) + "：请在标题行写文件名称，第二行写“发文单位：…；辖区：…；年度：…”")
    return got


def _districts(job: SheetJob, session: Session) -> list[str]:
    districts = [d.name for d in session.exec(select(m.District)).all()]
    if not districts:
        job.warn(None, None, "数据库中还没有区县（请先导入监管所表），本表的工作要点暂按参考文件导入、不计入统计；"
                             "导入区县后，辖区相符的工作要点自动计入")
    return districts


def _upsert_plan(job: SheetJob, writer: Writer, session: Session, p: dict[str, Any],
                 districts: list[str]) -> m.PlanDocument:
    """The plan document: the jurisdiction's own when it names a district of the database, else a reference plan
    (another district's: kept under its own jurisdiction and year, never counted)."""
    own = any(d in p["jurisdiction"] or p["jurisdiction"] in d for d in districts)
    values = {"issuer": p["issuer"], "is_reference": not own,
              "origin_note": None if own else f"内容取自{p['jurisdiction']}{p['year']}年公开文件，作参考，不计入统计"}
    if p.get("doc_number"):
        values["doc_number"] = p["doc_number"]
    plan, _ = upsert_row(job, writer, m.PlanDocument,
                         {"title": p["title"], "jurisdiction": p["jurisdiction"], "year": p["year"]}, values,
                         p["first"], count=False)
    session.flush()
    return plan


def _existing_phases(session: Session, p: dict[str, Any]) -> dict[str, m.PlanPhase]:
    D, P = m.PlanDocument, m.PlanPhase
    rows = session.exec(select(P).join(D, D.id == P.plan_id).where(
        D.title == p["title"], D.jurisdiction == p["jurisdiction"], D.year == p["year"])).all()
    return {squash(ph.label): ph for ph in rows}


def _deadline(job: SheetJob, rec: Record, year: int, phases: dict[str, m.PlanPhase],
              memo: dict[tuple[Any, int], plans.Deadline]) -> plans.Deadline | None:
    """完成时限 as written (a date, "2022年12月底前", "全年", "长期坚持", "每季度末"…); else the end of the 实施阶段
    named; else what the task's text says — 未定 when it names no date, never a silent year-end. Each distinct
    完成时限 is read once (``memo``)."""
    v = rec.values
    text = v.get("deadline_text")
    if text:
        raw = rec.raw.get("deadline_text")
        key = (raw if isinstance(raw, (int, float, dt.date)) else text, year)
        due = memo.get(key)
        if due is None:
            due = memo[key] = _deadline_cell(raw, text, year)
        if due.kind == plans.UNDATED:
            job.error(rec.row0, rec.cells["deadline_text"], "无法识别的完成时限（可写日期、“2022年12月底前”、"
                                                              "“全年”或“长期坚持”）", text)
        return due
    if v.get("phase"):
        phase = phases.get(squash(v["phase"]))
        if phase is None:
            job.error(rec.row0, rec.cells["phase"], "本文件没有这个实施阶段：请先导入工作阶段表（或写明完成时限）",
                      v["phase"])
            return None
        return plans.Deadline(phase.end_date, plans.DATE, phase.label)
    return plans.deadline_in(v.get("text") or v.get("title") or "", year)


def _deadline_cell(raw: Any, text: str, year: int) -> plans.Deadline:
    """A date cell (or an Excel serial, or "2023-06-30") as its date; else the words offices write."""
    try:
        return plans.Deadline(parse_date(raw if isinstance(raw, (int, float, dt.date)) else text), plans.DATE)
    except ValueProblem:
        return plans.deadline_cell(text, year)


ROLE_COLUMNS = (("lead_units", "牵头"), ("resp_units", "负责"), ("co_units", "配合"))


def _unit_clauses(rec: Record, memo: dict[tuple, list[plans.Clause]]) -> list[plans.Clause]:
    """The clauses of a row's 牵头单位 / 负责单位 / 配合单位 columns (one clause, each unit with its role) and of its
    责任单位 column; each distinct combination is parsed once (``memo``)."""
    v = rec.values
    key = (v.get("units"), *(v.get(f) for f, _ in ROLE_COLUMNS))
    found = memo.get(key)
    if found is None:
        found = plans.unit_clauses(v.get("units") or "")
        column = plans.column_clause([(role, v.get(f)) for f, role in ROLE_COLUMNS])
        found = memo[key] = [*([column] if column else []), *found]
    return found


@handler("工作要点")
def plan_tasks(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    meta = plan_meta(job)
    if "text" not in job.layout.columns and "title" not in job.layout.columns:
        job.error(job.layout.header.row0, None, "缺少“内容”列（或“任务”“工作任务”列）：每条工作要点须写明任务内容")
        return
    planned = []
    due_memo: dict[tuple[Any, int], plans.Deadline] = {}
    for records in _plan_groups(job.records):
        p = _plan_of(job, records, meta, today)
        duplicates(job, records, lambda r: r.values.get("number"), "number", "序号")
        phases = _existing_phases(session, p) if not job.has_errors else {}
        for rec in records:
            if not (rec.values.get("text") or rec.values.get("title")):
                field = "text" if "text" in rec.cells else "title"
                job.error(rec.row0, rec.cells[field], "不能为空")
        deadlines = {rec.row0: _deadline(job, rec, p["year"] or today.year, phases, due_memo) for rec in records}
        planned.append((records, p, phases, deadlines))
    if job.has_errors:
        return
    districts = _districts(job, session)
    unit_memo: dict[tuple, list[plans.Clause]] = {}
    for records, p, phases, deadlines in planned:
        plan = _upsert_plan(job, writer, session, p, districts)
        for rec in records:
            v = rec.values
            text = v.get("text") or v["title"]
            due = deadlines[rec.row0]
            phase = phases.get(squash(v["phase"])) if v.get("phase") else None
            found = [*_unit_clauses(rec, unit_memo), *plans.clauses(text)]
            write_plan_task(job, writer, session, plan, rec, v["number"],
                            {"section": v.get("section"), "label": v.get("label"),
                             "title": v.get("title") or _headline(text), "text": text, "deadline": due.date,
                             "deadline_kind": due.kind, "deadline_basis": due.basis,
                             "phase_id": phase.id if phase else None}, found)


@handler("工作阶段")
def plan_phases(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """A plan's phases (004 三(一)…(三)) with their windows; the plan is created when it is not there yet. An own
    plan claims its year's 配档表 rows that belong to no plan (the 配档表 is the plan's 附件)."""
    meta = plan_meta(job)
    planned = []
    for records in _plan_groups(job.records):
        p = _plan_of(job, records, meta, today)
        duplicates(job, records, lambda r: r.values.get("number"), "number", "序号")
        for rec in records:
            v = rec.values
            if v.get("start_date") and v.get("end_date") and v["start_date"] > v["end_date"]:
                job.error(rec.row0, rec.cells["end_date"], "结束日期早于开始日期", rec.raw.get("end_date"))
        planned.append((records, p))
    if job.has_errors:
        return
    districts = _districts(job, session)
    for records, p in planned:
        plan = _upsert_plan(job, writer, session, p, districts)
        for rec in records:
            v = rec.values
            upsert_row(job, writer, m.PlanPhase, {"plan_id": plan.id, "number": v["number"]},
                       {"label": v["label"], "name": v["name"], "time_text": v["time_text"],
                        "start_date": v["start_date"], "end_date": v["end_date"], "text": v.get("text")}, rec)
        if not plan.is_reference:
            claim_schedule(writer, session, plan)


def claim_schedule(writer: Writer, session: Session, plan: m.PlanDocument) -> None:
    """Tie the 配档表 rows of the plan's year that belong to no plan to this own plan (logged, undoable)."""
    S = m.ScheduleMilestone
    for row in session.exec(select(S).where(S.year == plan.year, S.plan_id.is_(None))).all():
        writer.upsert(S, {"year": row.year, "row_order": row.row_order}, {"plan_id": plan.id},
                      sheet=row.src_sheet, row=row.src_row)


def own_plan_with_phases(session: Session, year: int) -> m.PlanDocument | None:
    """The one own plan of the year that has phases (its 配档表's plan), or None when there is none or several."""
    D, P = m.PlanDocument, m.PlanPhase
    found = session.exec(select(D).where(D.year == year, D.is_reference.is_(False),
                                         D.id.in_(select(P.plan_id)))).all()
    return found[0] if len(found) == 1 else None


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
        upsert_row(job, writer, m.PlanTaskStatus, {"task_id": task.id, "year": year, "month": month},
                {"status": v["status"], "delay_reason": v.get("delay_reason"), "notes": v.get("notes")}, rec)
