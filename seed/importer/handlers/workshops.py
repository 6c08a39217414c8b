"""食品小作坊 (seeds/004 二(二)–(六)): the 名录 (a 包保主体 of sector 小作坊 and its workshop detail), the 无证黑窝点
摸排, the 评选 entries, and the lookup 任务明细 links its items with."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from typing import Any

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from seed.importer.handlers.common import Stations, duplicates, handler, upsert_row
from seed.importer.handlers.register import business_key
from seed.importer.job import Record, SheetJob
from seed.importer.kinds_workshops import NORM_FIELDS
from seed.importer.names import TownshipMatcher
from seed.importer.values import squash

SECTOR = "小作坊"
MSG_NEW_NEEDS_GRADES = "新登记的小作坊需填写包保分级和风险等级（包保主体台账中尚无此小作坊）"


class Townships:
    """A row's 镇街, each spelling looked up once: a spelling other than the township's own name is a 提示 (with
    its rows), an unknown one an error at its cell."""

    def __init__(self, job: SheetJob, session: Session):
        self.job = job
        self.matcher = TownshipMatcher(session)
        self.found: dict[Any, int | None] = {}
        self.tally: Counter | None = None

    def resolve(self, rec: Record) -> int | None:
        written = rec.values.get("township")
        if not written:
            return None
        if written not in self.found:
            tw_id = self.found[written] = self.matcher.match(written)
            if tw_id is not None and squash(written) != squash(self.matcher.names[tw_id]):
                self.tally = self.tally or Counter(r.values.get("township") for r in self.job.records)
                self.job.warn(rec.row0, rec.cells["township"],
                              f"“{squash(written)}”按“{self.matcher.names[tw_id]}”导入（共{self.tally[written]}行）")
        tw_id = self.found[written]
        if tw_id is None:
            close = "、".join(self.matcher.suggest(written))
            self.job.error(rec.row0, rec.cells["township"], f"未知的镇街，最接近的有：{close}" if close else "未知的镇街",
                           written)
        return tw_id


def workshop_businesses(session: Session, station_ids: set[int]) -> list[tuple[int, str, str | None, int, str]]:
    """(id, name, code, station, key) of the businesses of sector 小作坊 in the stations."""
    if not station_ids:
        return []
    B = m.Business
    return list(session.exec(select(B.id, B.name, B.code, B.station_id, B.key)
                             .where(B.sector == SECTOR, B.station_id.in_(sorted(station_ids)))).all())


def workshop_by_name(session: Session, station_ids: set[int]) -> dict[tuple[int, str], list[int]]:
    """(station, normalised name) -> the 小作坊 businesses bearing it: 任务明细 links an item naming exactly one."""
    out: dict[tuple[int, str], list[int]] = {}
    for bid, name, _code, sid, _key in workshop_businesses(session, station_ids):
        out.setdefault((sid, squash(name)), []).append(bid)
    return out


def _namesakes(by_name: dict[tuple[int, str], list[int]], station_id: int | None, names: tuple) -> list[int]:
    """The 小作坊 of the station bearing the first name given (a 任务明细's 主体名称, else its 名称)."""
    name = next((n for n in names if n), None)
    return by_name.get((station_id, squash(name)), []) if station_id is not None and name else []


def link_item(by_name: dict[tuple[int, str], list[int]], station_id: int | None, *names: Any) -> int | None:
    """The 小作坊 a 任务明细 names (its 主体名称, else its 名称) when exactly one bears that name in the station."""
    hits = _namesakes(by_name, station_id, names)
    return hits[0] if len(hits) == 1 else None


def unlinked_note(by_name: dict[tuple[int, str], list[int]], station_id: int | None, *names: Any) -> str | None:
    """Why a 任务明细 naming several 小作坊 of its station is linked to none (a 提示), else None."""
    hits = _namesakes(by_name, station_id, names)
    if len(hits) < 2:
        return None
    return (f"该监管所有{len(hits)}个同名小作坊，此项未关联到其中任何一家，不计入小作坊页“名录中列明”的家数；"
            "请在小作坊名录中把名称区分开（如加注村名）后重新导入")


# --- 小作坊 名录 -----------------------------------------------------------------------------------


def _cell(rec: Record, *fields: str) -> int | None:
    return next((rec.cells[f] for f in fields if f in rec.cells), None)


def _check_row(job: SheetJob, rec: Record) -> None:
    """The cells that contradict each other within a row: each an error at the cell that should not be filled."""
    v, raw = rec.values, rec.raw
    if v.get("cold_rooms") is not None and not v.get("cold_chain"):
        job.error(rec.row0, rec.cells["cold_rooms"], "填写了冷库数量，“是否冷链”应为“是”", raw.get("cold_rooms"))
    if v.get("video_online") is not None and not v.get("video"):
        job.error(rec.row0, rec.cells["video_online"], "填写了视频是否在线，“是否远程视频监管”应为“是”",
                  raw.get("video_online"))
    if v.get("new_licence") and not v.get("upgraded_date"):
        job.error(rec.row0, rec.cells["new_licence"], "填写了新许可证号，需同时填写升级日期", raw.get("new_licence"))
    for archive, label in (("archive_supervision", "监管档案"), ("archive_risk", "风险防控档案")):
        if v.get(f"{archive}_date") is not None and v.get(archive) == m.ARCHIVE_NOT_BUILT:
            job.error(rec.row0, rec.cells[f"{archive}_date"], f"{label}为“未建”，不应填写建档日期",
                      raw.get(f"{archive}_date"))
    if v.get("exit_date") is not None and not v.get("exit_reason"):
        job.error(rec.row0, rec.cells["exit_date"], "填写了退出日期，需同时填写退出原因", raw.get("exit_date"))


class _Register:
    """The 小作坊 businesses a sheet may name: by business key, by code, else by name within the station."""

    def __init__(self, session: Session, keys: list[str], codes: list[str], station_ids: set[int]):
        B = m.Business
        self.by_key: dict[str, m.Business] = {}
        for i in range(0, len(keys), 500):
            for b in session.exec(select(B).where(B.key.in_(keys[i : i + 500]))).all():
                self.by_key[b.key] = b
        self.by_code: dict[str, list[m.Business]] = {}
        for i in range(0, len(codes), 500):
            for b in session.exec(select(B).where(B.code.in_(codes[i : i + 500]))).all():
                self.by_code.setdefault(b.code, []).append(b)
        self.by_name: dict[tuple[int, str], list[m.Business]] = {}
        if station_ids:
            for b in session.exec(select(B).where(B.sector == SECTOR, B.station_id.in_(sorted(station_ids)))).all():
                self.by_name.setdefault((b.station_id, squash(b.name)), []).append(b)

    def find(self, key: str, code: str | None, sid: int, name: str) -> tuple[m.Business | None, bool]:
        """(the business, whether it was found by something other than its key)."""
        if key in self.by_key:
            return self.by_key[key], False
        if code and len(self.by_code.get(code, [])) == 1:
            return self.by_code[code][0], True
        hits = self.by_name.get((sid, squash(name)), [])
        return (hits[0], True) if len(hits) == 1 else (None, False)


def _norm(value: str | None) -> bool | None:
    return None if value is None else value == m.NORM_MET


def _detail(v: dict[str, Any]) -> dict[str, Any]:
    """The workshop row's values from a record (blank booleans are 否, blank 是否在产 is 在产, blank norms 未评)."""
    out = {
        "category": v.get("category"),
        "producing": True if v.get("producing") is None else v["producing"],
        "cold_chain": bool(v.get("cold_chain")),
        "cold_rooms": v.get("cold_rooms"),
        "high_risk": bool(v.get("high_risk")),
        "video": bool(v.get("video")),
        "video_online": v.get("video_online"),
        "demo_site": bool(v.get("demo_site")),
        "upgraded_date": v.get("upgraded_date"),
        "new_licence": v.get("new_licence"),
        "review_date": v.get("review_date"),
        "review_result": v.get("review_result"),
        "review_problems": v.get("review_problems"),
        "exit_date": v.get("exit_date"),
        "exit_reason": v.get("exit_reason"),
    }
    for archive in ("archive_supervision", "archive_risk"):
        state, day = v.get(archive), v.get(f"{archive}_date")
        out[archive] = state == m.ARCHIVE_BUILT or (state is None and day is not None)  # a 建档日期 means 已建
        out[f"{archive}_date"] = day
    out.update({f: _norm(v.get(f)) for f in NORM_FIELDS})
    return out


@handler("小作坊")
def workshops(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """A row upserts the 包保主体 (sector 小作坊, found by its key, code or name in the station: never a second copy)
    and its workshop detail."""
    stations = Stations(job, session)
    townships = Townships(job, session)
    rows = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        tw_id = townships.resolve(rec)
        _check_row(job, rec)
        if sid is None or not v.get("name"):
            continue
        key = business_key(v.get("license"), v["name"], stations.matcher.names[sid], v.get("address"))
        rows.append((rec, sid, tw_id, key))
    register = _Register(session, sorted({k for *_x, k in rows}),
                         sorted({r.values["license"] for r, *_x in rows if r.values.get("license")}),
                         {sid for _r, sid, *_x in rows})
    resolved = []
    for rec, sid, tw_id, key in rows:
        v = rec.values
        biz, by_other = register.find(key, v.get("license"), sid, v["name"])
        if biz is not None and biz.sector != SECTOR:
            job.error(rec.row0, rec.cells["name"], f"包保主体台账中该主体的业态为“{biz.sector}”，不是小作坊", v["name"])
            continue
        if biz is None and (v.get("tier") is None or v.get("risk_level") is None):
            cell = _cell(rec, "tier" if v.get("tier") is None else "risk_level", "tier", "risk_level", "name")
            job.error(rec.row0, cell, MSG_NEW_NEEDS_GRADES)
            continue
        if by_other and biz is not None and biz.code and v.get("license") and biz.code != v["license"]:
            job.warn(rec.row0, rec.cells.get("license"), f"按名称对应包保主体台账中的“{biz.name}”（编码{biz.code}），"
                     "编码未改", v["license"])
        resolved.append((rec, sid, tw_id, biz.key if biz is not None else key, biz))
    key_of = {id(rec): bkey for rec, _s, _t, bkey, _b in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "name", "小作坊（登记证号或名称+监管所+地址）")
    if job.has_errors:
        return
    writer.prefetch_keys(m.Business, ("key",), [(bkey,) for *_x, bkey, _b in resolved])
    written = []
    for rec, sid, tw_id, bkey, biz in resolved:
        v = rec.values
        values: dict[str, Any] = {"name": v["name"], "sector": SECTOR, "station_id": sid}
        for field, value in (("tier", v.get("tier")), ("risk_level", v.get("risk_level")), ("township_id", tw_id),
                             ("address", v.get("address"))):
            if value is not None or biz is None:  # an existing business keeps what a blank cell does not say
                values[field] = value
        if v.get("license") and (biz is None or not biz.code):
            values["code"] = v["license"]
        if biz is None:
            values["status"] = "在营"
        obj, status = upsert_row(job, writer, m.Business, {"key": bkey}, values, rec, count=False)
        written.append((rec, obj, status))
    session.flush()  # the new businesses' ids
    writer.prefetch(m.Workshop, ("business_id",))
    for rec, obj, biz_status in written:
        _w, status = upsert_row(job, writer, m.Workshop, {"business_id": obj.id}, _detail(rec.values), rec, count=False)
        job.counts.add("new" if "new" in (biz_status, status) else
                       "updated" if "updated" in (biz_status, status) else "unchanged")
    _link_task_items(job, writer, session, {obj.station_id for _r, obj, _s in written})


def _link_task_items(job: SheetJob, writer: Writer, session: Session, station_ids: set[int]) -> None:
    """任务明细 imported before its 小作坊 gets the link now (logged, undoable), as a later 任务明细 import would set it;
    an item naming several 小作坊 of its station is a 提示 of this import."""
    session.flush()
    by_name = workshop_by_name(session, station_ids)
    T = m.TaskItem
    for item in session.exec(select(T).where(T.business_id.is_(None), T.station_id.in_(sorted(station_ids)))).all():
        bid = link_item(by_name, item.station_id, item.business_name, item.name)
        note = unlinked_note(by_name, item.station_id, item.business_name, item.name)
        if note:
            station = session.get(m.Station, item.station_id)
            job.warn(None, None, f"已导入的{item.year}年任务明细“{item.name}”（{station.name if station else ''}）："
                     f"{note}", item.business_name or item.name)
        if bid is not None:
            writer.upsert(T, {"year": item.year, "station_id": item.station_id, "indicator_id": item.indicator_id,
                              "name": item.name}, {"business_id": bid}, sheet=item.src_sheet, row=item.src_row)


# --- 摸排 -----------------------------------------------------------------------------------------


def sweep_key(day: dt.date, station_name: str, place: str) -> str:
    return "|".join([day.isoformat(), squash(station_name), squash(place)])


@handler("摸排")
def sweeps(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """无证黑窝点摸排: one place on one day; a 查处 without its 案件编号 is a 提示."""
    stations = Stations(job, session)
    townships = Townships(job, session)
    resolved = []
    for rec in job.records:
        v = rec.values
        sid = stations.resolve(rec)
        tw_id = townships.resolve(rec)
        if v.get("outcome") == "查处" and not v.get("case_no"):
            job.warn(rec.row0, rec.cells["outcome"], "处理结果为查处，未填写案件编号", rec.raw.get("outcome"))
        if sid is None or v.get("sweep_date") is None or not v.get("place"):
            continue
        resolved.append((rec, sid, tw_id, sweep_key(v["sweep_date"], stations.matcher.names[sid], v["place"])))
    key_of = {id(rec): key for rec, _s, _t, key in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "place", "同一日期、监管所的摸排地点")
    if job.has_errors:
        return
    writer.prefetch_keys(m.WorkshopSweep, ("key",), [(k,) for *_x, k in resolved])
    for rec, sid, tw_id, key in resolved:
        v = rec.values
        upsert_row(job, writer, m.WorkshopSweep, {"key": key},
                   {"sweep_date": v["sweep_date"], "station_id": sid, "township_id": tw_id, "place": v["place"],
                    "kind": v.get("sweep_kind") or m.SWEEP_KINDS[0], "outcome": v.get("outcome") or m.SWEEP_OUTCOMES[-1],
                    "case_no": v.get("case_no")}, rec)


# --- 评选 -----------------------------------------------------------------------------------------


class _Workshops:
    """The 小作坊 of the stations a 评选 sheet names: by 登记证号, else by name; an unknown one is listed with the
    station's closest names."""

    def __init__(self, job: SheetJob, session: Session, station_ids: set[int]):
        self.job = job
        self.by_code: dict[tuple[int, str], int] = {}
        self.by_name: dict[tuple[int, str], list[int]] = {}
        self.names: dict[int, list[str]] = {}
        for bid, name, code, sid, _key in workshop_businesses(session, station_ids):
            if code:
                self.by_code[(sid, code)] = bid
            self.by_name.setdefault((sid, squash(name)), []).append(bid)
            self.names.setdefault(sid, []).append(name)

    def find(self, rec: Record, sid: int, station_name: str) -> int | None:
        v = rec.values
        if v.get("license"):
            bid = self.by_code.get((sid, v["license"]))
            if bid is None:
                self.job.error(rec.row0, rec.cells["license"], f"{station_name}没有登记证号为该编号的小作坊，请先导入小作坊名录",
                               v["license"])
            return bid
        hits = self.by_name.get((sid, squash(v["name"])), [])
        if len(hits) == 1:
            return hits[0]
        if hits:
            self.job.error(rec.row0, rec.cells["name"], f"{station_name}有{len(hits)}个同名小作坊，请填写登记证号", v["name"])
            return None
        names = self.names.get(sid, [])
        close = difflib.get_close_matches(v["name"], names, n=3, cutoff=0.3)
        self.job.error(rec.row0, rec.cells["name"], f"{station_name}没有该小作坊，请先导入小作坊名录"
                       + (f"；最接近的有：{'、'.join(close)}" if close else ""), v["name"])
        return None


@handler("评选")
def awards(job: SheetJob, writer: Writer, session: Session, today: dt.date) -> None:
    """出彩小作坊 / 老字号 评选: a workshop of the 名录 (within its station), its year and how far it got."""
    stations = Stations(job, session)
    found = []
    for rec in job.records:
        sid = stations.resolve(rec)
        year = rec.values.get("year") or job.year
        if year is None:
            job.error(rec.row0, rec.cells.get("year"), "缺少年度：请在标题中写明年份或填写“年度”列")
        if sid is not None and year is not None and rec.values.get("name") and rec.values.get("award"):
            found.append((rec, sid, year))
    lookup = _Workshops(job, session, {sid for _r, sid, _y in found})
    resolved = []
    for rec, sid, year in found:
        bid = lookup.find(rec, sid, stations.matcher.names[sid])
        if bid is not None:
            resolved.append((rec, sid, year, bid))
    key_of = {id(rec): (year, rec.values["award"], bid) for rec, _s, year, bid in resolved}
    duplicates(job, [r for r, *_x in resolved], lambda r: key_of[id(r)], "name", "同一年度、评选的小作坊")
    if job.has_errors:
        return
    writer.prefetch(m.WorkshopAward, ("year", "award", "business_id"))
    for rec, sid, year, bid in resolved:
        upsert_row(job, writer, m.WorkshopAward, {"year": year, "award": rec.values["award"], "business_id": bid},
                   {"station_id": sid, "stage": rec.values.get("award_stage") or m.AWARD_STAGES[0]}, rec)
