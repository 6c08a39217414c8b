"""数据填报's 指标月报: the office's KPI monthly values (year to date, with numerator and denominator), entered on
the page and written as an import of 指标月报 writes them — the importer's rules, one ImportBatch (kind 指标月报) with
its change log (so 导入记录 can undo it), data_version moved and an audit row. The shared machinery is services.entry."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from db import engine as dbe
from db import models as m
from db.changelog import Writer
from seed.importer.values import ValueProblem, parse_float, parse_rate
from services.entry import (
    ENTRY_PAGE,
    ENTRY_PREFIX,
    MSG_CLEARED,
    SHEET,
    SaveResult,
    _batches,
    _blank,
    _check_period,
    _figure,
    _finish,
    _line,
    _new_batch,
)
from services.rules import fmt
from services.rules.permissions import ACT, require_account, station_scope
from services.rules.viewer import Viewer
from services.unit import unit_of_work

KPI_KIND = "指标月报"
MSG_KPI_OFFICE_ONLY = "只有食安办可以填报指标月报"
MSG_KPI_UNKNOWN = "未找到{year}年的该指标（编号 {kpi_id}）"
MSG_KPI_COMPUTED = "该指标由系统根据上报记录自动计算，不能填报"
MSG_KPI_NO_VALUE = "填写了分子或分母，但缺少本月累计"
KPI_ENTRY_COLUMNS = ["kpi_id", "name", "unit", "target", "direction", "last_month", "last_value", "value",
                     "numerator", "denominator", "is_demo"]


def check_kpi_user(viewer: Viewer) -> None:
    """KPI values are the office's: the role may enter data and is bound to no station (PermissionError)."""
    require_account(viewer, ENTRY_PAGE, ACT)
    if station_scope(viewer) is not None:
        raise PermissionError(MSG_KPI_OFFICE_ONLY)


def kpi_file_name(year: int, month: int) -> str:
    return f"{ENTRY_PREFIX}指标月报 {year}年{month}月）"


def _kpi_rows(session: Session, year: int, month: int) -> pd.DataFrame:
    k, r = m.Kpi, m.KpiReading
    # The year's gauged KPIs the office reports (a few dozen at most); computed ones are never entered.
    kpis = session.exec(
        select(k.id, k.name, k.unit, k.target, k.direction, k.is_demo)
        .where(k.year == year, k.gauged == True, col(k.computed_from).is_(None))  # noqa: E712
        .order_by(k.id)
    ).all()
    ids = [row[0] for row in kpis]
    readings = session.exec(
        select(r.kpi_id, r.month, r.value, r.numerator, r.denominator, r.is_demo)
        .where(r.year == year, r.month <= month, col(r.kpi_id).in_(ids))
    ).all() if ids else []
    last: dict[int, tuple[int, float]] = {}
    current: dict[int, tuple[float, float | None, float | None, bool]] = {}
    for kpi_id, mo, value, num, den, demo in readings:
        if mo == month:
            current[kpi_id] = (value, num, den, bool(demo))
        elif kpi_id not in last or mo > last[kpi_id][0]:
            last[kpi_id] = (mo, value)
    rows = []
    for kpi_id, name, unit, target, direction, demo in kpis:
        lm, cur = last.get(kpi_id), current.get(kpi_id)
        rows.append({
            "kpi_id": kpi_id, "name": name, "unit": unit, "target": target, "direction": direction,
            "last_month": lm[0] if lm else pd.NA, "last_value": lm[1] if lm else math.nan,
            "value": cur[0] if cur else math.nan,
            "numerator": cur[1] if cur and cur[1] is not None else math.nan,
            "denominator": cur[2] if cur and cur[2] is not None else math.nan,
            "is_demo": bool(demo) or bool(cur and cur[3]),
        })
    df = pd.DataFrame(rows, columns=KPI_ENTRY_COLUMNS)
    df["last_month"] = df["last_month"].astype("Int64")
    for c in ("target", "last_value", "value", "numerator", "denominator"):
        df[c] = df[c].astype("float64")
    return df


@unit_of_work
def kpi_entry_frame(*, session: Session | None = None, viewer: Viewer, year: int, month: int) -> pd.DataFrame:
    """The year's gauged KPIs the office enters (not the computed 月报按时上报率): target, the latest earlier
    reading and this month's year-to-date value with its numerator and denominator. Rates are fractions 0–1."""
    check_kpi_user(viewer)
    return _kpi_rows(session, int(year), int(month))


def _kpi_value(raw: Any, unit: str, label: str, result: SaveResult) -> float | None:
    """As the importer reads a 指标月报 value: a fraction for % KPIs ("95%", 0.95; 95 read as 95% with a note),
    else a non-negative number. Raises ValueProblem."""
    if unit == "%":
        value, warning = parse_rate(raw)
        if warning:
            result.warnings.append(_line(label, warning, raw))
        return value
    return parse_float(raw)[0]


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) < 1e-9


def _change(label: str, unit: str, before: Mapping[str, float | None], after: Mapping[str, float | None]) -> str:
    """"核查处置按时完成率：98.4% → 99.0%" (the figure), or its 分子/分母 when only they change."""
    def shown(c: str, v: float | None) -> str:
        return _figure(v) if v is None or c != "value" else fmt.with_unit(v, unit)
    moved = [c for c in ("value", "numerator", "denominator") if not _same(before[c], after[c])]
    words = {"value": "本月累计", "numerator": "分子", "denominator": "分母"}
    if "value" in moved:
        return f"{label}：{shown('value', before['value'])} → {shown('value', after['value'])}"
    return f"{label}：" + "，".join(f"{words[c]} {shown(c, before[c])} → {shown(c, after[c])}" for c in moved)


def save_kpi_values(
    *,
    engine: Engine | None = None,
    viewer: Viewer,
    year: int,
    month: int,
    rows: Mapping[int, Any],
    today: dt.date | None = None,
    dry_run: bool = False,
) -> SaveResult:
    """Save the office's KPI values for a month: `rows` maps kpi id → the value as typed, or a mapping with
    "value", "numerator", "denominator". Only the office (PermissionError otherwise); the importer's 指标月报 rules
    (rates 0–100%, non-negative numbers, computed KPIs refused); one ImportBatch (kind 指标月报), audited, undoable.
    `dry_run`: checked and rolled back; the result counts and names the KPIs whose figures would change."""
    engine = engine or dbe.get_engine()  # a test or the CLI may hand in its own
    today = today or dbe.as_of(engine)
    result = SaveResult(dry_run=dry_run)
    with Session(engine) as session:
        try:
            check_kpi_user(viewer)
            result.errors += _check_period(year, month, today)
            if result.errors:
                return result
            frame = _kpi_rows(session, int(year), int(month)).set_index("kpi_id")
            known = {kid: (name, computed) for kid, name, computed in session.exec(
                select(m.Kpi.id, m.Kpi.name, m.Kpi.computed_from).where(
                    m.Kpi.year == year, col(m.Kpi.id).in_([int(x) for x in rows]))).all()} if rows else {}
            changes: list[tuple[int, dict[str, float | None]]] = []
            names: dict[int, str] = {}
            for kpi_id, given in rows.items():
                kpi_id = int(kpi_id)
                cells = dict(given) if isinstance(given, Mapping) else {"value": given}
                if kpi_id in known and known[kpi_id][1]:
                    result.errors.append(_line(known[kpi_id][0], MSG_KPI_COMPUTED))
                    continue
                if kpi_id not in frame.index:
                    result.errors.append(MSG_KPI_UNKNOWN.format(year=year, kpi_id=kpi_id))
                    continue
                row = frame.loc[kpi_id]
                label = str(row["name"])
                current = None if pd.isna(row["value"]) else float(row["value"])
                raw_value = cells.get("value")
                if _blank(raw_value):
                    if current is not None:
                        result.errors.append(_line(label, MSG_CLEARED))
                    elif not (_blank(cells.get("numerator")) and _blank(cells.get("denominator"))):
                        result.errors.append(_line(label, MSG_KPI_NO_VALUE))
                    continue
                parsed: dict[str, float | None] = {}
                bad = False
                for name, column in (("value", "本月累计"), ("numerator", "分子"), ("denominator", "分母")):
                    raw = cells.get(name)
                    if _blank(raw):
                        parsed[name] = None
                        continue
                    try:
                        parsed[name] = (_kpi_value(raw, str(row["unit"]), f"{label}（{column}）", result)
                                        if name == "value" else parse_float(raw)[0])
                    except ValueProblem as exc:
                        result.errors.append(_line(f"{label}（{column}）", str(exc), raw))
                        bad = True
                if bad:
                    continue
                before = {"value": current,
                          "numerator": None if pd.isna(row["numerator"]) else float(row["numerator"]),
                          "denominator": None if pd.isna(row["denominator"]) else float(row["denominator"])}
                if all(_same(before[c], parsed[c]) for c in before):
                    result.counts.add("unchanged")
                else:
                    changes.append((kpi_id, parsed))
                    names[kpi_id] = _change(label, str(row["unit"]), before, parsed)
            if result.errors or not changes:
                session.rollback()
                return result
            batch = _new_batch(session, file_name=kpi_file_name(year, month), kind=KPI_KIND, year=year, month=month,
                               viewer=viewer, payload={"year": year, "month": month, "rows": changes})
            writer = Writer(session, batch)
            r = m.KpiReading
            writer.prefetch(r, ("kpi_id", "year", "month"),
                            where=(r.year == year) & (r.month == month) & col(r.kpi_id).in_([k for k, _ in changes]))
            for kpi_id, values in changes:
                _, status = writer.upsert(r, {"kpi_id": kpi_id, "year": year, "month": month}, values, sheet=SHEET)
                result.counts.add(status)
                result.changes.append(names[kpi_id])
            _finish(session, batch, writer, result, viewer=viewer,
                    detail={"year": year, "month": month, "kpis": [k for k, _ in changes]})
            return result
        except BaseException:
            session.rollback()
            raise


@unit_of_work
def kpi_entry_batches(*, session: Session | None = None, viewer: Viewer, year: int, month: int, limit: int = 50) -> pd.DataFrame:
    check_kpi_user(viewer)
    return _batches(session, kpi_file_name(year, month), limit)
