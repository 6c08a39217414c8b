"""The three renderings of an export: a DataFrame (and JSON from it), CSV, and xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

import pandas as pd
import xlsxwriter
from sqlmodel import Session, select

from db import models as m
from seed.export.cells import (
    DEMO_COLUMN,
    EXPORT_VERSION,
    FONT,
    NO_YEAR,
    blank,
    column_width,
    csv_escape,
    export_title,
    whole,
)
from seed.export.rows import (
    ROLE_UNIT_FIELDS,
    Built,
    build,
    indicators_of,
    kind_spec,
    live,
    station_rank,
    stations_of,
)
from seed.importer.kinds import KINDS


def export_frame(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> pd.DataFrame:
    """The rows of one kind in the importer's layout, headed by the Col.label texts (python values, object dtype).

    ``frame.attrs`` holds ``kind``, ``year`` (the year exported, None for all) and ``types`` (label -> column type).
    """
    b = build(kind, session=session, year=year, include_demo=include_demo)
    frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
    frame.attrs.update({"kind": kind, "year": b.year, "types": dict(b.types)})
    return frame


def _json_value(value: object) -> object:
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return whole(value) if isinstance(value, float) else value


def export_json(kind: str, *, session: Session, year: int | None = None, include_demo: bool = False) -> list[dict]:
    """Records for the CLI's ``--format json``; 任务清单 and 配档表 cover every year when no year is given."""
    kind_spec(kind)
    s = session
    if kind == "任务清单":
        stations, indicators = stations_of(s), indicators_of(s)
        rank = station_rank(stations)
        stmt = select(m.StationTarget).where(live(m.StationTarget, include_demo))
        if year is not None:
            stmt = stmt.where(m.StationTarget.year == year)
        rows = sorted(s.exec(stmt).all(), key=lambda t: (t.year, rank.get(t.station_id, 1 << 30),
                                                         indicators[t.indicator_id].sort_order, t.indicator_id))
        return [{"年度": t.year, "监管所": stations[t.station_id].name, "指标": indicators[t.indicator_id].code,
                 "目标": whole(t.target), **_demo_key(t.is_demo, include_demo)} for t in rows]
    if kind == "配档表":
        stmt = select(m.ScheduleMilestone).where(live(m.ScheduleMilestone, include_demo))
        if year is not None:
            stmt = stmt.where(m.ScheduleMilestone.year == year)
        rows = s.exec(stmt.order_by(m.ScheduleMilestone.year, m.ScheduleMilestone.row_order)).all()
        return [{"年度": r.year, "序号": r.row_order, "开始": r.start_date.isoformat(), "结束": r.end_date.isoformat(),
                 "时间": r.time_text, "工作重点": r.focus, "推进措施": r.measures, "备注": r.note, "状态": r.status,
                 **_demo_key(r.is_demo, include_demo)} for r in rows]
    frame = export_frame(kind, session=session, year=year, include_demo=include_demo)
    out = []
    for row in frame.itertuples(index=False, name=None):
        record = {col: _json_value(v) for col, v in zip(frame.columns, row, strict=True)}
        if kind == "任务进度":
            record = {"年度": frame.attrs["year"], **record}
        out.append(record)
    return out


def _demo_key(is_demo: bool, include_demo: bool) -> dict[str, str]:
    """{"示例": "是"/"否"} on every record of an export that includes the demo rows, else nothing."""
    return {DEMO_COLUMN: "是" if is_demo else "否"} if include_demo else {}


def _csv_cell(value: object, col_type: str) -> str:
    if blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and col_type != "float" else repr(value)
    return str(csv_escape(str(value)))


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    types = frame.attrs.get("types", {})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v, types.get(col, "text")) for col, v in zip(frame.columns, row, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class SheetSpec:
    name: str
    title_lines: list[str]
    frame: pd.DataFrame


def _sheet_name(wanted: str | None, fallback: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", "", wanted or "") or fallback
    name = name[:31]
    base, n = name, 2
    while name.lower() in used or name == "_meta":
        suffix = f"_{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _sheets(kind: str, b: Built) -> list[SheetSpec]:
    frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
    frame.attrs["types"] = dict(b.types)
    if kind != "工作要点":
        return [SheetSpec(kind, [export_title(kind, b.year)], frame)]
    # the role columns stay blank on export: their units come back as clauses in 责任单位
    keep = [c.label for c in KINDS["工作要点"].columns if c.field not in ("plan_title", "issuer", "jurisdiction",
                                                                          "plan_year", *ROLE_UNIT_FIELDS)]
    keep += [DEMO_COLUMN] if DEMO_COLUMN in frame.columns else []
    used: set[str] = set()
    out = []
    for i, plan in enumerate(b.plans, start=1):
        part = frame.iloc[plan["first"]: plan["first"] + plan["count"]][keep].reset_index(drop=True)
        part.attrs["types"] = dict(b.types)
        second = f"发文单位：{plan['issuer']}；辖区：{plan['jurisdiction']}；年度：{plan['year']}"
        out.append(SheetSpec(_sheet_name(plan["sheet"], f"工作要点{i}", used), [plan["title"], second], part))
    if not out:
        out.append(SheetSpec(kind, [export_title(kind, b.year)], frame[keep]))
    return out


def _xlsx_bytes(kind: str, sheets: list[SheetSpec], year: int | None, *, include_demo: bool = False) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    base = {"font_name": FONT, "font_size": 11}
    cell = {**base, "border": 1, "valign": "top"}
    fmt = {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "line": wb.add_format({**base, "align": "left", "valign": "vcenter"}),
        "header": wb.add_format({**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                 "text_wrap": True, "bg_color": "#DDEBF7"}),
        "text": wb.add_format(cell),
        "wrap": wb.add_format({**cell, "text_wrap": True}),
        "code": wb.add_format({**cell, "num_format": "@"}),
        "date": wb.add_format({**cell, "num_format": "yyyy-mm-dd", "align": "left"}),
        "number": wb.add_format({**cell, "align": "right"}),
    }
    for spec in sheets:
        ws = wb.add_worksheet(spec.name)
        frame = spec.frame
        types = frame.attrs.get("types", {})
        ncols = max(1, len(frame.columns))
        header_row = len(spec.title_lines)
        for r, line in enumerate(spec.title_lines):
            style = fmt["title"] if r == 0 else fmt["line"]
            if ncols > 1:
                ws.merge_range(r, 0, r, ncols - 1, line, style)
            else:
                ws.write_string(r, 0, line, style)
            ws.set_row(r, 28 if r == 0 else 20)
        wrapped: set[int] = set()
        for c, label in enumerate(frame.columns):
            sample = [label, *frame.iloc[:300, c].tolist()]
            width = column_width([_display(v) for v in sample])
            if width >= 60:
                wrapped.add(c)
            ws.set_column(c, c, width)
            ws.write_string(header_row, c, label, fmt["header"])
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
            for c, (label, value) in enumerate(zip(frame.columns, row, strict=True)):
                _write_cell(ws, r, c, value, types.get(label, "text"), fmt, c in wrapped)
        ws.freeze_panes(header_row + 1, 1 if KINDS[kind].layout == "wide" else 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    meta = wb.add_worksheet("_meta")
    pairs = [("kind", kind), ("version", EXPORT_VERSION), ("source", "export")]
    if year is not None and kind not in NO_YEAR:
        pairs.append(("year", str(year)))
    if include_demo:
        pairs.append(("include_demo", "1"))
    for r, (key, value) in enumerate(pairs):
        meta.write_string(r, 0, key)
        meta.write_string(r, 1, value)
    meta.hide()
    wb.close()
    return buf.getvalue()


def _display(value: object) -> str:
    if blank(value):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(whole(value))
    return str(value)


def _write_cell(ws, r: int, c: int, value: object, col_type: str, fmt: dict, wrap: bool) -> None:
    if blank(value):
        ws.write_blank(r, c, None, fmt["code"] if col_type == "code" else fmt["text"])
        return
    if hasattr(value, "item") and not isinstance(value, (str, dt.date)):
        value = value.item()
    if col_type == "code":
        ws.write_string(r, c, _display(value), fmt["code"])
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt["text"])
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, value, fmt["date"])
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt["number"])
    else:
        ws.write_string(r, c, str(value), fmt["wrap"] if wrap else fmt["text"])


def export_bytes(kind: str, *, session: Session, year: int | None = None, fmt: str = "xlsx",
                 include_demo: bool = False) -> bytes:
    """The export as a file: ``fmt`` is "xlsx" or "csv" (see the module docstring for where the year goes)."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"不支持的导出格式“{fmt}”（可选 xlsx、csv）")
    b = build(kind, session=session, year=year, include_demo=include_demo)
    if fmt == "csv":
        frame = pd.DataFrame(b.rows, columns=b.columns, dtype=object)
        frame.attrs["types"] = dict(b.types)
        return _csv_bytes(frame)
    return _xlsx_bytes(kind, _sheets(kind, b), b.year, include_demo=include_demo)

