"""风险隐患排查整治: the monthly counts (风险隐患排查整治表) and the hazard list (隐患清单)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from db import models as m
from db.changelog import Writer
from db.queries.hazards import hazard_list_rows
from seed.importer.grid import month_from
from seed.importer.handlers.common import Stations, handler, record_submission, upsert_row
from seed.importer.job import Record, SheetJob
from seed.importer.totals import covered_rows, error_cells, scope_text, unreadable
from seed.importer.values import ValueProblem, is_blank, parse_count, squash
from services.rules import hazards as hz
from services.rules.pacing import month_end

# --- 风险隐患排查整治 -----------------------------------------------------------------------------


def _hazard_totals(job: SheetJob, parsed: list[tuple[Record, dict[str, int]]]) -> None:
    """Each 合计/总计 row must equal the sum of every reported row, wherever it sits; a 小计 the rows of its group.
    A column with an unreadable cell (an error reported there) is not checked."""
    values = {rec.row0: v for rec, v in parsed}
    scopes = covered_rows(job, list(values))
    reported = error_cells(job)
    for total_row in job.totals:
        covered = scopes[total_row]
        for f in hz.COUNTS:
            col0 = job.layout.columns.get(f)
            if col0 is None:
                continue
            raw = job.rows[total_row][col0] if col0 < len(job.rows[total_row]) else ""
            if (total_row, col0) in job.grid.formula_empty or is_blank(raw):
                continue
            if unreadable(job, covered, col0, reported):
                continue
            expected = sum(values[r0][f] for r0 in covered if values[r0].get(f) is not None)
            try:
                value, _ = parse_count(raw)
            except ValueProblem as exc:
                job.error(total_row, col0, str(exc), raw)
                continue
            if value != expected:
                word = "合计" if scope_text(job, total_row, []) == "各行" else "小计"
                job.error(total_row, col0, f"{word}与{scope_text(job, total_row, covered)}之和{expected}不符", raw)


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
        upsert_row(job, writer, m.HazardReport, {"year": year, "month": month, "station_id": sid},
                {**counts, "report_date": report_date}, rec)
        record_submission(job, writer, rec, sid, month, hz.KIND, today, year=year)


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
        if found is not None:  # a date past today was refused as it was read (checks.py)
            if year is not None and month is not None and found > month_end(year, month):
                job.error(rec.row0, cell("found_date"), f"发现日期晚于所列月份（{year}年{month}月）",
                          rec.raw.get("found_date"))
            if deadline is not None and deadline < found:
                job.error(rec.row0, cell("deadline"), "整改期限早于发现日期", rec.raw.get("deadline"))
            if rectified is not None and rectified < found:
                job.error(rec.row0, cell("rectified_date"), "整改日期早于发现日期", rec.raw.get("rectified_date"))
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
        upsert_row(job, writer, m.Hazard, {"key": key},
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
