"""数据填报: a station's monthly 累计完成 and 风险隐患排查整治表 counts (the office's KPI values: services.kpi_entry),
entered on a page and written the way an import writes them — the importer's checks and messages, one ImportBatch with its change log (so 导入记录 can undo
it), the month's first report recorded as the station's submission, data_version moved and an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from db import engine as dbe
from db import models as m
from db.changelog import Counts, Writer
from db.queries.hazards import hazard_list_rows
from seed.importer.values import ValueProblem, display, is_blank, parse_count
from services import accounts
from services.rules import hazards as hz
from services.rules.pacing import month_end
from services.rules.permissions import ACT, require_account
from services.rules.viewer import Viewer
from services.scope import scope
from services.unit import unit_of_work

ENTRY_PAGE = "数据填报"
PROGRESS_KIND = "任务进度"
HAZARD_KIND = hz.KIND  # 风险隐患
SHEET = "数据填报"  # the change log's src_sheet for rows written from the page
ENTRY_PREFIX = "数据填报（"  # every entry batch's file_name starts so: 导入记录 tells saves from files by it
REASON_MAX = 200  # characters of a 说明 kept with the batch

# The importer's words (seed/importer/handlers/, station_progress), and the page's own for what an import cannot do.
MSG_FALL = "本月累计{now:g}低于上月累计{value:g}（{month}月）"
MSG_FALL_NEEDS_REASON = MSG_FALL + "，请在“说明”中填写原因"
MSG_OVER_TARGET = "本月累计{now:g}超过年度目标{target:g}"
MSG_CLEARED = "已上报的数值不能清空；如需更正请填写正确的数值，或在“导入记录”中撤销该次填报"
MSG_FUTURE = "{year}年{month}月尚未开始，不能填报"
MSG_BAD_MONTH = "月份应为1–12"
MSG_UNKNOWN_STATION = "未知的监管所"
MSG_UNKNOWN_INDICATOR = "该所{year}年的任务清单中没有这个指标（编号 {indicator_id}）"
MSG_OTHER_STATION = "监管所账号只能填报本所（{station}）的数据"
MSG_NO_CHANGE = "数据没有变化，未做任何更改"
TYPED = "填写"  # how a message quotes the figure as typed: "（填写：八十）"
MSG_DRY_RUN = "检查通过，尚未保存：将{what}"

ENTRY_COLUMNS = ["indicator_id", "indicator", "indicator_name", "unit", "target", "last_month", "last_cumulative",
                 "cumulative", "increment", "is_demo"]
HAZARD_ENTRY_COLUMNS = ["field", "item", "unit", "ytd_before", "value", "listed", "is_demo"]
MSG_HAZARD_UNKNOWN_FIELD = "未知的项目：{field}"


@dataclass
class SaveResult:
    """What a save did: the errors (nothing was written), else the batch and its counts; warnings either way."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None
    counts: Counts = field(default_factory=Counts)
    dry_run: bool = False  # checked and written in a transaction that was rolled back: nothing is saved
    changes: list[str] = field(default_factory=list)  # what the save changes, each "示范创建：12 → 14"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        """Something was saved (a dry run saves nothing: see would_change)."""
        return self.batch_id is not None

    @property
    def would_change(self) -> bool:
        return bool(self.counts.new or self.counts.updated)

    def _what(self) -> str:
        parts = [f"{w}{n}项" for w, n in (("新增", self.counts.new), ("更新", self.counts.updated)) if n]
        return "，".join(parts) + (f"（{'；'.join(self.changes)}）" if self.changes else "")

    @property
    def message(self) -> str:
        if self.errors:
            return f"共{len(self.errors)}处错误：未写入任何数据，请修改后重新保存"
        if not (self.changed or (self.dry_run and self.would_change)):
            return MSG_NO_CHANGE
        notes = f"，{len(self.warnings)}处提示" if self.warnings else ""
        if self.dry_run:
            return MSG_DRY_RUN.format(what=self._what()) + notes
        return f"已保存为批次 #{self.batch_id}：{self._what()}{notes}"


# --- who may enter what --------------------------------------------------------------------------


def _station_name(session: Session, station_id: int) -> str | None:
    station = session.get(m.Station, station_id)
    return station.name if station is not None else None


@unit_of_work
def check_station(*, session: Session | None = None, viewer: Viewer, station_id: int) -> str:
    """The station's name, after the checks: the role may enter data (PermissionError) and a 监管所 account enters
    its own station only (PermissionError); an unknown station is a LookupError."""
    require_account(viewer, ENTRY_PAGE, ACT)  # an entry is always someone's: the system is refused too
    scope(session, viewer, ENTRY_PAGE, int(station_id), action=ACT, message=MSG_OTHER_STATION)
    name = _station_name(session, int(station_id))
    if name is None:
        raise LookupError(MSG_UNKNOWN_STATION)
    return name


# --- small helpers -------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return is_blank(value)


def _figure(value: float | None) -> str:  # a stored figure in a change's description; 未填 before the first
    return "未填" if value is None else f"{value:g}"


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _line(label: str, message: str, raw: Any = None) -> str:
    """One message as the importer writes a finding: where, what, and the value as typed."""
    text = f"{label}：{message}"
    if raw is not None and not _blank(raw) and display(raw) != "":
        text += f"（{TYPED}：{display(raw)}）"
    return text


def _check_period(year: int, month: int, today: dt.date) -> list[str]:
    if not 1 <= int(month) <= 12:
        return [MSG_BAD_MONTH]
    if (int(year), int(month)) > (today.year, today.month):
        return [MSG_FUTURE.format(year=year, month=month)]
    return []


def _sha(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _new_batch(session: Session, *, file_name: str, kind: str, year: int, month: int, viewer: Viewer,
               payload: Any) -> m.ImportBatch:
    batch = m.ImportBatch(file_name=file_name, sha256=_sha(payload), kind=kind, sheet=SHEET, year=year, month=month,
                          user=viewer.username, group_id=uuid.uuid4().hex[:12], content=None)
    session.add(batch)
    session.flush()
    return batch


def _finish(session: Session, batch: m.ImportBatch, writer: Writer, result: SaveResult, *, viewer: Viewer,
            detail: dict[str, Any]) -> None:
    """Change log, batch counts, audit row, data_version — then the one commit; a dry run rolls it all back."""
    if result.dry_run:
        session.rollback()
        return
    writer.flush()
    batch.n_new, batch.n_updated, batch.n_unchanged = result.counts.new, result.counts.updated, result.counts.unchanged
    batch.warnings = list(result.warnings)
    batch.n_warnings = len(result.warnings)
    accounts.audit(session=session, viewer=viewer, action="编辑", target=batch.file_name,
                   detail={"batch": batch.id, "kind": batch.kind, "new": result.counts.new,
                           "updated": result.counts.updated, "changes": list(result.changes), **detail})
    dbe.bump_data_version(session)
    session.commit()
    result.batch_id = batch.id


def entry_file_name(station: str, year: int, month: int) -> str:
    return f"{ENTRY_PREFIX}{station} {year}年{month}月）"


def hazard_file_name(station: str, year: int, month: int) -> str:
    return f"{ENTRY_PREFIX}{station} {year}年{month}月 风险隐患）"


# --- 任务进度 -----------------------------------------------------------------------------------


def _progress_rows(session: Session, station_id: int, year: int, month: int) -> pd.DataFrame:
    """The station's indicators of the year (those with a target, as 任务清单 counts them) with last month's
    carried-forward 累计完成 and this month's figure, if any."""
    t, i, p = m.StationTarget, m.TaskIndicator, m.StationProgress
    # Bounded by the task list: one row per indicator of one station (a handful).
    targets = session.exec(
        select(i.id, i.code, i.name, i.unit, t.target, t.is_demo)
        .join(t, t.indicator_id == i.id)
        .where(t.year == year, t.station_id == station_id)
        .order_by(i.sort_order, i.id)
    ).all()
    progress = session.exec(
        select(p.indicator_id, p.month, p.cumulative, p.is_demo)
        .where(p.year == year, p.station_id == station_id, p.month <= month)
    ).all()
    last: dict[int, tuple[int, float]] = {}
    current: dict[int, tuple[float, bool]] = {}
    for ind_id, mo, value, demo in progress:
        if mo == month:
            current[ind_id] = (float(value), bool(demo))
        elif ind_id not in last or mo > last[ind_id][0]:
            last[ind_id] = (mo, float(value))
    rows = []
    for ind_id, code, name, unit, target, target_demo in targets:
        lm = last.get(ind_id)
        cur = current.get(ind_id)
        cumulative = cur[0] if cur else math.nan
        rows.append({
            "indicator_id": ind_id, "indicator": code, "indicator_name": name, "unit": unit,
            "target": float(target) if target is not None else math.nan,
            "last_month": lm[0] if lm else pd.NA, "last_cumulative": lm[1] if lm else math.nan,
            "cumulative": cumulative,
            "increment": cumulative - (lm[1] if lm else 0.0),
            "is_demo": bool(target_demo) or bool(cur and cur[1]),
        })
    df = pd.DataFrame(rows, columns=ENTRY_COLUMNS)
    df["last_month"] = df["last_month"].astype("Int64")
    for c in ("target", "last_cumulative", "cumulative", "increment"):
        df[c] = df[c].astype("float64")
    return df


@unit_of_work
def entry_frame(*, session: Session | None = None, viewer: Viewer, station_id: int, year: int, month: int) -> pd.DataFrame:
    """One row per indicator of the station's task list: target, last month's 累计完成 (the latest month before
    this one, carried forward) and this month's, and the increment (NaN when this month is not reported yet)."""
    check_station(session=session, viewer=viewer, station_id=station_id)
    return _progress_rows(session, int(station_id), int(year), int(month))


def save_progress(
    *,
    engine: Engine | None = None,
    viewer: Viewer,
    station_id: int,
    year: int,
    month: int,
    rows: Mapping[int, Any],
    reasons: Mapping[int, Any] | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> SaveResult:
    """Save a station's 累计完成 for a month: `rows` maps indicator id → the figure as typed (blank = not
    reported), `reasons` indicator id → 说明. PermissionError before anything is read for a role that may not, or a
    监管所 account entering another station; validation problems come back as Chinese errors and nothing is written.

    The importer's rules: a whole non-negative number; a figure below last month's needs a 说明 (kept with the batch
    as a warning); above the year's target warns. One transaction writes the changed figures as one ImportBatch
    (kind 任务进度) through the importer's Writer, records the month's submission dated `today` (AS_OF) unless the
    station already reported that month, audits 编辑 and moves data_version. `dry_run`: the same checks and writes,
    rolled back — the result counts and names the rows the save would change (figures typed as stored are none)."""
    engine = engine or dbe.get_engine()  # a test or the CLI may hand in its own
    today = today or dbe.as_of(engine)
    reasons = reasons or {}
    result = SaveResult(dry_run=dry_run)
    with Session(engine) as session:
        try:
            station = check_station(session=session, viewer=viewer, station_id=station_id)
            result.errors += _check_period(year, month, today)
            if result.errors:
                return result
            frame = _progress_rows(session, int(station_id), int(year), int(month)).set_index("indicator_id")
            changes: list[tuple[int, int]] = []
            names: dict[int, str] = {}
            for ind_id, raw in rows.items():
                ind_id = int(ind_id)
                if ind_id not in frame.index:
                    result.errors.append(MSG_UNKNOWN_INDICATOR.format(year=year, indicator_id=ind_id))
                    continue
                row = frame.loc[ind_id]
                label = str(row["indicator"])
                current = None if pd.isna(row["cumulative"]) else float(row["cumulative"])
                if _blank(raw):
                    if current is not None:
                        result.errors.append(_line(label, MSG_CLEARED))
                    continue
                try:
                    value, _ = parse_count(raw)
                except ValueProblem as exc:
                    result.errors.append(_line(label, str(exc), raw))
                    continue
                if not pd.isna(row["last_cumulative"]) and value < row["last_cumulative"]:
                    fall = {"now": value, "month": int(row["last_month"]), "value": float(row["last_cumulative"])}
                    reason = _text(reasons.get(ind_id))[:REASON_MAX]
                    if not reason:
                        result.errors.append(f"{label}：{MSG_FALL_NEEDS_REASON.format(**fall)}")
                        continue
                    result.warnings.append(f"{station} {label}：{MSG_FALL.format(**fall)}，说明：{reason}")
                if not pd.isna(row["target"]) and value > row["target"]:
                    result.warnings.append(f"{station} {label}："
                                           + MSG_OVER_TARGET.format(now=value, target=row["target"]))
                if current is None or abs(current - value) > 1e-9:
                    changes.append((ind_id, value))
                    names[ind_id] = f"{label}：{_figure(current)} → {value:g}"
                else:
                    result.counts.add("unchanged")
            if result.errors or not changes:
                session.rollback()
                return result
            file_name = entry_file_name(station, year, month)
            batch = _new_batch(session, file_name=file_name, kind=PROGRESS_KIND, year=year, month=month, viewer=viewer,
                               payload={"station_id": int(station_id), "year": year, "month": month,
                                        "rows": sorted(changes)})
            writer = Writer(session, batch)
            # The writer's cache covers exactly the rows this save may touch.
            sp, ms = m.StationProgress, m.MonthlySubmission
            writer.prefetch(sp, ("year", "month", "station_id", "indicator_id"),
                            where=(sp.year == year) & (sp.month == month) & (sp.station_id == station_id))
            for ind_id, value in changes:
                _, status = writer.upsert(sp, {"year": year, "month": month, "station_id": int(station_id),
                                               "indicator_id": ind_id}, {"cumulative": float(value)}, sheet=SHEET)
                result.counts.add(status)
                result.changes.append(names[ind_id])
            subs = writer.prefetch(ms, ("station_id", "year", "month", "kind"),
                                   where=(ms.station_id == station_id) & (ms.year == year) & (ms.month == month))
            # As the importer does: the month's first report is the submission; a later correction keeps its date.
            if (int(station_id), year, month, PROGRESS_KIND) not in subs:
                writer.upsert(ms, {"station_id": int(station_id), "year": year, "month": month, "kind": PROGRESS_KIND},
                              {"report_date": today}, sheet=SHEET)
            _finish(session, batch, writer, result, viewer=viewer,
                    detail={"station": station, "year": year, "month": month,
                            "reasons": {str(k): _text(v)[:REASON_MAX] for k, v in reasons.items() if _text(v)}})
            return result
        except BaseException:
            session.rollback()
            raise


# --- 风险隐患排查整治表 ------------------------------------------------------------------------------


def _hazard_rows(session: Session, station_id: int, year: int, month: int) -> pd.DataFrame:
    """The four counts of the station's month: this month's figure (NaN when not reported yet), the sum of the
    year's earlier months, and what the hazard list says for 发现/整改 (NaN when the station keeps no list)."""
    r = m.HazardReport
    # One station's year: twelve rows at most.
    reports = session.exec(select(r).where(r.year == year, r.station_id == station_id, r.month <= month)).all()
    current = next((x for x in reports if x.month == month), None)
    before = {f: sum(getattr(x, f) for x in reports if x.month < month) for f in hz.COUNTS}
    tallies = hz.list_tallies(hazard_list_rows(session, year=year, station_ids=[station_id]))
    tally = tallies.get(station_id, {}).get(month, hz.ListTally()) if station_id in tallies else None
    day = (current.report_date if current and current.report_date else None) or month_end(year, month)
    listed = {"hazards_found": tally.n if tally else math.nan,
              "hazards_rectified": tally.rectified_by(day) if tally else math.nan}
    rows = [{
        "field": f, "item": hz.LABELS[f], "unit": hz.UNITS[f],
        "ytd_before": float(before[f]) if any(x.month < month for x in reports) else math.nan,
        "value": float(getattr(current, f)) if current else math.nan,
        "listed": float(listed.get(f, math.nan)),
        "is_demo": bool(current and current.is_demo),
    } for f in hz.COUNTS]
    df = pd.DataFrame(rows, columns=HAZARD_ENTRY_COLUMNS)
    df.attrs["report_date"] = current.report_date if current else None
    return df


@unit_of_work
def hazard_entry_frame(*, session: Session | None = None, viewer: Viewer, station_id: int, year: int, month: int) -> pd.DataFrame:
    """One row per count of the 风险隐患排查整治表 (检查主体数, 发现隐患数, 整改隐患数, 立案数): this month's figure
    (NaN = not reported), the year's earlier months summed (ytd_before) and the hazard list's figure (listed: the
    hazards listed for the month, and those of them rectified by the report date). attrs["report_date"] is the
    month's first report date, None before one. Same checks as entry_frame: 食安办 any station, 监管所 its own."""
    check_station(session=session, viewer=viewer, station_id=station_id)
    return _hazard_rows(session, int(station_id), int(year), int(month))


def save_hazards(
    *,
    engine: Engine | None = None,
    viewer: Viewer,
    station_id: int,
    year: int,
    month: int,
    rows: Mapping[str, Any],
    today: dt.date | None = None,
    dry_run: bool = False,
) -> SaveResult:
    """Save a station's 风险隐患排查整治表 for a month: `rows` maps a count's field (hz.COUNTS) → the figure as typed;
    a field left out keeps its stored figure. PermissionError for a role that may not enter data or a 监管所 account
    entering another station; validation problems come back as Chinese errors and nothing is written.

    The importer's rules (handlers.hazard_reports): whole non-negative numbers, all four or none (none = not
    reported; a reported figure cannot be cleared), 整改隐患数 ≤ 发现隐患数; a disagreement with the hazard list is a
    warning. One transaction writes one ImportBatch (kind 风险隐患) through the importer's Writer, records the
    month's submission dated `today` (AS_OF) unless the station already reported that month, audits 编辑 and moves
    data_version; 导入记录 (undo_batch) can undo it. `dry_run`: checked and rolled back, as save_progress."""
    engine = engine or dbe.get_engine()  # a test or the CLI may hand in its own
    today = today or dbe.as_of(engine)
    result = SaveResult(dry_run=dry_run)
    with Session(engine) as session:
        try:
            station = check_station(session=session, viewer=viewer, station_id=station_id)
            result.errors += _check_period(year, month, today)
            unknown = [str(f) for f in rows if f not in hz.COUNTS]
            result.errors += [MSG_HAZARD_UNKNOWN_FIELD.format(field=f) for f in unknown]
            if result.errors:
                return result
            frame = _hazard_rows(session, int(station_id), int(year), int(month)).set_index("field")
            stored = {f: None if pd.isna(frame.at[f, "value"]) else int(frame.at[f, "value"]) for f in hz.COUNTS}
            typed = {f: rows.get(f) if f in rows else stored[f] for f in hz.COUNTS}
            if all(_blank(v) for v in typed.values()) and all(v is None for v in stored.values()):
                return result  # nothing reported, nothing typed: no change
            values: dict[str, int | None] = {}
            for f in hz.COUNTS:
                raw, label = typed[f], hz.LABELS[f]
                if _blank(raw):
                    result.errors.append(_line(label, MSG_CLEARED if stored[f] is not None else hz.MSG_INCOMPLETE))
                    values[f] = None
                    continue
                try:
                    values[f], _ = parse_count(raw)
                except ValueProblem as exc:
                    result.errors.append(_line(label, str(exc), raw))
                    values[f] = None
            for f, message in hz.check_counts(values).items():
                result.errors.append(_line(hz.LABELS[f], message, typed[f]))
            if result.errors:
                return result
            report_date = frame.attrs["report_date"] or today
            tallies = hz.list_tallies(hazard_list_rows(session, year=year, station_ids=[int(station_id)]))
            for f, message in hz.list_check(tallies, station=station, station_id=int(station_id), year=year,
                                            month=month, found=values["hazards_found"],
                                            rectified=values["hazards_rectified"], report_date=report_date).items():
                result.warnings.append(_line(f"{station} {hz.LABELS[f]}", message))
            if values == stored:
                result.counts.add("unchanged")
                return result
            batch = _new_batch(session, file_name=hazard_file_name(station, year, month), kind=HAZARD_KIND,
                               year=year, month=month, viewer=viewer,
                               payload={"station_id": int(station_id), "year": year, "month": month, "rows": values})
            writer = Writer(session, batch)
            hr, ms = m.HazardReport, m.MonthlySubmission
            writer.prefetch(hr, ("year", "month", "station_id"),
                            where=(hr.year == year) & (hr.month == month) & (hr.station_id == station_id))
            # The month's first report keeps its date, as for the submission below.
            _, status = writer.upsert(hr, {"year": year, "month": month, "station_id": int(station_id)},
                                      {**values, "report_date": report_date}, sheet=SHEET)
            result.counts.add(status)
            result.changes += [f"{hz.LABELS[f]}：{_figure(stored[f])} → {values[f]}" for f in hz.COUNTS
                               if stored[f] != values[f]]
            subs = writer.prefetch(ms, ("station_id", "year", "month", "kind"),
                                   where=(ms.station_id == station_id) & (ms.year == year) & (ms.month == month))
            if (int(station_id), year, month, HAZARD_KIND) not in subs:
                writer.upsert(ms, {"station_id": int(station_id), "year": year, "month": month, "kind": HAZARD_KIND},
                              {"report_date": today}, sheet=SHEET)
            _finish(session, batch, writer, result, viewer=viewer,
                    detail={"station": station, "year": year, "month": month, "counts": values})
            return result
        except BaseException:
            session.rollback()
            raise


# --- who saved when -----------------------------------------------------------------------------


@unit_of_work
def entry_batches(*, session: Session | None = None, viewer: Viewer, station_id: int, year: int, month: int,
                  limit: int = 50) -> pd.DataFrame:
    """The saves of this station's month (batch, when, who, status, warnings), newest first."""
    station = check_station(session=session, viewer=viewer, station_id=station_id)
    return _batches(session, entry_file_name(station, year, month), limit)


@unit_of_work
def hazard_entry_batches(*, session: Session | None = None, viewer: Viewer, station_id: int, year: int, month: int,
                         limit: int = 50) -> pd.DataFrame:
    """The 风险隐患 saves of this station's month, newest first."""
    station = check_station(session=session, viewer=viewer, station_id=station_id)
    return _batches(session, hazard_file_name(station, year, month), limit)


def _batches(session: Session, file_name: str, limit: int) -> pd.DataFrame:
    b = m.ImportBatch
    # One station's month: a handful of saves; the limit only guards against a runaway loop of saves.
    rows = session.exec(
        select(b.id, b.created_at, b.user, b.status, b.n_new, b.n_updated, b.warnings)
        .where(b.file_name == file_name).order_by(col(b.id).desc()).limit(limit)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows],
                        columns=["batch_id", "created_at", "user", "status", "n_new", "n_updated", "warnings"])

