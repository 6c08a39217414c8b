"""Reading sheets: each visible sheet's kind, header and period, then its rows parsed into typed records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from db.models import TaskIndicator
from seed.importer.checks import date_check
from seed.importer.columns import column_findings
from seed.importer.grid import (
    Layout,
    expand_merged,
    find_layout,
    guess_kind_from_text,
    indicator_names,
    month_from,
    row_kind,
    title_text,
    year_from,
)
from seed.importer.job import Record, SheetJob
from seed.importer.kinds import ENUM_SYNONYMS, KINDS, Col, Kind
from seed.importer.reader import Workbook
from seed.importer.report import Finding
from seed.importer.values import (
    ExcelError,
    ValueProblem,
    check_excel_error,
    clean_text,
    display,
    is_blank,
    nfkc,
    parse_bool,
    parse_code,
    parse_count,
    parse_date,
    parse_float,
    parse_month,
    parse_rate,
    parse_year,
    squash,
    unescape_text,
)

META_SHEET = "_meta"
ANNOTATION_SHEET = "错误说明"  # added by annotate.py to a returned workbook; skipped when it comes back fixed


def read_meta(wb: Workbook) -> dict[str, str]:
    for sheet in wb.sheets:
        if sheet.name == META_SHEET:
            meta = {}
            for row in sheet.rows:
                if len(row) >= 2 and not is_blank(row[0]):
                    meta[nfkc(row[0])] = nfkc(row[1])
            return meta
    return {}


def _is_annotation(name: str) -> bool:
    return name.startswith(ANNOTATION_SHEET) and (name[len(ANNOTATION_SHEET):] or "0").isdigit()


def db_indicators(session: Session) -> dict[str, tuple[str, ...]]:
    return {i.code: (i.name,) for i in session.exec(select(TaskIndicator)).all()}


def plan_sheets(
    wb: Workbook, *, session: Session, year: int | None, forced_kind: str | None, findings: list[Finding]
) -> list[SheetJob]:
    """Find the kind, header and period of every visible sheet of one workbook."""
    meta = read_meta(wb)
    meta_kind = meta.get("kind") or forced_kind
    ind_names = indicator_names(db_indicators(session))
    jobs: list[SheetJob] = []
    non_empty = False
    for sheet in wb.sheets:
        if sheet.name == META_SHEET or not sheet.visible or _is_annotation(sheet.name):
            continue  # hidden sheets hold lists and notes, never data; nor does our error list
        rows = expand_merged(sheet)
        if not any(not is_blank(v) for r in rows for v in r):
            continue
        non_empty = True
        if meta_kind and meta_kind in KINDS:
            candidates = [KINDS[meta_kind]]
        else:
            candidates = list(KINDS.values())
        layout = find_layout(rows, candidates, ind_names)
        if layout is None:
            data_sheets = [s for s in wb.sheets if s.visible and s.name != META_SHEET and not _is_annotation(s.name)]
            if len(data_sheets) == 1 or meta_kind:
                findings.append(Finding("错误", wb.file_name, sheet.name, None, None, None,
                                        "未找到可识别的表头（例如任务清单需要“监管所”列和指标列），请对照模板检查表头"))
            else:
                findings.append(Finding("提示", wb.file_name, sheet.name, None, None, None, "未识别的工作表，已跳过"))
            continue
        title = title_text(rows, layout.header.row0)
        kind = layout.kind
        if kind.layout == "wide" and not meta_kind:
            kind = _wide_kind(title, sheet.name, wb.file_name, layout)
            layout.kind = kind
        job = SheetJob(wb.file_name, sheet, rows, layout, kind, title, None, None, meta, findings)
        for level, row0, col0, message in column_findings(rows, layout, sheet.merged):
            (job.error if level == "错误" else job.warn)(row0, col0, message)
        _resolve_period(job, year)
        jobs.append(job)
    if not non_empty:
        findings.append(Finding("错误", wb.file_name, None, None, None, None, "工作簿中没有数据（空表）"))
    return jobs


def _wide_kind(title: str, sheet_name: str, file_name: str, layout: Layout) -> Kind:
    """任务清单 and 任务进度 share a layout: a month (in the title or a 月份 column) or progress words make it 任务进度."""
    if "month" in layout.columns or "report_date" in layout.columns:
        return KINDS["任务进度"]
    text = f"{title} {sheet_name} {Path(file_name).stem}"
    hints = guess_kind_from_text(text)
    for name in hints:
        if name in ("任务进度", "任务清单"):
            return KINDS[name]
    if month_from(title) is not None:
        return KINDS["任务进度"]
    return KINDS["任务清单"]


def _title_cell(job: SheetJob, needle: str) -> tuple[int | None, int | None]:
    for r in range(job.layout.header.row0):
        for c, v in enumerate(job.rows[r]):
            if needle in nfkc(v):
                return r, c
    return None, None


def _resolve_period(job: SheetJob, year: int | None) -> None:
    meta_year = job.meta.get("year")
    title_year = int(meta_year) if meta_year and meta_year.isdigit() else year_from(job.title)
    if title_year is None:
        title_year = year_from(job.grid.name) or year_from(Path(job.file).stem)
    if year is not None and title_year is not None and year != title_year:
        r, c = _title_cell(job, str(title_year))
        job.error(r, c, f"标题中的年度（{title_year}年）与指定的年度（{year}年）不一致", job.title or None)
    job.year = title_year if title_year is not None else year
    meta_month = job.meta.get("month")
    if meta_month and meta_month.isdigit():
        job.month = int(meta_month)
    elif job.kind.needs_month:
        job.month = month_from(job.title)
    if job.kind.needs_year and job.year is None and "year" not in job.layout.columns:
        job.error(None, None, "无法确定年度：请在标题中写明年份（如“2022年度…”）或用 --year 指定")
    if job.kind.needs_month and job.month is None and "month" not in job.layout.columns:
        job.error(None, None, "无法确定月份：请在标题中写明月份（如“2022年10月…”）或增加“月份”列")


# --- rows ---------------------------------------------------------------------------------


def _cell(row: list[Any], col0: int) -> Any:
    return unescape_text(row[col0]) if col0 < len(row) else ""


def read_value(col: Col, value: Any) -> tuple[Any, bool, str | None]:
    """(typed value, was a text number, warning) for one cell, or raises ValueProblem with a Chinese message.
    Depends on the value alone, so a column's repeated values are read once (collect_rows)."""
    t = col.type
    if isinstance(value, str) and value[:1] in ("#", "＃") and (t != "text" or value.__class__ is ExcelError):
        check_excel_error(value)  # an error cell anywhere; text spelling one where text cannot be meant
    if t in ("text", "station", "number"):
        if t == "number":
            return value, False, None
        return (clean_text(value) if isinstance(value, str) else display(value).strip()), False, None
    if t == "code":
        return parse_code(value), False, None
    if t == "int":
        return (*parse_count(value), None)
    if t == "float":
        return (*parse_float(value), None)
    if t == "rate":
        fraction, warning = parse_rate(value)
        return fraction, False, warning
    if t == "date":
        return parse_date(value), False, None
    if t == "month":
        return parse_month(value), False, None
    if t == "year":
        return parse_year(value), False, None
    if t == "bool":
        return parse_bool(value), False, None
    if t == "enum":
        text = squash(value)
        text = ENUM_SYNONYMS.get(col.field, {}).get(text, text)
        if col.field == "direction":
            text = ENUM_SYNONYMS["direction"].get(text, text)
        if text.upper() in col.choices:
            return text.upper(), False, None
        if text not in col.choices:
            raise ValueProblem("应为以下之一：" + "、".join(col.choices))
        return text, False, None
    raise AssertionError(t)


def parse_value(col: Col, value: Any, job: SheetJob, row0: int, col0: int, text_numbers: dict) -> Any:
    """A typed value for one cell, or raises ValueProblem with a Chinese message; counts text numbers and
    reports the cell's warning."""
    number, was_text, warning = read_value(col, value)
    if was_text:
        text_numbers[col0] = text_numbers.get(col0, 0) + 1
    if warning:
        job.warn(row0, col0, warning, value)
    return number


_BLANK, _VALUE, _PROBLEM = 0, 1, 2


def _read_cell(col: Col, cell: Any) -> tuple[int, Any, Any, bool, str | None]:
    """(outcome, raw, value or the problem's message, was a text number, warning) of one cell as stored."""
    raw = unescape_text(cell)
    if is_blank(raw):
        return _BLANK, raw, None, False, None
    try:
        return (_VALUE, raw, *read_value(col, raw))
    except ValueProblem as exc:
        return _PROBLEM, raw, str(exc), False, None


def _checked(read: tuple, check) -> tuple:
    """A cell's read with its column's date check applied (run once per distinct value, as the read is)."""
    if read[0] == _VALUE and read[2] is not None:
        problem = check(read[2])
        if problem:
            return _PROBLEM, read[1], problem, False, None
    return read


PROGRESS_ROWS = 100_000  # a progress line every so many rows


def collect_rows(job: SheetJob, today: dt.date | None = None, *, progress=None) -> None:
    """Classify rows and parse the cells of data rows (long kinds) into typed records. Dates past `today` or outside
    the register's year are problems unless the column holds a plan (checks.py). `progress(fraction, line)` hears
    of every PROGRESS_ROWS rows (core.Progress)."""
    layout = job.layout
    text_numbers: dict[int, int] = {}
    # the register's year bounds its dates; a sheet with a 年度 column gives each row its own year
    year = None if "year" in layout.columns else job.year
    # Per column, each distinct cell is read once (names, dates, methods repeat down a register; issue 8).
    # Keyed with the type too: 1, 1.0 and True are equal as dict keys but not as cells.
    fields = []
    for fname, col0 in layout.columns.items():
        seen: dict[tuple[type, Any], tuple] = {}
        column = job.kind.col(fname)
        check = date_check(job.kind.name, column, layout.header.name(col0), today=today, year=year)
        fields.append((fname, col0, column, seen, seen.get, check))
    long = job.kind.layout == "long"
    n_rows = len(job.rows)
    for row0 in range(layout.header.end, n_rows):
        row = job.rows[row0]
        if progress is not None and row0 and row0 % PROGRESS_ROWS == 0:
            progress(0.5 * row0 / n_rows, f"读取中：第{row0:,}行…")
        kind_of_row = row_kind(row)
        if kind_of_row in ("blank", "footer", "group"):
            continue
        if kind_of_row == "total":
            job.totals.append(row0)
            continue
        record = Record(row0, dict(layout.columns), {}, {})
        raws, values = record.raw, record.values
        filled = False
        width = len(row)
        for fname, col0, column, seen, seen_get, check in fields:
            cell = row[col0] if col0 < width else ""
            key = (cell.__class__, cell)
            read = seen_get(key)
            if read is None:
                read = _read_cell(column, cell)
                seen[key] = read = _checked(read, check) if check is not None else read
            outcome, raw, value, was_text, warning = read
            raws[fname] = raw
            if outcome == _VALUE:
                values[fname] = value
                filled = filled or value is not None
                if was_text:
                    text_numbers[col0] = text_numbers.get(col0, 0) + 1
                if warning:
                    job.warn(row0, col0, warning, raw)
                continue
            values[fname] = None
            if outcome == _BLANK:
                if column.required:
                    job.error(row0, col0, "不能为空")
            else:
                job.error(row0, col0, value, raw)
        if long and not filled:
            continue
        job.records.append(record)
    if progress is not None:
        progress(0.5, f"读取中：第{n_rows:,}行…")
    for col0, n in sorted(text_numbers.items()):
        job.warn(None, None, f"“{job.column_label(col0)}”列共{n}处文本型数字，已自动转换")
    if not job.records and not job.has_errors:
        job.error(None, None, header_only_message(job))


def header_only_message(job: SheetJob) -> str:
    """A register with its header and nothing under it: said so, not taken for data already imported."""
    where = "文件" if job.grid.name == "CSV" else f"工作表“{job.sheet}”"
    return f"{where}只有表头，没有数据行"
