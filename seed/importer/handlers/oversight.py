"""企业主体责任 and 抽检 (issue 20): an enterprise's 食品安全总监 / 食品安全员 and its monthly 日管控、周排查、月调度
records; the 抽检 batches, each 不合格 one with its 核查处置 as a Problem (source 抽检, problem.sample_id)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed.importer.handlers.common import Stations, duplicates, handler, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.kinds_oversight import RECORD_FIELDS, STAFF_FIELDS
from seed.importer.values import nfkc, squash

SAMPLE_SOURCE = "抽检"
IN_TEST = "检验中"
MSG_UNKNOWN_BUSINESS = "包保主体台账中没有该主体，请先导入包保主体表"
MSG_FAILED_NEEDS_BUSINESS = "不合格批次的被抽样单位须在包保主体台账中（核查处置问题需要关联主体），请填写统一社会信用代码或先导入包保主体表"


def _status(*statuses: str) -> str:
    """One row's count from the rows it wrote: new if any is new, else updated if any is, else unchanged."""
    return "new" if "new" in statuses else "updated" if "updated" in statuses else "unchanged"


class Businesses:
    """The 包保主体 a sheet names: by code (信用代码 / 许可证编号), else by name (within the station when given)."""

    def __init__(self, session: Session, records: list[Record]):
        B = m.Business
        codes = sorted({r.values["business_code"] for r in records if r.values.get("business_code")})
        self.by_code: dict[str, list[int]] = {}
        for i in range(0, len(codes), 500):
            for bid, code in session.exec(select(B.id, B.code).where(B.code.in_(codes[i : i + 500]))).all():
                self.by_code.setdefault(code, []).append(bid)
        self.by_name: dict[str, list[tuple[int, int]]] = {}  # squashed name -> (id, station)
        self.names: dict[int, list[str]] = {}  # station -> names (suggestions)
        for bid, name, sid in session.exec(select(B.id, B.name, B.station_id)).all():
            self.by_name.setdefault(squash(name), []).append((bid, sid))
            self.names.setdefault(sid, []).append(name)

    def by_code_of(self, code: str | None) -> int | None:
        hits = self.by_code.get(code or "", [])
        return hits[0] if len(hits) == 1 else None

    def named(self, name: str, sid: int | None) -> list[int]:
        return [bid for bid, s in self.by_name.get(squash(name), []) if sid is None or s == sid]

    def match(self, code: str | None, sid: int | None, name: str) -> int | None:
        """The business a row names when it is certain (its code, else its name alone in the station), or None."""
        bid = self.by_code_of(code)
        if bid is not None:
            return bid
        hits = self.named(name, sid)
        return hits[0] if len(hits) == 1 else None

    def find(self, job: SheetJob, rec: Record, sid: int | None) -> int | None:
        """The business a row must name; an unknown or ambiguous one is an error at its cell."""
        v = rec.values
        if v.get("business_code"):
            bid = self.by_code_of(v["business_code"])
            if bid is None:
                job.error(rec.row0, rec.cells["business_code"], MSG_UNKNOWN_BUSINESS, v["business_code"])
            return bid
        hits = self.named(v["business_name"], sid)
        if len(hits) == 1:
            return hits[0]
        if hits:
            msg = "同名主体不止一个，请填写统一社会信用代码或监管所"
        else:
            pool = self.names.get(sid, []) if sid is not None else [n for ns in self.names.values() for n in ns]
            close = difflib.get_close_matches(v["business_name"], pool, n=3, cutoff=0.5)
            msg = MSG_UNKNOWN_BUSINESS + (f"；最接近的有：{'、'.join(dict.fromkeys(close))}" if close else "")
        job.error(rec.row0, rec.cells["business_name"], msg, v["business_name"])
        return None


def visits_by_number(session: Session, numbers: list[str]) -> dict[str, Any]:
    """记录编号 (or a visit's key) -> the visit's (id, business_id, visit_date)."""
    found: dict[str, Any] = {}
    V = m.Visit
    for i in range(0, len(numbers), 500):
        chunk = numbers[i : i + 500]
        for row in session.exec(select(V.id, V.record_no, V.key, V.business_id, V.visit_date)
                                .where((V.record_no.in_(chunk)) | (V.key.in_(chunk)))).all():
            found[row.key] = row
            if row.record_no:
                found[row.record_no] = row
    return found


# --- 主体责任 -------------------------------------------------------------------------------------

_PERIOD_RE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})(?:月份|月)?(?:[-/.]\d{1,2}|\d{1,2}[日号])?$")


def read_period(job: SheetJob, rec: Record, today: dt.date) -> tuple[int, int] | None:
    """(year, month) of a row's 月份 ("2022年10月", "2022-10", a date, or "10月" in a titled year); a problem is an
    error at its cell."""
    raw = rec.values.get("period")
    if not raw:
        return None
    col0 = rec.cells["period"]
    hit = _PERIOD_RE.match(squash(nfkc(raw)))
    year = int(hit.group(1)) if hit and hit.group(1) else job.year
    if hit is None or not 1 <= int(hit.group(2)) <= 12:
        job.error(rec.row0, col0, "月份应写成“2022年10月”或“2022-10”", rec.raw.get("period"))
        return None
    if year is None:
        job.error(rec.row0, col0, "月份需写明年份（如“2022年10月”），或在标题中写明年份", rec.raw.get("period"))
        return None
    month = int(hit.group(2))
    if job.year is not None and year != job.year:
        job.error(rec.row0, col0, f"月份{year}年{month}月不在本表年度（{job.year}年）内", rec.raw.get("period"))
        return None
    if (year, month) > (today.year, today.month):
        job.error(rec.row0, col0, f"月份{year}年{month}月晚于本月（{today.year}年{today.month}月）", rec.raw.get("period"))
        return None
    return year, month


def _staff_agrees(job: SheetJob, rec: Record, bid: int, seen: dict[tuple[int, str], tuple[Any, int]]) -> None:
    """A business's staff cells on several rows (one per month) must say the same."""
    for f in STAFF_FIELDS:
        value = rec.values.get(f)
        if value is None:
            continue
        first = seen.setdefault((bid, f), (value, rec.row0))
        if first[0] != value:
            job.error(rec.row0, rec.cells[f], f"同一主体与第{first[1] + 1}行填写的不一致", rec.raw.get(f))


@handler("主体责任")
def duties(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """A row updates the business's staff (blank cells keep what is stored) and, with a 月份, upserts that month's
    日管控 / 周排查 / 月调度 check. The business must be in the 包保主体 register."""
    stations = Stations(job, session)
    register = Businesses(session, job.records)
    visits = visits_by_number(session, sorted({r.values["visit_no"] for r in job.records if r.values.get("visit_no")}))
    seen: dict[tuple[int, str], tuple[Any, int]] = {}
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec) if v.get("station") else None
        period = read_period(job, rec, today)
        bid = register.find(job, rec, sid) if v.get("business_name") and (sid or not v.get("station")) else None
        visit_id = None
        if v.get("visit_no"):
            visit = visits.get(v["visit_no"])
            if visit is None:
                job.error(rec.row0, rec.cells["visit_no"], "未找到该督导记录，请先导入督导记录", v["visit_no"])
            elif bid is not None and visit.business_id != bid:
                job.error(rec.row0, rec.cells["visit_no"], "该督导记录督导的不是本行主体", v["visit_no"])
            else:
                visit_id = visit.id
        source = v.get("duty_source") or (m.DUTY_SOURCES[1] if v.get("visit_no") else m.DUTY_SOURCES[0])
        if v.get("visit_no") and source != m.DUTY_SOURCES[1]:
            job.error(rec.row0, rec.cells["duty_source"], "填写了督导记录编号，记录来源应为包保督导", rec.raw.get("duty_source"))
        filled = [f for f in RECORD_FIELDS if v.get(f) is not None]
        if period is None and not v.get("period") and (filled or v.get("visit_no")):
            cell = rec.cells[filled[0]] if filled else rec.cells["visit_no"]
            job.error(rec.row0, cell, "填写了日管控、周排查、月调度或督导记录，需同时填写月份")
        if bid is not None and (period is not None or not v.get("period")):  # a refused 月份 is not a staff-only row
            _staff_agrees(job, rec, bid, seen)
            resolved.append((rec, bid, period, visit_id, source))
    key_of = {id(rec): (bid, period) for rec, bid, period, *_x in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "business_name", "同一主体、月份")
    if job.has_errors:
        return
    writer.prefetch_keys(m.BusinessDuty, ("business_id",), [(bid,) for _r, bid, *_x in resolved])
    writer.prefetch_keys(m.DutyCheck, ("business_id", "year", "month"),
                         [(bid, *period) for _r, bid, period, *_x in resolved if period])
    for rec, bid, period, visit_id, source in resolved:
        v = rec.values
        statuses = []
        staff = {f: v[f] for f in STAFF_FIELDS if v.get(f) is not None}
        if staff:
            statuses.append(upsert_row(job, writer, m.BusinessDuty, {"business_id": bid}, staff, rec, count=False)[1])
        if period is not None:
            values = {f: v.get(f) for f in RECORD_FIELDS}
            statuses.append(upsert_row(job, writer, m.DutyCheck, {"business_id": bid, "year": period[0],
                                                                  "month": period[1]},
                                       {**values, "source": source, "visit_id": visit_id}, rec, count=False)[1])
        if statuses:
            job.counts.add(_status(*statuses))


# --- 抽检 ---------------------------------------------------------------------------------------


def sample_key(day: dt.date, business_name: str, sample_name: str) -> str:
    return "|".join([day.isoformat(), squash(business_name), squash(sample_name)])


_DISPOSAL = ("failed_item", "deadline", "closed_date", "sample_outcome")


def _check_sample(job: SheetJob, rec: Record, result: str) -> None:
    """The cells of a batch that contradict each other: each an error at the cell that is wrong."""
    v, raw = rec.values, rec.raw
    if result == m.SAMPLE_FAILED and not v.get("failed_item"):
        job.error(rec.row0, rec.cells.get("failed_item", rec.cells.get("sample_result")),
                  "检验结论为不合格，需填写不合格项目")
    if result != m.SAMPLE_FAILED:
        for f in _DISPOSAL:
            if v.get(f) is not None:
                label = job.kind.col(f).label
                job.error(rec.row0, rec.cells[f], f"检验结论为“{result}”，不应填写{label}", raw.get(f))
    day = v.get("sample_date")
    for f in ("lab_report_date", "deadline", "closed_date"):
        if day is not None and v.get(f) is not None and v[f] < day:
            job.error(rec.row0, rec.cells[f], f"{job.kind.col(f).label}早于抽样日期（{day.isoformat()}）", raw.get(f))


def _problem(v: dict[str, Any], bid: int) -> dict[str, Any]:
    """The Problem of a 不合格 batch: its 核查处置."""
    closed = v.get("closed_date")
    return {"visit_id": None, "business_id": bid, "found_date": v.get("lab_report_date") or v["sample_date"], "seq": 1,
            "description": f"抽检不合格：{v['sample_name']}（{v['failed_item']}）", "deadline": v.get("deadline"),
            "status": "已整改" if closed else "待整改", "closed_date": closed, "source": SAMPLE_SOURCE,
            "outcome": v.get("sample_outcome")}


@handler("抽检")
def samples(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """A batch by its 抽样单编号 (else date + business + sample); the business matched by code or unique name in the
    station (unmatched: kept by name, a 提示). A 不合格 batch upserts its problem; one no longer 不合格 loses it."""
    stations = Stations(job, session)
    register = Businesses(session, job.records)
    unmatched: dict[tuple[int, str], list[Record]] = {}
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        result = v.get("sample_result") or IN_TEST
        _check_sample(job, rec, result)
        if sid is None or not all(v.get(f) for f in ("sample_date", "business_name", "category", "sample_name")):
            continue
        bid = register.match(v.get("business_code"), sid, v["business_name"])
        if bid is None and result == m.SAMPLE_FAILED:
            job.error(rec.row0, rec.cells["business_name"], MSG_FAILED_NEEDS_BUSINESS, v["business_name"])
        elif bid is None:
            unmatched.setdefault((sid, squash(v["business_name"])), []).append(rec)
        key = v.get("code") or sample_key(v["sample_date"], v["business_name"], v["sample_name"])
        resolved.append((rec, sid, bid, key, result))
    for recs in unmatched.values():
        first = recs[0]
        job.warn(first.row0, first.cells["business_name"],
                 f"包保主体台账中没有该单位，按写法保存、不关联主体（共{len(recs)}行）", first.values["business_name"])
    key_of = {id(rec): key for rec, _s, _b, key, _r in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "code" if "code" in job.layout.columns
               else "sample_name", "抽样单（编号，或抽样日期+被抽样单位+样品名称）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Sample, ("key",), [(key,) for _r, _s, _b, key, _x in resolved])
    written = []
    for rec, sid, bid, key, result in resolved:
        v = rec.values
        obj, status = upsert_row(job, writer, m.Sample, {"key": key}, {
            "code": v.get("code"), "sample_date": v["sample_date"], "station_id": sid, "business_name": v["business_name"],
            "business_id": bid, "category": v["category"], "sample_name": v["sample_name"],
            "kind": v.get("sample_kind") or m.SAMPLE_KINDS[0], "result": result, "report_date": v.get("lab_report_date"),
            "failed_item": v.get("failed_item")}, rec, count=False)
        written.append((rec, obj, status, bid, result))
    session.flush()  # the new batches' ids
    ids = [obj.id for _r, obj, *_x in written]
    P = m.Problem
    existing: dict[int, m.Problem] = {}
    for i in range(0, len(ids), 500):
        for p in session.exec(select(P).where(P.sample_id.in_(ids[i : i + 500]))).all():
            existing[p.sample_id] = p
    writer.prefetch_keys(P, ("sample_id",), [(i,) for i in ids])
    for rec, obj, status, bid, result in written:
        if result == m.SAMPLE_FAILED:
            _p, p_status = upsert_row(job, writer, P, {"sample_id": obj.id}, _problem(rec.values, bid), rec, count=False)
            status = _status(status, p_status)
        elif obj.id in existing:  # no longer 不合格: its 核查处置 problem goes (logged: undo brings it back)
            writer.delete(existing[obj.id])
            status = _status(status, "updated")
        job.counts.add(status)
