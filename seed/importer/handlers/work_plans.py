"""Work plans (工作要点) and their monthly status (工作要点进展)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed import plans
from seed.importer.handlers.common import duplicates, handler, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.values import ValueProblem, is_blank, parse_date, squash

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
    task, _ = upsert_row(job, writer, m.PlanTask, {"plan_id": plan.id, "number": number}, values, rec)
    session.flush()
    wanted = []
    for clause_no, clause in enumerate(plans.clauses(clauses_text), start=1):
        for role, units in clause.parts:
            for unit_name in units:
                unit, _ = upsert_row(job, writer, m.MemberUnit, {"name": unit_name}, {}, rec, count=False)
                session.flush()
                wanted.append((clause_no, unit.id, role, clause.text))
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
        duplicates(job, records, lambda r: r.values.get("number"), "number", "序号")
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
        plan, _ = upsert_row(job, writer, m.PlanDocument, {"title": title, "jurisdiction": jurisdiction, "year": year},
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
        upsert_row(job, writer, m.PlanTaskStatus, {"task_id": task.id, "year": year, "month": month},
                {"status": v["status"], "delay_reason": v.get("delay_reason"), "notes": v.get("notes")}, rec)
