"""The 包保 register: businesses, cadres, assignments, visits and their problems."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed.importer.handlers.common import Stations, duplicates, handler, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.names import TownshipMatcher
from seed.importer.values import is_blank, squash
from services.rules import levels

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
    townships = TownshipMatcher(session)
    township_of: dict[str, int | None] = {}  # each distinct spelling looked up once
    tally: Counter | None = None  # rows per spelling: one pass over the column, when a spelling needs it
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        tw_id = None
        if v.get("township"):
            written = v["township"]
            if written not in township_of:
                tw_id = township_of[written] = townships.match(written)
                if tw_id is not None and squash(written) != squash(townships.names[tw_id]):
                    tally = tally or Counter(r.values.get("township") for r in job.records)
                    job.warn(rec.row0, rec.cells["township"],
                             f"“{squash(written)}”按“{townships.names[tw_id]}”导入（共{tally[written]}行）")
            tw_id = township_of[written]
            if tw_id is None:
                close = "、".join(townships.suggest(written))
                job.error(rec.row0, rec.cells["township"], f"未知的镇街，最接近的有：{close}" if close else "未知的镇街",
                          written)
        if sid is None:
            continue
        code = v.get("uscc") or v.get("license")
        if v.get("uscc") and len(v["uscc"]) != 18:
            job.error(rec.row0, rec.cells["uscc"], "统一社会信用代码应为18位", rec.raw["uscc"])
        key = business_key(code, v["name"] or "", stations.matcher.names[sid], v.get("address"))
        resolved.append((rec, sid, tw_id, code, key))
    key_of = {id(rec): key for rec, *_x, key in resolved}  # one pass, not a scan per row
    duplicates(job, [r for r, *_ in resolved], lambda r: key_of[id(r)], "name", "主体（编码或名称+监管所+地址）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Business, ("key",), [(k,) for *_x, k in resolved])
    for rec, sid, tw_id, code, key in resolved:
        v = rec.values
        upsert_row(job, writer, m.Business, {"key": key},
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
    duplicates(job, job.records, lambda r: cadre_key(r.values.get("code"), r.values.get("name") or "",
                                                      r.values.get("unit") or ""), "name", "干部（编号或姓名+单位）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Cadre, ("key",), [(k,) for *_x, k in resolved])
    for rec, sid, key in resolved:
        v = rec.values
        upsert_row(job, writer, m.Cadre, {"key": key},
                {"code": v.get("code"), "name": v["name"], "level": levels.parse_level(v["level"]) or v["level"], "unit": v["unit"],
                 "title": v.get("title"), "station_id": sid}, rec)


# A register naming many business codes finds them in one pass over the table, not hundreds of IN queries of 500:
# a row scanned costs about a quarter of a code looked up (150k businesses: 0.25 s against 0.65 s for 100k codes).
SCAN_CODES = 20_000


class People:
    """Finds cadres and businesses named in a row, by code or by name (+ unit / station)."""

    def __init__(self, job: SheetJob, session: Session, records: list[Record]):
        self.job = job
        self.stations = Stations(job, session)
        self.cadres: dict[str, int] = {}
        self.cadre_keys: dict[int, str] = {}
        self.by_name: dict[str, list[tuple[int, str, str]]] = {}  # squashed name -> (id, name, unit)
        for c in session.exec(select(m.Cadre.id, m.Cadre.key, m.Cadre.code, m.Cadre.name, m.Cadre.unit)).all():
            self.cadres[c.key] = c.id
            if c.code:
                self.cadres[c.code] = c.id
            self.cadre_keys[c.id] = c.key
            self.by_name.setdefault(squash(c.name), []).append((c.id, c.name, c.unit))
        self.found: dict[tuple, tuple[int | None, str | None]] = {}  # (code, name, unit) -> (cadre, problem)
        codes = {r.values.get("business_code") for r in records if r.values.get("business_code")}
        # names matter only on rows without a code (a row with a code is found by its code)
        names = {squash(r.values.get("business_name")) for r in records
                 if r.values.get("business_name") and not r.values.get("business_code")}
        self.biz_by_code: dict[str, tuple[int, str]] = {}
        self.biz_by_name: dict[str, list[tuple[int, int, str]]] = {}
        conn = session.connection()  # plain tuples: a register names up to 100k businesses
        columns = select(m.Business.id, m.Business.code, m.Business.key)
        if len(codes) >= SCAN_CODES and 4 * len(codes) >= conn.execute(select(func.count(m.Business.id))).scalar():
            for bid, code, key in conn.execute(columns.where(m.Business.code.is_not(None))):
                if code in codes:
                    self.biz_by_code[code] = (bid, key)
        else:
            code_list = list(codes)
            for i in range(0, len(code_list), 500):
                for bid, code, key in conn.execute(columns.where(m.Business.code.in_(code_list[i : i + 500]))):
                    self.biz_by_code[code] = (bid, key)
        if names:
            for b in session.exec(select(m.Business.id, m.Business.name, m.Business.station_id, m.Business.key)).all():
                sq = squash(b.name)
                if sq in names:
                    self.biz_by_name.setdefault(sq, []).append((b.id, b.station_id, b.key))

    def cadre(self, rec: Record) -> tuple[int, str] | None:
        """The cadre a row names: by 干部编号, else 姓名 + 单位, else 姓名 alone when one cadre bears it. Each
        distinct (编号, 姓名, 单位) is looked up once; a row that names none or an unknown / ambiguous one is an
        error at its cell."""
        v = rec.values
        code, name, unit = v.get("cadre_code"), v.get("cadre_name"), v.get("cadre_unit")
        if not code and not name:
            self.job.error(rec.row0, rec.cells.get("cadre_code") or rec.cells.get("cadre_name"), "缺少干部编号或干部姓名")
            return None
        key = (code, name, unit)
        hit = self.found.get(key)
        if hit is None:
            hit = self.found[key] = self._find_cadre(code, name, unit)
        cid, problem = hit
        if cid is None:
            col = rec.cells.get("cadre_code") if code else rec.cells.get("cadre_name")
            self.job.error(rec.row0, col, problem or "", code or name)
            return None
        return cid, self.cadre_keys[cid]

    def _find_cadre(self, code: str | None, name: str | None, unit: str | None) -> tuple[int | None, str | None]:
        if code:
            cid = self.cadres.get(code)
            return (cid, None) if cid is not None else (None, "未找到该包保干部，请先导入包保干部表")
        assert name is not None
        if unit:
            cid = self.cadres.get(cadre_key(None, name, unit))
            if cid is not None:
                return cid, None
        candidates = self.by_name.get(squash(name), [])
        if unit and candidates:  # the unit as written may be shorter or longer: 明水街道 / 明水街道办事处
            u = squash(unit)
            candidates = [c for c in candidates if u in squash(c[2]) or squash(c[2]) in u]
        if len(candidates) == 1:
            return candidates[0][0], None
        if candidates:
            listed = "、".join(f"{c[1]}（{c[2]}）" for c in candidates)
            return None, f"姓名“{name}”对应{len(candidates)}名包保干部：{listed}，请填写干部编号或单位"
        if unit and self.by_name.get(squash(name)):
            units = "、".join(c[2] for c in self.by_name[squash(name)])
            return None, f"未找到单位为“{unit}”的包保干部“{name}”，该姓名的干部在：{units}"
        close = difflib.get_close_matches(squash(name), list(self.by_name), n=3, cutoff=0.5)
        names = "、".join(dict.fromkeys(self.by_name[k][0][1] for k in close))
        return None, "未找到该包保干部，请先导入包保干部表" + (f"；最接近的有：{names}" if names else "")

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
        upsert_row(job, writer, m.Assignment, {"cadre_id": cid, "business_id": bid, "start_date": rec.values["start_date"]},
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


# Sources a problem without a visit may come from through this kind (抽检 problems come with their batch).
VISITLESS_SOURCES = ("执法", "风险隐患")


@handler("问题")
def problems(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """A problem of a 督导记录 (by its 记录编号), or one found without a visit (执法): then its business (code, or
    name + station) and 发现日期 say where and when."""
    nos = list({r.values.get("record_no") for r in job.records if r.values.get("record_no")})
    found: dict[str, Any] = {}  # 记录编号 / key -> the visit's (id, record_no, key, business_id, visit_date)
    for i in range(0, len(nos), 500):
        chunk = nos[i : i + 500]
        for row in session.exec(select(m.Visit.id, m.Visit.record_no, m.Visit.key, m.Visit.business_id,
                                       m.Visit.visit_date)
                                .where((m.Visit.record_no.in_(chunk)) | (m.Visit.key.in_(chunk)))).all():
            found[row.record_no or row.key] = row
            found[row.key] = row
    people = None
    resolved = []
    for rec in job.records:
        v = rec.values
        if v.get("record_no"):
            vid = found.get(v["record_no"])
            if vid is None:
                job.error(rec.row0, rec.cells["record_no"], "未找到该督导记录，请先导入督导记录", v.get("record_no"))
                continue
            where = (vid.id, vid.business_id, vid.visit_date)
        else:
            people = people or People(job, session, [r for r in job.records if not r.values.get("record_no")])
            place = _visitless(job, rec, people)
            where = (None, *place) if place is not None else None
        if v.get("status") in m.PROBLEM_CLOSED and not v.get("closed_date"):
            job.error(rec.row0, rec.cells.get("closed_date", rec.cells.get("record_no", rec.cells.get("status"))),
                      "已整改或已销号的问题需填写销号日期")
        if where is not None:
            resolved.append((rec, *where))
    key_of = {id(rec): (vid, bid if vid is None else None, day if vid is None else None, rec.values.get("seq"))
              for rec, vid, bid, day in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "seq", "同一督导记录（或主体、发现日期）的问题序号")
    if job.has_errors:
        return
    for rec, vid, bid, day in resolved:
        v = rec.values
        status = v.get("status") or ("已销号" if v.get("closed_date") else "待整改")
        default_source = m.PROBLEM_SOURCE_DEFAULT if vid is not None else VISITLESS_SOURCES[0]
        key = ({"visit_id": vid, "seq": v["seq"]} if vid is not None else
               {"visit_id": None, "sample_id": None, "business_id": bid, "found_date": day, "seq": v["seq"]})
        values = {"description": v["description"], "deadline": v.get("deadline"), "status": status,
                  "closed_date": v.get("closed_date"), "source": v.get("source") or default_source}
        if vid is not None:
            values.update({"business_id": bid, "found_date": day})
        upsert_row(job, writer, m.Problem, key, values, rec)


def _visitless(job: SheetJob, rec: Record, people: People) -> tuple[int, dt.date] | None:
    """(business, 发现日期) of a problem without a 记录编号, or None with the errors at their cells."""
    v = rec.values
    if v.get("source") and v["source"] not in VISITLESS_SOURCES:
        job.error(rec.row0, rec.cells["source"], f"问题来源为{v['source']}的问题需填写记录编号"
                  if v["source"] == m.PROBLEM_SOURCE_DEFAULT else "抽检发现的问题请随抽检表导入", v["source"])
        return None
    if not v.get("business_code") and not v.get("business_name"):
        job.error(rec.row0, rec.cells.get("record_no", rec.cells.get("business_name")),
                  "缺少记录编号：执法等没有督导记录的问题需填写主体名称（或主体编码）和发现日期")
        return None
    biz = people.business(rec)
    if not v.get("found_date"):
        if is_blank(rec.raw.get("found_date")):  # else the cell was refused as it was read
            job.error(rec.row0, rec.cells.get("found_date", rec.cells.get("business_name")),
                      "没有记录编号的问题需填写发现日期")
        return None
    return (biz[0], v["found_date"]) if biz else None
