"""The importer: find each sheet's kind and header, validate every row, then write all files in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from db.changelog import Counts, Writer
from db.engine import bump_data_version
from db.models import ImportBatch, ImportChange, TaskIndicator
from seed.importer import handlers
from seed.importer.grid import (
    Layout,
    cell_ref,
    expand_merged,
    find_layout,
    guess_kind_from_text,
    indicator_names,
    month_from,
    row_kind,
    title_text,
    year_from,
)
from seed.importer.kinds import APPLY_ORDER, ENUM_SYNONYMS, KINDS, Col, Kind
from seed.importer.reader import FileRejected, SheetGrid, Workbook, read_workbook
from seed.importer.values import (
    ValueProblem,
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


@dataclass
class Finding:
    level: str  # 错误 / 提示
    file: str
    sheet: str | None
    cell: str | None
    column: str | None
    value: Any
    message: str

    def line(self) -> str:
        where = self.file
        if self.sheet is not None:
            where += f" › {self.sheet}"
            if self.cell:
                where += f"!{self.cell}"
                if self.column:
                    where += f"（{self.column}）"
        text = f"{where}：{self.message}"
        if self.value is not None and display(self.value) != "":
            text += f"（原值：{display(self.value)}）"
        return text


@dataclass
class Record:
    row0: int
    cells: dict[str, int]  # field -> column index
    raw: dict[str, Any]
    values: dict[str, Any]


@dataclass
class SheetJob:
    """One sheet to import, with everything its handler needs."""

    file: str
    grid: SheetGrid
    rows: list[list[Any]]
    layout: Layout
    kind: Kind
    title: str
    year: int | None
    month: int | None
    meta: dict[str, str]
    findings: list[Finding]
    records: list[Record] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # row indices of 合计/小计 rows
    counts: Counts = field(default_factory=Counts)
    report_date: dt.date | None = None
    station_scope: int | None = None

    @property
    def sheet(self) -> str:
        return self.grid.name

    def column_label(self, col0: int) -> str:
        return self.layout.header.name(col0) or cell_ref(0, col0).rstrip("1")

    def error(self, row0: int | None, col0: int | None, message: str, value: Any = None) -> None:
        self._add("错误", row0, col0, message, value)

    def warn(self, row0: int | None, col0: int | None, message: str, value: Any = None) -> None:
        self._add("提示", row0, col0, message, value)

    def _add(self, level: str, row0, col0, message, value) -> None:
        cell = cell_ref(row0, col0) if row0 is not None and col0 is not None else None
        column = None
        if col0 is not None:
            column = "标题" if row0 is not None and row0 < self.layout.header.row0 else self.column_label(col0)
        self.findings.append(Finding(level, self.file, self.sheet, cell, column, value, message))

    @property
    def has_errors(self) -> bool:
        return any(f.level == "错误" and f.sheet == self.sheet and f.file == self.file for f in self.findings)


@dataclass
class FileReport:
    name: str
    sha256: str
    kinds: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    batch_id: int | None = None
    previous_batch: int | None = None
    rejected: str | None = None


@dataclass
class Change:
    """One row an import writes (or, in a dry run, would write): the change log's before and after."""

    file: str
    table: str
    row_id: int
    before: dict[str, Any] | None  # None: a new row
    after: dict[str, Any] | None  # None: a deleted row


# Rows kept on a report for the preview; the station check below looks at every row regardless.
MAX_CHANGES = 20_000


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)  # filled in a dry run, or with collect_changes=True
    changes_truncated: bool = False  # more than MAX_CHANGES rows changed; `changes` holds the first ones

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "错误"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "提示"]

    @property
    def rejected(self) -> list[FileReport]:
        return [f for f in self.files if f.rejected]

    @property
    def exit_code(self) -> int:
        if self.rejected:
            return 2
        if self.errors:
            return 1
        return 0

    @property
    def changed(self) -> bool:
        return any(f.counts.new or f.counts.updated for f in self.files)

    def summary_lines(self) -> list[str]:
        lines = []
        for f in self.files:
            if f.rejected:
                lines.append(f.rejected)
                continue
            what = "、".join(dict.fromkeys(f.kinds)) or "未识别"
            line = f"{f.name}（{what}）：新增{f.counts.new}，更新{f.counts.updated}，未变{f.counts.unchanged}"
            if f.batch_id:
                line += f"，批次 #{f.batch_id}"
            lines.append(line)
            if f.previous_batch and not (f.counts.new or f.counts.updated):
                lines.append(f"{f.name}：该文件已于批次 #{f.previous_batch} 导入，内容没有变化，未做任何更改")
        n_err, n_warn = len(self.errors), len(self.warnings)
        if self.rejected:
            lines.append("文件无法读取，未写入任何数据")
        elif n_err:
            lines.append(f"共{n_err}处错误、{n_warn}处提示：未写入任何数据，请修改后重新导入")
        elif self.dry_run:
            lines.append(f"试导入完成（未写入）：{n_warn}处提示")
        elif not self.changed:
            lines.append("数据没有变化，未做任何更改")
        else:
            lines.append(f"导入完成：{n_warn}处提示")
        return lines


# --- reading sheets ---------------------------------------------------------------------


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
    if t in ("text", "station", "number"):
        if t == "number":
            return value, False, None
        return (display(value).strip() if not isinstance(value, str) else value.strip()), False, None
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


def collect_rows(job: SheetJob) -> None:
    """Classify rows and parse the cells of data rows (long kinds) into typed records."""
    layout = job.layout
    text_numbers: dict[int, int] = {}
    # Per column, each distinct cell is read once (names, dates, methods repeat down a register; issue 8).
    # Keyed with the type too: 1, 1.0 and True are equal as dict keys but not as cells.
    fields = []
    for fname, col0 in layout.columns.items():
        seen: dict[tuple[type, Any], tuple] = {}
        fields.append((fname, col0, job.kind.col(fname), seen, seen.get))
    long = job.kind.layout == "long"
    for row0 in range(layout.header.end, len(job.rows)):
        row = job.rows[row0]
        kind_of_row = row_kind(row)
        if kind_of_row in ("blank", "footer"):
            continue
        if kind_of_row == "total":
            job.totals.append(row0)
            continue
        record = Record(row0, dict(layout.columns), {}, {})
        raws, values = record.raw, record.values
        filled = False
        width = len(row)
        for fname, col0, column, seen, seen_get in fields:
            cell = row[col0] if col0 < width else ""
            key = (cell.__class__, cell)
            read = seen_get(key)
            if read is None:
                read = seen[key] = _read_cell(column, cell)
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
    for col0, n in sorted(text_numbers.items()):
        job.warn(None, None, f"“{job.column_label(col0)}”列共{n}处文本型数字，已自动转换")


# --- the import -------------------------------------------------------------------------


def _sort_key(job: SheetJob) -> int:
    return APPLY_ORDER.index(job.kind.name)


# Tables as the messages name them: the kinds' main tables and the rows they write alongside.
TABLE_LABELS = {"task_indicator": "指标列", "monthly_submission": "上报记录", "township": "镇街",
                "task_unit": "责任单位", "member_unit": "成员单位"}


def table_label(table: str) -> str:
    for kind in KINDS.values():
        if kind.table == table:
            return kind.name
    return TABLE_LABELS.get(table, table)


def _changes(session: Session, batches: dict[str, ImportBatch]):
    """The change log the writers flushed for these batches, as (file name, ImportChange), in write order."""
    files = {b.id: b.file_name for b in batches.values()}
    stmt = (select(ImportChange).where(col(ImportChange.batch_id).in_(list(files)))
            .order_by(ImportChange.id).execution_options(yield_per=1000))
    for change in session.exec(stmt):
        yield files[change.batch_id], change


def _check_station_scope(session: Session, batches: dict[str, ImportBatch], report: ImportReport,
                         station_scope: int) -> None:
    """A station's import may change only rows of that station: a row of another station, or a row no station
    owns (a new indicator column, a station's own record), is an error and nothing is written."""
    refused: dict[tuple[str, str], int] = defaultdict(int)
    for file_name, change in _changes(session, batches):
        row = change.after or change.before or {}
        if row.get("station_id") != station_scope:
            refused[(file_name, change.table_name)] += 1
    for (file_name, table), n in refused.items():
        report.findings.append(Finding(
            "错误", file_name, None, None, None, None,
            f"监管所账号只能导入本所的数据：本文件会修改{n}条“{table_label(table)}”记录，不属于本所，已拒绝"))


def import_files(
    files: list[tuple[str, bytes]],
    *,
    engine: Engine,
    year: int | None = None,
    dry_run: bool = False,
    user: str | None = None,
    kind: str | None = None,
    is_demo: bool = False,
    today: dt.date | None = None,
    station_scope: int | None = None,
    report_date: dt.date | None = None,
    keep_content: bool = True,
    allowed_kinds: Collection[str] | None = None,
    collect_changes: bool | None = None,
    before_commit: Callable[[Session, ImportReport], None] | None = None,
) -> ImportReport:
    """Validate every file; write nothing if anything is wrong; else write all files in one transaction.

    `station_scope`: a station's own import — a row naming another station is an error, and so is any written row
    not of that station. `allowed_kinds`: a sheet of another kind is an error. `collect_changes` (default: in a dry
    run) puts the rows written, before and after, on `report.changes`. `before_commit(session, report)` runs in the
    import's transaction just before it commits (batch ids are set): the web page writes its audit row there."""
    report = ImportReport(dry_run=dry_run)
    if collect_changes is None:
        collect_changes = dry_run
    workbooks: list[tuple[Workbook, FileReport, bytes]] = []
    for name, data in files:
        fr = FileReport(name=name, sha256=hashlib.sha256(data).hexdigest())
        report.files.append(fr)
        try:
            workbooks.append((read_workbook(data, name), fr, data))
        except FileRejected as exc:
            fr.rejected = str(exc)
    if report.rejected:
        return report

    today = today or dt.date.today()
    group = uuid.uuid4().hex[:12]
    with Session(engine) as session:
        try:
            jobs: list[tuple[SheetJob, FileReport]] = []
            for wb, fr, _data in workbooks:
                previous = session.exec(
                    select(ImportBatch.id).where(ImportBatch.sha256 == fr.sha256, ImportBatch.status == "已导入")
                    .order_by(ImportBatch.id.desc())
                ).first()
                fr.previous_batch = previous
                for job in plan_sheets(wb, session=session, year=year, forced_kind=kind, findings=report.findings):
                    if allowed_kinds is not None and job.kind.name not in allowed_kinds:
                        report.findings.append(Finding(
                            "错误", wb.file_name, job.sheet, None, None, None,
                            f"当前账号不能导入“{job.kind.name}”，可导入：{'、'.join(allowed_kinds) or '无'}"))
                        fr.kinds.append(job.kind.name)
                        continue
                    job.station_scope = station_scope
                    job.report_date = report_date
                    jobs.append((job, fr))
                    fr.kinds.append(job.kind.name)
                    fr.sheets.append(job.sheet)
            batches: dict[str, ImportBatch] = {}
            for _wb, fr, data in workbooks:
                first = next((j for j, f in jobs if f is fr), None)
                batch = ImportBatch(
                    file_name=fr.name, sha256=fr.sha256, kind="、".join(dict.fromkeys(fr.kinds)) or "未识别",
                    sheet="、".join(fr.sheets) or None, year=first.year if first else None,
                    month=first.month if first else None, user=user, group_id=group,
                    content=data if keep_content else None,
                )
                session.add(batch)
                batches[fr.name + fr.sha256] = batch
            session.flush()
            for fr in report.files:
                fr.batch_id = batches[fr.name + fr.sha256].id
            for job, fr in sorted(jobs, key=lambda jf: _sort_key(jf[0])):
                if job.has_errors and not job.records:
                    continue
                collect_rows(job)
                batch = batches[fr.name + fr.sha256]
                writer = Writer(session, batch, is_demo=is_demo)
                handlers.HANDLERS[job.kind.name](job, writer, session, today)
                writer.flush()
                fr.counts.new += job.counts.new
                fr.counts.updated += job.counts.updated
                fr.counts.unchanged += job.counts.unchanged
            if station_scope is not None:
                _check_station_scope(session, batches, report, station_scope)
            if collect_changes:
                for file_name, change in _changes(session, batches):
                    if len(report.changes) >= MAX_CHANGES:
                        report.changes_truncated = True
                        break
                    report.changes.append(Change(file_name, change.table_name, change.row_id, change.before,
                                                 change.after))
            warnings_by_file: dict[str, list[str]] = defaultdict(list)
            for f in report.warnings:
                warnings_by_file[f.file].append(f.line())
            for fr in report.files:
                batch = batches[fr.name + fr.sha256]
                batch.n_new, batch.n_updated, batch.n_unchanged = fr.counts.new, fr.counts.updated, fr.counts.unchanged
                batch.warnings = warnings_by_file.get(fr.name, [])
                batch.n_warnings = len(batch.warnings)
            if report.errors or dry_run or not report.changed:
                session.rollback()
                for fr in report.files:
                    fr.batch_id = None
                return report
            for fr in report.files:
                if not (fr.counts.new or fr.counts.updated):
                    session.delete(batches[fr.name + fr.sha256])
                    fr.batch_id = None
            bump_data_version(session)
            if before_commit is not None:
                before_commit(session, report)
            session.commit()
            report.committed = True
            return report
        except BaseException:
            session.rollback()
            raise


def import_paths(paths: list[str | Path], **kwargs) -> ImportReport:
    files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    return import_files(files, **kwargs)
