"""Reading sheets: each visible sheet's kind, header and period, then its rows parsed into typed records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import itemgetter
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
    of every PROGRESS_ROWS rows (core.Progress).

    Column by column (issue 21): each distinct cell of a column is read once (names, dates, methods repeat down a
    register), and the column's values are then looked up for all its rows at once; the findings are put back in
    row order, as a reader goes down the sheet."""
    layout = job.layout
    rows = job.rows
    n_rows = len(rows)
    data_rows: list[int] = []  # row indices of the data rows
    for row0 in range(layout.header.end, n_rows):
        if progress is not None and row0 and row0 % PROGRESS_ROWS == 0:
            progress(0.2 * row0 / n_rows, f"读取中：第{row0:,}行…")
        kind_of_row = row_kind(rows[row0])
        if kind_of_row == "data":
            data_rows.append(row0)
        elif kind_of_row == "total":
            job.totals.append(row0)
    data = [rows[row0] for row0 in data_rows]
    # the register's year bounds its dates; a sheet with a 年度 column gives each row its own year
    year = None if "year" in layout.columns else job.year
    text_numbers: dict[int, int] = {}
    findings: list[tuple[int, int, bool, int, str, Any]] = []  # (data row, column position, error?, col0, …)
    names: list[str] = []
    raw_columns: list[list[Any]] = []
    value_columns: list[list[Any]] = []
    empty: set[int] | None = None  # data rows whose every value so far is None (a long kind leaves them out)
    for pos, (fname, col0) in enumerate(layout.columns.items()):
        if progress is not None and n_rows >= PROGRESS_ROWS:
            progress(0.2 + 0.3 * pos / len(layout.columns), f"读取中：第{pos + 1}/{len(layout.columns)}列…")
        column = job.kind.col(fname)
        got = _read_column(column, data, col0,
                           date_check(job.kind.name, column, layout.header.name(col0), today=today, year=year))
        keys, reads = got.keys, got.reads
        names.append(fname)
        raw_columns.append(got.cells if got.raws is None else list(map(got.raws.__getitem__, keys)))
        values = list(map(got.values.__getitem__, keys))
        value_columns.append(values)
        if empty is None:
            empty = {i for i, value in enumerate(values) if value is None}
        elif empty:
            empty = {i for i in empty if values[i] is None}
        texts = {key for key, read in reads.items() if read[0] == _VALUE and read[3]}
        if texts:
            text_numbers[col0] = text_numbers.get(col0, 0) + sum(1 for key in keys if key in texts)
        noted = {key for key, read in reads.items()
                 if read[0] == _PROBLEM or (read[0] == _BLANK and column.required) or read[4]}
        if noted:
            for i, key in enumerate(keys):
                if key in noted:
                    outcome, raw, value, _was_text, warning = reads[key]
                    if outcome == _VALUE:
                        findings.append((i, pos, False, col0, warning, raw))
                    elif outcome == _BLANK:
                        findings.append((i, pos, True, col0, "不能为空", None))
                    else:
                        findings.append((i, pos, True, col0, value, raw))
    for i, _pos, is_error, col0, message, raw in sorted(findings, key=lambda f: (f[0], f[1])):
        (job.error if is_error else job.warn)(data_rows[i], col0, message, raw)
    skip = (empty if empty is not None else set(range(len(data)))) if job.kind.layout == "long" else set()
    cells = dict(layout.columns)  # one map for every record: handlers only read it
    raw_rows = zip(*raw_columns, strict=True) if names else ((),) * len(data)
    value_rows = zip(*value_columns, strict=True) if names else ((),) * len(data)
    job.records.extend(Record(data_rows[i], cells, dict(zip(names, raw, strict=True)), dict(zip(names, values, strict=True)))
                       for i, (raw, values) in enumerate(zip(raw_rows, value_rows, strict=True)) if i not in skip)
    if progress is not None:
        progress(0.5, f"读取中：第{n_rows:,}行…")
    for col0, n in sorted(text_numbers.items()):
        job.warn(None, None, f"“{job.column_label(col0)}”列共{n}处文本型数字，已自动转换")
    if not job.records and not job.has_errors:
        job.error(None, None, header_only_message(job))


@dataclass
class ColumnRead:
    """One column of the data rows, each distinct cell read once."""

    cells: list[Any]  # as stored, one per data row
    keys: list[Any]  # one per data row: its key into the maps below (the cell itself when the column has one type)
    values: dict[Any, Any]  # key -> typed value; None for a blank cell or a problem
    raws: dict[Any, Any] | None  # key -> the cell unescaped (unescape_text); None when that is every cell as stored
    reads: dict[Any, tuple]  # key -> (outcome, raw, value or problem, was a text number, warning) of the cells read
    # one by one; a column read in bulk has none (every cell a value, no warning)


def _read_column(column: Col, data: list[list[Any]], col0: int, check) -> ColumnRead:
    """Each distinct cell of one column read once (with its date check). Keyed with the type too when the column
    holds several: 1, 1.0 and True are equal as dict keys but not as cells."""
    if data and min(map(len, data)) > col0:
        cells = list(map(itemgetter(col0), data))
    else:  # a short row (CSV, HTML) has nothing past its end
        cells = [row[col0] if col0 < len(row) else "" for row in data]
    types = set(map(type, cells))
    if len(types) == 1:  # the usual register column: all text, or all dates
        one_type = types.pop()
        keys: list[Any] = cells
        distinct = list(dict.fromkeys(cells))
        if one_type is str and check is None and (bulk := _BULK.get(column.type)) is not None:
            values = bulk(distinct)
            if values is not None:
                return ColumnRead(cells, keys, values, None, {})
        pairs = [(one_type, cell) for cell in distinct]
    else:
        keys = list(zip(map(type, cells), cells, strict=True))
        pairs = distinct = list(dict.fromkeys(keys))
    reads = {}
    for key, (_type, cell) in zip(distinct, pairs, strict=True):
        read = _read_cell(column, cell)
        reads[key] = _checked(read, check) if check is not None else read
    raws = None if all(read[1] is cell for (_type, cell), read in zip(pairs, reads.values(), strict=True)) else \
        {key: read[1] for key, read in reads.items()}
    values = {key: read[2] if read[0] == _VALUE else None for key, read in reads.items()}
    return ColumnRead(cells, keys, values, raws, reads)


def _bulk_code(cells: list[str]) -> dict[str, str] | None:
    """A code column's distinct cells read at once when all are ASCII letters and digits (record numbers, 信用代码,
    most business codes): nothing to unescape, blank, an error cell or for NFKC to change; each code upper-cased
    (parse_code). None: some other text, read one by one."""
    if all(map(str.isalnum, cells)) and all(map(str.isascii, cells)):
        return dict(zip(cells, map(str.upper, cells), strict=True))
    return None


def _bulk_text(cells: list[str]) -> dict[str, str] | None:
    """A text column's distinct cells read at once (names, units), each cleaned (clean_text), when none is blank
    once cleaned or starts with an apostrophe (unescape_text) or # (an error cell's spelling). None: read one by
    one."""
    if any(cell[:1] in _SLOW_START for cell in cells):
        return None
    cleaned = list(map(clean_text, cells))
    return dict(zip(cells, cleaned, strict=True)) if all(cleaned) else None


_SLOW_START = ("'", "#", "＃", "")
# Columns read in bulk, by type: a 100k-row register has some 260k distinct cells, most of them codes and names
# (issue 21).
_BULK = {"code": _bulk_code, "text": _bulk_text, "station": _bulk_text}


def header_only_message(job: SheetJob) -> str:
    """A register with its header and nothing under it: said so, not taken for data already imported."""
    where = "文件" if job.grid.name == "CSV" else f"工作表“{job.sheet}”"
    return f"{where}只有表头，没有数据行"
