"""数据导入 and 导入记录 without Streamlit: which kinds a user may import, the dry run and the commit through the
importer (a 监管所 account: its own station's rows of its own kinds only), the preview of what an import changes
per station and indicator, the batches a role may see, a batch's original file, and undo.

A batch belongs to the account that wrote it (ImportBatch.user, a username): a 监管所 account sees the batches of
the accounts of its station — its files and its 数据填报 saves — and no other. The office and the leaders see every
batch; only the office (导入记录 act) undoes one.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from db import models as m
from db.changes import logged
from db.engine import get_engine
from db.settings import get_settings
from seed.importer import (
    Change,
    FileRejected,
    ImportResult,
    UndoRefused,
    UnknownBatch,
    import_files,
    undo_batch,
)
from seed.importer.annotate import annotate_file, annotated_name
from seed.importer.core import Progress, table_label
from seed.importer.kinds import KINDS
from seed.importer.values import display
from services import accounts
from services.entry import ENTRY_PREFIX
from services.rules.permissions import (
    ACT,
    STATION_IMPORT_KINDS,
    allows,
    require_account,
    station_scope,
)
from services.rules.viewer import Viewer
from services.scope import scope
from services.unit import unit_of_work

# What the pages (components.import_view) use of the importer, so they need not reach into seed/.
__all__ = ["KINDS", "FileRejected", "UndoRefused", "annotate_file", "annotated_name"]

IMPORT_PAGE, LOG_PAGE = "数据导入", "导入记录"
MAX_FILES = 20  # files in one upload: the bytes are held in the session until the import is confirmed
MAX_TOTAL_MB = 100  # all files of one upload together (each one is also held to MAX_UPLOAD_MB by the importer)
LOG_LIMIT = 500  # batches the 导入记录 page lists (newest first)
DIFF_CHARS = 300  # characters of a changed row's description in the preview

MSG_NOT_KIND = "当前账号不能导入“{kind}”，可导入：{kinds}"
MSG_TOO_MANY = "一次最多导入{n}个文件，请分批导入"
MSG_NO_FILES = "请先选择要导入的文件"
MSG_TOO_BIG = "本次上传的文件合计{size:.1f} MB，超过{cap} MB，请分批导入"
MSG_OTHER_BATCH = "监管所账号只能查看本所的导入批次"
MSG_NO_BATCH = "批次 #{batch_id} 不存在"
MSG_NO_CONTENT = "批次 #{batch_id} 未保存原始文件"

Files = Sequence[tuple[str, bytes]]

# Tables whose rows are figures: (value column, the column naming the indicator, which table names it).
FIGURES = {
    "station_target": ("target", "indicator_id", "indicator"),
    "station_progress": ("cumulative", "indicator_id", "indicator"),
    "kpi_reading": ("value", "kpi_id", "kpi"),
}
# Tables of a station's monthly counts, one column per figure (风险隐患 when registered): each numeric column of
# the kind writing the table is an 指标 of its own.
COUNT_TABLES = ("hazard_report",)
FIGURE_COLUMNS = ["文件", "类型", "监管所", "指标", "期间", "单位", "现值", "导入后", "变化", "操作"]
OTHER_COLUMNS = ["文件", "类型", "操作", "监管所", "对象", "内容"]
SUMMARY_COLUMNS = ["文件", "类型", "新增", "更新", "未变", "错误", "提示", "批次", "说明"]
FINDING_COLUMNS = ["文件", "工作表", "单元格", "列", "原值", "说明"]
LOG_COLUMNS = ["batch_id", "created_at", "user", "file_name", "kind", "year", "month", "sha256", "n_new",
               "n_updated", "n_unchanged", "n_warnings", "status", "undone_at", "has_content", "source"]
# Lineage and bookkeeping columns never shown as a change.
QUIET = frozenset({"id", "batch_id", "src_sheet", "src_row", "is_demo"})
# Columns that name a row, in the order tried.
LABEL_FIELDS = ("name", "title", "code", "focus", "content", "description", "key", "time_text", "number")


# --- who may import what ------------------------------------------------------------------------


def max_upload_mb() -> int:
    """The importer's cap on one file (MAX_UPLOAD_MB)."""
    return get_settings().max_upload_mb


def importable_kinds(viewer: Viewer) -> list[str]:
    """The kinds this viewer may import, in the registry's order: a 监管所 account its station kinds
    (permissions.STATION_IMPORT_KINDS, those registered), the office every kind. PermissionError for other roles."""
    require_account(viewer, IMPORT_PAGE, ACT)
    if station_scope(viewer) is not None:
        return [k for k in KINDS if k in STATION_IMPORT_KINDS]
    return list(KINDS)


@unit_of_work
def template(kind: str, *, session: Session | None = None, viewer: Viewer, year: int | None = None,
             month: int | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the fill-in workbook of a kind this account may import; the period is written in
    only for kinds that need it. A 监管所 account's wide template lists its own station only."""
    from seed.templates import template_bytes, template_filename

    kinds = importable_kinds(viewer)
    if kind not in kinds:
        raise PermissionError(MSG_NOT_KIND.format(kind=kind, kinds="、".join(kinds)))
    k = KINDS[kind]
    year = year if k.needs_year else None
    month = month if k.needs_month else None
    content = template_bytes(kind, session=session, year=year, month=month)
    own = station_scope(viewer)
    if own is not None and k.layout == "wide":
        station = session.get(m.Station, own)
        content = _only_station(content, station.name if station else "")
    return template_filename(kind, year, month), content


def _only_station(content: bytes, station: str) -> bytes:
    """Keep one prefilled station row in a wide template (our own workbook, so opened in-process): a station
    account uploading rows of other stations, even empty ones, is refused by the importer."""
    from openpyxl import load_workbook

    from seed.templates import FIRST_ROW

    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    for r in range(FIRST_ROW, ws.max_row + 1):
        ws.cell(r, 1).value = None
    ws.cell(FIRST_ROW, 1).value = station
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the dry run and the import ------------------------------------------------------------------


def _prepare(files: Files, viewer: Viewer) -> dict[str, Any]:
    """The importer's arguments for this viewer; PermissionError / ValueError before anything is read."""
    kinds = importable_kinds(viewer)
    if not files:
        raise ValueError(MSG_NO_FILES)
    if len(files) > MAX_FILES:
        raise ValueError(MSG_TOO_MANY.format(n=MAX_FILES))
    total = sum(len(content) for _, content in files)
    if total > MAX_TOTAL_MB * 2**20:
        raise ValueError(MSG_TOO_BIG.format(size=total / 2**20, cap=MAX_TOTAL_MB))
    own = station_scope(viewer)
    return {"user": viewer.username, "station_scope": own,
            "allowed_kinds": kinds if own is not None else None}


def check(files: Files, *, viewer: Viewer, engine: Engine | None = None,
          today: dt.date | None = None, progress: Progress | None = None) -> ImportResult:
    """The dry run: every file read and checked, the rows it would write on report.changes, nothing written.
    `progress(fraction, line)` hears how far it has got (the page's progress bar)."""
    args = _prepare(files, viewer)
    return import_files([(n, bytes(d)) for n, d in files], engine=engine or get_engine(), dry_run=True, today=today,
                        progress=progress, **args)


def commit(files: Files, *, viewer: Viewer, engine: Engine | None = None,
           today: dt.date | None = None, progress: Progress | None = None) -> ImportResult:
    """The import: all files in one transaction (or nothing, if any has an error), audited (导入, with the viewer's
    client) in that same transaction; data_version moves. report.changes holds the rows written."""
    args = _prepare(files, viewer)

    def audit(session: Session, report: ImportResult) -> None:
        done = [f for f in report.files if f.batch_id]
        accounts.audit(session=session, viewer=viewer, action="导入", target="、".join(f.name for f in done),
                       detail={"批次": [f.batch_id for f in done], "类型": "、".join(dict.fromkeys(
                           k for f in done for k in f.kinds)),
                               "新增": sum(f.counts.new for f in done), "更新": sum(f.counts.updated for f in done),
                               "未变": sum(f.counts.unchanged for f in done), "提示": len(report.warnings)})

    return import_files([(n, bytes(d)) for n, d in files], engine=engine or get_engine(), dry_run=False,
                        today=today, collect_changes=True, before_commit=audit, progress=progress, **args)


def summary_frame(report: ImportResult) -> pd.DataFrame:
    """One row per file: its kinds, rows new / updated / unchanged, errors, warnings, batch and a note."""
    rows = []
    for f in report.files:
        errors = sum(1 for x in report.errors if x.file == f.name)
        warnings = sum(1 for x in report.warnings if x.file == f.name)
        if f.rejected:
            note = f.rejected
        elif f.duplicate_of is not None:
            note = f"与“{f.duplicate_of}”内容相同，只导入一次"
        elif f.previous_batch and not (f.counts.new or f.counts.updated):
            note = f"该文件已于批次 #{f.previous_batch} 导入，内容没有变化"
        else:
            note = ""
        rows.append((f.name, "、".join(dict.fromkeys(f.kinds)) or ("无法读取" if f.rejected else "未识别"),
                     f.counts.new, f.counts.updated, f.counts.unchanged, errors + (1 if f.rejected else 0),
                     warnings, f"#{f.batch_id}" if f.batch_id else "", note))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def findings_frame(findings: Iterable[Any]) -> pd.DataFrame:
    """Findings as the user finds them in Excel: 文件, 工作表, 单元格 (e.g. C5), 列 (its header), 原值, 说明."""
    rows = [(f.file, f.sheet or "", f.cell or "", f.column or "", "" if f.value is None else display(f.value),
             f.message) for f in findings]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


# --- what an import changes ------------------------------------------------------------------------


class _Names:
    """Names of the stations, indicators and KPIs the changes refer to: from the changes themselves first (rows
    a dry run added and rolled back exist nowhere else), then from the database."""

    def __init__(self, session: Session, changes: list[Change]):
        self.station: dict[int, str] = {}
        self.indicator: dict[int, tuple[str, str]] = {}
        self.kpi: dict[int, tuple[str, str]] = {}
        self.order: dict[tuple[str, int], tuple[int, int]] = {}  # (table, id) → (sort_order, id), as the pages list
        ids: dict[str, set[int]] = {"station": set(), "indicator": set(), "kpi": set()}
        for c in changes:
            row = c.after or c.before or {}
            if c.table == "station" and row.get("name"):
                self.station[c.row_id] = str(row["name"])
                self.order[("station", c.row_id)] = (int(row.get("sort_order") or 0), c.row_id)
            elif c.table == "task_indicator" and row.get("code"):
                self.indicator[c.row_id] = (str(row["code"]), str(row.get("unit") or ""))
                self.order[("indicator", c.row_id)] = (int(row.get("sort_order") or 0), c.row_id)
            elif c.table == "kpi" and row.get("name"):
                self.kpi[c.row_id] = (str(row["name"]), str(row.get("unit") or ""))
            if row.get("station_id") is not None:
                ids["station"].add(int(row["station_id"]))
            if c.table in FIGURES:
                ref = row.get(FIGURES[c.table][1])
                if ref is not None:
                    ids[FIGURES[c.table][2]].add(int(ref))
        # Bounded by the changes: at most one lookup per distinct id they name.
        st, ti, k = m.Station, m.TaskIndicator, m.Kpi
        want = ids["station"] - self.station.keys()
        if want:
            for i, name, order in session.exec(select(st.id, st.name, st.sort_order).where(col(st.id).in_(want))):
                self.station[i] = name
                self.order[("station", i)] = (order, i)
        want = ids["indicator"] - self.indicator.keys()
        if want:
            for i, code, unit, order in session.exec(select(ti.id, ti.code, ti.unit, ti.sort_order)
                                                     .where(col(ti.id).in_(want))):
                self.indicator[i] = (code, unit)
                self.order[("indicator", i)] = (order, i)
        want = ids["kpi"] - self.kpi.keys()
        if want:
            for i, name, unit in session.exec(select(k.id, k.name, k.unit).where(col(k.id).in_(want))):
                self.kpi[i] = (name, unit)

    def sort_key(self, table: str, ref: Any) -> tuple[int, int]:
        if ref is None:
            return (-1, -1)
        return self.order.get((table, int(ref)), (10**9, int(ref)))

    def station_of(self, row: Mapping[str, Any]) -> str:
        sid = row.get("station_id")
        return "" if sid is None else self.station.get(int(sid), f"编号 {sid}")


def _count_fields(table: str) -> list[tuple[str, str]]:
    """(column, header) of the numeric columns of a count table's kind; none for other tables."""
    if table not in COUNT_TABLES:
        return []
    kind = next((k for k in KINDS.values() if k.table == table), None)
    return [(c.field, c.label) for c in kind.columns if c.type in ("int", "float")] if kind else []


def _operation(c: Change) -> str:
    return "新增" if c.before is None else ("删除" if c.after is None else "更新")


def _period(row: Mapping[str, Any]) -> str:
    year, month = row.get("year"), row.get("month")
    if year and month:
        return f"{year}年{month}月"
    return f"{year}年" if year else ""


def _number(value: Any) -> float:
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


_FIELD_LABELS: dict[str, str] | None = None
# Columns the kinds do not head under their own name.
FIELD_LABELS = {"kind": "类型", "report_date": "上报日期", "cumulative": "累计完成", "target": "目标值",
                "value": "数值", "sort_order": "排序", "unit": "单位", "year": "年度", "month": "月份",
                "name": "名称", "population": "常住人口（人）"}
# A field some table heads otherwise than the rest (a 抽检 batch's report_date is the test report's day).
TABLE_FIELD_LABELS = {("sample", "report_date"): "报告日期", ("sample", "kind"): "任务类别"}


def _field_label(name: str, table: str | None = None) -> str:
    """A column as the templates head it (the kinds' labels), else its own name."""
    global _FIELD_LABELS
    if (table, name) in TABLE_FIELD_LABELS:
        return TABLE_FIELD_LABELS[(table, name)]
    if _FIELD_LABELS is None:
        _FIELD_LABELS = dict(FIELD_LABELS)
        for kind in KINDS.values():
            for c in kind.columns:
                _FIELD_LABELS.setdefault(c.field, c.label)
    return _FIELD_LABELS.get(name, name)


def _label(c: Change) -> str:
    row = c.after or c.before or {}
    for name in LABEL_FIELDS:
        value = row.get(name)
        if value not in (None, ""):
            return str(value)[:80]
    period = _period(row)
    kind = row.get("kind")
    return " ".join(str(x) for x in (period, kind) if x) or f"#{c.row_id}"


def _text(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, list | dict):
        return "、".join(map(str, value)) if isinstance(value, list) else str(value)
    return display(value)


def _content(c: Change) -> str:
    """What changed in one row, as 列：旧 → 新; bounded to DIFF_CHARS."""
    if c.before is None or c.after is None:
        row = c.after or c.before or {}
        parts = [f"{_field_label(k, c.table)}：{_text(v)}" for k, v in row.items()
                 if k not in QUIET and not k.endswith("_id") and v not in (None, "", [])]
    else:
        parts = [f"{_field_label(k, c.table)}：{_text(c.before.get(k))} → {_text(v)}" for k, v in c.after.items()
                 if k not in QUIET and c.before.get(k) != v]
    text = "；".join(parts)
    return text if len(text) <= DIFF_CHARS else text[: DIFF_CHARS - 1] + "…"


@unit_of_work
def preview(*, session: Session | None = None, changes: Iterable[Change]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What an import changes, readable: (figures, other rows).

    figures: one row per station × indicator × period of the task list, its progress, the KPI readings and the
    moving figures of a station's monthly counts (风险隐患: 检查主体数, 发现隐患数 …) —
    文件, 类型, 监管所, 指标, 期间, 单位, 现值 (now; empty = none), 导入后, 变化 (导入后 − 现值), 操作 (新增 / 更新 /
    删除). Rates (unit %) in percent. other rows: 文件, 类型, 操作, 监管所, 对象, 内容 (列：旧 → 新)."""
    changes = list(changes)
    names = _Names(session, changes)
    files = {name: i for i, name in enumerate(dict.fromkeys(c.file for c in changes))}
    figures, others = [], []
    for c in changes:
        row = c.after or c.before or {}
        if c.table in FIGURES:
            field, ref, table = FIGURES[c.table]
            label, unit = getattr(names, table).get(int(row[ref]), (f"编号 {row[ref]}", "")) \
                if row.get(ref) is not None else ("", "")
            scale = 100.0 if unit == "%" else 1.0
            before = _number((c.before or {}).get(field)) * scale
            after = _number((c.after or {}).get(field)) * scale
            # In the order the pages list them: file, kind, period, station, indicator.
            order = (files[c.file], c.table, row.get("year") or 0, row.get("month") or 0,
                     names.sort_key("station", row.get("station_id")), names.sort_key(table, row.get(ref)))
            figures.append((order, (c.file, table_label(c.table), names.station_of(row) or "全区", label,
                                    _period(row), unit, before, after, after - before, _operation(c))))
        elif _count_fields(c.table):
            for i, (field, label) in enumerate(_count_fields(c.table)):
                before = _number((c.before or {}).get(field))
                after = _number((c.after or {}).get(field))
                if c.before is not None and c.after is not None and (before == after or
                                                                      (math.isnan(before) and math.isnan(after))):
                    continue  # an updated report: only the figures that move
                order = (files[c.file], c.table, row.get("year") or 0, row.get("month") or 0,
                         names.sort_key("station", row.get("station_id")), (i, i))
                figures.append((order, (c.file, table_label(c.table), names.station_of(row), label, _period(row),
                                        "", before, after, after - before, _operation(c))))
        else:
            others.append((c.file, table_label(c.table), _operation(c), names.station_of(row), _label(c),
                           _content(c)))
    figures.sort(key=lambda pair: pair[0])
    fig = pd.DataFrame([values for _, values in figures], columns=FIGURE_COLUMNS)
    for name in ("现值", "导入后", "变化"):
        fig[name] = fig[name].astype("float64")
    return fig, pd.DataFrame(others, columns=OTHER_COLUMNS)


# --- 导入记录 -------------------------------------------------------------------------------------


def _scoped(stmt, session: Session, viewer: Viewer):
    """The statement limited to the batches this viewer may see (PermissionError for a role that may not)."""
    own = scope(session, viewer, LOG_PAGE)
    if own is None:
        return stmt
    station_accounts = select(m.AppUser.username).where(m.AppUser.station_id == own)
    return stmt.where(col(m.ImportBatch.user).in_(station_accounts))


@unit_of_work
def batches(*, session: Session | None = None, viewer: Viewer, limit: int = LOG_LIMIT) -> pd.DataFrame:
    """Every batch this user may see, newest first: who, when, file, kind, period, sha256, counts, status, whether
    the original file is kept, and its source (文件导入 / 数据填报). A 监管所 account: its station's accounts' only."""
    b = m.ImportBatch
    stmt = _scoped(select(b.id, b.created_at, b.user, b.file_name, b.kind, b.year, b.month, b.sha256, b.n_new,
                          b.n_updated, b.n_unchanged, b.n_warnings, b.status, b.undone_at,
                          col(b.content).is_not(None)), session, viewer)
    rows = session.exec(stmt.order_by(col(b.id).desc()).limit(limit)).all()
    df = pd.DataFrame([(*r, "数据填报" if str(r[3]).startswith(ENTRY_PREFIX) else "文件导入") for r in rows],
                      columns=LOG_COLUMNS)
    df["has_content"] = df["has_content"].astype(bool)
    return df


def _batch(session: Session, viewer: Viewer, batch_id: int) -> m.ImportBatch:
    """The batch, if this user may see it: PermissionError for a role that may not read 导入记录 or for another
    station's batch, LookupError when there is none."""
    visible = _scoped(select(m.ImportBatch.id), session, viewer)  # the role's check comes first
    batch = session.get(m.ImportBatch, int(batch_id))
    if batch is None:
        raise LookupError(MSG_NO_BATCH.format(batch_id=batch_id))
    if session.exec(visible.where(m.ImportBatch.id == batch.id)).first() is None:
        raise PermissionError(MSG_OTHER_BATCH)
    return batch


@unit_of_work
def batch_file(*, session: Session | None = None, viewer: Viewer, batch_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of the file a batch was imported from, as uploaded; LookupError when none was kept."""
    batch = _batch(session, viewer, batch_id)
    if batch.content is None:
        raise LookupError(MSG_NO_CONTENT.format(batch_id=batch.id))
    return batch.file_name, bytes(batch.content)


@unit_of_work
def batch_changes(*, session: Session | None = None, viewer: Viewer, batch_id: int,
                  limit: int = 20_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What a batch changed (preview's two frames), from its change log."""
    batch = _batch(session, viewer, batch_id)
    # Bounded: a batch writes at most a file's rows; the page shows the first `limit`.
    return preview(session=session, changes=[Change(batch.file_name, r.table_name, r.row_id, r.before, r.after)
                                             for r in logged(session, [batch.id], limit=limit)])


def can_undo(viewer: Viewer) -> bool:
    return allows(viewer, LOG_PAGE, ACT)


def undo(*, viewer: Viewer, batch_id: int, engine: Engine | None = None) -> str:
    """Revert a batch (imported or saved by 数据填报) and audit it (撤销), in one transaction. Only the office:
    PermissionError otherwise; LookupError for an unknown batch; seed.importer.UndoRefused (its message says
    which later batch) when a later batch touched the same rows or it is undone already."""
    require_account(viewer, LOG_PAGE, ACT)
    with Session(engine or get_engine()) as session:
        try:
            try:
                batch = undo_batch(session, int(batch_id))
            except UnknownBatch as exc:
                raise LookupError(str(exc)) from exc
            accounts.audit(session=session, viewer=viewer, action="撤销", target=batch.file_name,
                           detail={"批次": batch.id, "类型": batch.kind, "新增": batch.n_new, "更新": batch.n_updated})
            message = f"已撤销批次 #{batch.id}（{batch.file_name}）"
            session.commit()
            return message
        except BaseException:
            session.rollback()
            raise
