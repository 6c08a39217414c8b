"""The importer: find each sheet's kind and header, validate every row, then write all files in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.changelog import Writer
from db.changes import logged
from db.engine import bump_data_version
from db.models import ImportBatch, ImportChange
from db.settings import get_settings
from seed.importer import handlers
from seed.importer.conflicts import ClaimingWriter, Claims
from seed.importer.job import SheetJob
from seed.importer.kinds import APPLY_ORDER, KINDS
from seed.importer.reader import FileRejected, Workbook, read_workbook
from seed.importer.report import MAX_CHANGES, Change, FileResult, Finding, ImportResult
from seed.importer.sheets import ANNOTATION_SHEET, META_SHEET, collect_rows, plan_sheets

__all__ = ["ANNOTATION_SHEET", "META_SHEET", "Change", "FileResult", "Finding", "ImportResult", "import_files",
           "import_paths", "table_label"]


Progress = Callable[[float, str], None]  # (fraction done, a Chinese line)


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


def _changes(session: Session, batches: dict[str, ImportBatch], limit: int | None = None):
    """The change log the writers flushed for these batches, as (file name, db.changes.Logged), in write order."""
    files = {b.id: b.file_name for b in batches.values()}
    for change in logged(session, list(files), limit=limit):
        yield files[change.batch_id], change


def _check_station_scope(session: Session, batches: dict[str, ImportBatch], report: ImportResult,
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


def duplicate_message(name: str, first: str) -> str:
    """The hint for a file given twice (the same name and content) or the same content under another name."""
    if name == first:
        return f"“{name}”选择了两次，内容相同，只导入一次"
    return f"“{name}”与“{first}”内容相同，只导入一次"


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
    before_commit: Callable[[Session, ImportResult], None] | None = None,
    size_cap_mb: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every file; write nothing if anything is wrong; else write all files in one transaction.

    `station_scope`: a station's own import — a row naming another station is an error, and so is any written row
    not of that station. `allowed_kinds`: a sheet of another kind is an error. `collect_changes` (default: in a dry
    run) puts the rows written, before and after, on `report.changes`. `before_commit(session, report)` runs in the
    import's transaction just before it commits (batch ids are set): the web page writes its audit row there.
    `size_cap_mb`: each file's size cap (default MAX_UPLOAD_MB; the command line passes MAX_IMPORT_MB).
    `progress(fraction, line)`: called as the import goes, with a Chinese line (读取中：第200,000行… / 写入中：40%… / 正在提交…).

    The collector is paused while the import runs: a large register makes millions of small objects that live to
    the end, and each full collection would walk them all again."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _import_files(files, engine=engine, year=year, dry_run=dry_run, user=user, kind=kind, is_demo=is_demo,
                             today=today, station_scope=station_scope, report_date=report_date,
                             keep_content=keep_content, allowed_kinds=allowed_kinds, collect_changes=collect_changes,
                             before_commit=before_commit, size_cap_mb=size_cap_mb, progress=progress)
    finally:
        if paused:
            gc.enable()


def _import_files(files, *, engine, year, dry_run, user, kind, is_demo, today, station_scope, report_date,
                  keep_content, allowed_kinds, collect_changes, before_commit, size_cap_mb,
                  progress: Progress | None) -> ImportResult:
    report = ImportResult(dry_run=dry_run)
    if collect_changes is None:
        collect_changes = dry_run
    workbooks: list[tuple[Workbook, FileResult, bytes]] = []
    first_by_content: dict[str, FileResult] = {}
    for name, data in files:
        fr = FileResult(name=name, sha256=hashlib.sha256(data).hexdigest())
        report.files.append(fr)
        first = first_by_content.get(fr.sha256)
        if first is not None:  # the same file twice, or the same content under another name: read once
            fr.duplicate_of = first.name
            report.findings.append(Finding("提示", name, None, None, None, None, duplicate_message(fr.name, first.name)))
            continue
        first_by_content[fr.sha256] = fr
        if progress is not None:
            progress(0.0, f"读取中：{name}…")
        try:
            wb = read_workbook(data, name, size_cap_mb)
        except FileRejected as exc:
            fr.rejected = str(exc)
            continue
        workbooks.append((wb, fr, data))
        note = wb.content_note()
        if note:
            report.findings.append(Finding("提示", name, None, None, None, None, note))
    if report.rejected:
        return report

    today = today or get_settings().as_of or dt.date.today()  # the clock: AS_OF when it is set
    group = uuid.uuid4().hex[:12]
    with Session(engine) as session:
        try:
            if engine.dialect.name == "sqlite":  # a larger page cache for this import's connection (about 256 MB)
                session.execute(text("PRAGMA cache_size = -262144"))
            jobs: list[tuple[SheetJob, FileResult]] = []
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
            for fr in report.files:
                if fr.duplicate_of is not None:
                    fr.kinds = list(first_by_content[fr.sha256].kinds)
            batches: dict[str, ImportBatch] = {}  # by content: a duplicate of another file gets none
            for _wb, fr, data in workbooks:
                first = next((j for j, f in jobs if f is fr), None)
                batch = ImportBatch(
                    file_name=fr.name, sha256=fr.sha256, kind="、".join(dict.fromkeys(fr.kinds)) or "未识别",
                    sheet="、".join(fr.sheets) or None, year=first.year if first else None,
                    month=first.month if first else None, user=user, group_id=group,
                    content=data if keep_content else None,
                )
                session.add(batch)
                batches[fr.sha256] = batch
            session.flush()
            for _wb, fr, _data in workbooks:
                fr.batch_id = batches[fr.sha256].id
            claims = Claims() if len(workbooks) > 1 else None
            for job, fr in sorted(jobs, key=lambda jf: _sort_key(jf[0])):
                if job.has_errors and not job.records:
                    continue
                collect_rows(job, today, progress=progress)
                batch = batches[fr.sha256]
                writer = (Writer(session, batch, is_demo=is_demo) if claims is None else ClaimingWriter(
                    session, batch, is_demo=is_demo, claims=claims, file=fr.name, owner=fr.sha256))
                writer.progress = progress
                handlers.HANDLERS[job.kind.name](job, writer, session, today)
                writer.flush()
                fr.counts.new += job.counts.new
                fr.counts.updated += job.counts.updated
                fr.counts.unchanged += job.counts.unchanged
            if claims is not None:
                report.findings.extend(claims.findings(session, table_label))
            if station_scope is not None:
                _check_station_scope(session, batches, report, station_scope)
            if collect_changes:
                for file_name, change in _changes(session, batches, limit=MAX_CHANGES + 1):
                    if len(report.changes) >= MAX_CHANGES:
                        report.changes_truncated = True
                        break
                    report.changes.append(Change(file_name, change.table_name, change.row_id, change.before,
                                                 change.after))
            warnings_by_file: dict[str, list[str]] = defaultdict(list)
            for f in report.warnings:
                warnings_by_file[f.file].append(f.line())
            for _wb, fr, _data in workbooks:
                batch = batches[fr.sha256]
                batch.n_new, batch.n_updated, batch.n_unchanged = fr.counts.new, fr.counts.updated, fr.counts.unchanged
                batch.warnings = warnings_by_file.get(fr.name, [])
                batch.n_warnings = len(batch.warnings)
            if report.errors or dry_run or not report.changed:
                session.rollback()
                for fr in report.files:
                    fr.batch_id = None
                return report
            for _wb, fr, _data in workbooks:
                batch = batches[fr.sha256]
                logged = session.exec(select(ImportChange.id).where(ImportChange.batch_id == batch.id)).first()
                if not (fr.counts.new or fr.counts.updated) and logged is None:  # rows it wrote keep their batch
                    session.delete(batch)
                    fr.batch_id = None
            bump_data_version(session)
            if progress is not None:
                progress(1.0, "正在提交…")
            if before_commit is not None:
                before_commit(session, report)
            session.commit()
            report.committed = True
            return report
        except BaseException:
            session.rollback()
            raise
        finally:
            if engine.dialect.name == "sqlite":  # the pooled connection goes back with the usual cache
                with contextlib.suppress(Exception):  # a broken connection: the pool discards it anyway
                    session.execute(text("PRAGMA cache_size = -2000"))
                    session.rollback()


def import_paths(paths: list[str | Path], **kwargs) -> ImportResult:
    files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    return import_files(files, **kwargs)
