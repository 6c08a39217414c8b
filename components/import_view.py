"""数据导入 and 导入记录 drawn: template downloads, the upload and its dry run (summary, errors, warnings, a preview of
the figures against the current data, the user's workbook with its errors marked), the confirm button, and the
batch list with a batch's changes, its original file and undo. The rules and the frames are services.imports'."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from components import data
from components.views import XLSX_MIME
from services import accounts, imports
from services.imports import KINDS, FileRejected, UndoRefused, annotate_file, annotated_name
from services.rules import fmt
from services.rules.localtime import local_time_label
from services.rules.viewer import Viewer

log = logging.getLogger(__name__)

PENDING = "import_pending"  # the Checked upload, until it is imported or the files change (bytes held only here)
FLASH = "import_flash"  # the last import's or undo's outcome, shown once on the next run
GEN = "import_gen"  # bumped after an import so the uploader starts empty
# WPS saves .et/.ett; Excel's "Unicode text" is a .txt; systems export CSV or HTML tables under .xls (sniffed).
ACCEPTED = ["xlsx", "xlsm", "xls", "et", "ett", "csv", "txt"]
DIGEST = "文件校验码"  # the column of a batch's file digest (its first 12 hex digits)
DEFAULT_KIND = "任务进度"  # the monthly file every station sends
SHOWN_ROWS = 1000  # findings and preview rows drawn on screen; the counts above them are complete
MSG_FAILED_CHECK = "检查文件时出错，未写入任何数据。请确认文件可以用Excel或WPS正常打开后重试，或联系管理员。"
MSG_FAILED_IMPORT = "导入失败，未写入任何数据。请稍后重试，或联系管理员。"
MSG_FAILED = "操作失败，未做任何更改。请稍后重试，或联系管理员。"


@dataclass
class Checked:
    """One upload after its dry run: what the page shows, and the bytes the confirm button imports."""

    digest: str
    names: list[str]
    files: list[tuple[str, bytes]] = field(default_factory=list)  # kept only when the files may be imported
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    errors: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    others: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: list[str] = field(default_factory=list)
    annotated: dict[str, bytes] = field(default_factory=dict)  # file name → the workbook with its errors marked
    changed: bool = False
    truncated: bool = False
    failed: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.rejected and self.errors.empty

    @property
    def importable(self) -> bool:
        return self.ok and self.changed and bool(self.files)


def digest(files: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, content in files:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()


# --- templates ---------------------------------------------------------------------------------------


def templates(viewer: Viewer, kinds: list[str], *, key: str) -> None:
    """A kind (only those this account may import), a period for the kinds that need one, and its workbook."""
    as_of = data.as_of()
    years = sorted({*data.years(), as_of.year})
    c_kind, c_year, c_month, c_button = st.columns([2, 1, 1, 2], vertical_alignment="bottom")
    default = kinds.index(DEFAULT_KIND) if DEFAULT_KIND in kinds else 0
    kind = c_kind.selectbox("模板类型", kinds, index=default, placeholder="请选择", key=f"{key}-kind",
                            help="、".join(f"{k}：{KINDS[k].description}" for k in kinds if KINDS[k].description)[:500])
    k = KINDS[kind]
    year = c_year.selectbox("年度", years, index=years.index(as_of.year), placeholder="请选择",
                            key=f"{key}-year",
                            format_func=lambda y: f"{y}年", disabled=not k.needs_year)
    month = c_month.selectbox("月份", list(range(1, 13)), index=as_of.month - 1, placeholder="请选择",
                              key=f"{key}-month",
                              format_func=lambda mo: f"{mo}月", disabled=not k.needs_month)
    try:
        name, content = data.listing(imports.template, kind=kind, year=year, month=month)  # per role and station
    except PermissionError as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("数据导入：生成模板失败")
        st.error("生成填报模板失败，请稍后重试，或联系管理员。")
        return
    c_button.download_button("下载填报模板", data=content, file_name=name, mime=XLSX_MIME, key=f"{key}-download",
                             icon=":material/download:", on_click="ignore")
    st.caption(f"{fmt.md_escape(k.description)}。模板含下拉列表与填写说明；"
               "导入时也接受各单位原有格式的表格（表头可有同义写法）。")


# --- upload and dry run ------------------------------------------------------------------------------


def read_uploads(*, key: str) -> list[tuple[str, bytes]]:
    """The files in the uploader, as (name, bytes)."""
    uploaded = st.file_uploader("选择要导入的文件（可多选）", type=ACCEPTED, accept_multiple_files=True, key=key,
                                help=f"支持 .xlsx、.xls、.et（WPS）、.csv、.txt（Unicode文本），以及系统导出的网页表格；"
                                     f"每个文件不超过{_cap()} MB，一次最多{imports.MAX_FILES}个文件")
    return [(f.name, f.getvalue()) for f in uploaded or []]


def _cap() -> int:
    return imports.max_upload_mb()


def checked_for(files: list[tuple[str, bytes]], viewer: Viewer, *, key: str) -> Checked | None:
    """The dry run of these files: run once per distinct upload (kept in the session), dropped with the files."""
    if not files:
        st.session_state.pop(PENDING, None)
        return None
    current = st.session_state.get(PENDING)
    wanted = digest(files)
    if isinstance(current, Checked) and current.digest == wanted:
        return current
    st.session_state.pop(PENDING, None)  # the old upload's bytes go before the new ones are read
    checked = run_check(files, viewer, key=key)
    st.session_state[PENDING] = checked
    return checked


def progress_bar(first: str) -> Callable[[float, str], None]:
    """An st.progress bar and the importer's progress(fraction, line) that moves it (读取中：第200,000行… /
    写入中：40%…)."""
    bar = st.progress(0.0, text=first)

    def progress(fraction: float, line: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=line)

    return progress


def run_check(files: list[tuple[str, bytes]], viewer: Viewer, *, key: str) -> Checked:
    """The dry run with a status box: read and check, the preview, the annotated copies."""
    checked = Checked(digest=digest(files), names=[n for n, _ in files])
    with st.status(f"正在读取并检查{len(files)}个文件…", expanded=True) as status:
        try:
            st.write("读取文件并逐行检查（不写入数据）…")
            report = imports.check(files, viewer=viewer, today=data.as_of(), progress=progress_bar("读取文件…"))
            checked.summary = imports.summary_frame(report)
            checked.rejected = [f.rejected for f in report.rejected]
            checked.errors = imports.findings_frame(report.errors)
            checked.warnings = imports.findings_frame(report.warnings)
            checked.changed = report.changed
            checked.truncated = report.changes_truncated
            if checked.ok:
                st.write("与现有数据比对…")
                checked.figures, checked.others = imports.preview(changes=report.changes)
                checked.files = list(files)  # only an upload that may be imported keeps its bytes
            elif not checked.errors.empty:
                st.write("在原文件中标注错误单元格…")
                by_name = dict(files)
                for f in report.files:
                    if any(e.file == f.name for e in report.errors) and not f.rejected:
                        marked = annotate_file(by_name[f.name], report.errors, f.name)
                        if marked is not None:
                            checked.annotated[f.name] = marked
        except (PermissionError, ValueError, FileRejected) as e:
            checked.failed = str(e)
        except Exception:
            log.exception("数据导入：检查文件失败")
            checked.failed = MSG_FAILED_CHECK
        if checked.failed or checked.rejected:
            status.update(label="文件无法导入", state="error", expanded=False)
        elif not checked.errors.empty:
            status.update(label=f"检查完成：{len(checked.errors)}处错误，未写入任何数据", state="error",
                          expanded=False)
        else:
            status.update(label=f"检查完成：{len(checked.warnings)}处提示，可以导入", state="complete",
                          expanded=False)
    return checked


def _findings_table(df: pd.DataFrame, *, key: str) -> None:
    st.dataframe(df.head(SHOWN_ROWS), hide_index=True, key=key, width="stretch",
                 column_config={"说明": st.column_config.TextColumn(width="large")})
    if len(df) > SHOWN_ROWS:
        st.caption(f"共{len(df)}条，仅显示前{SHOWN_ROWS}条；请下载标注了错误的原文件查看全部。")


def show_checked(checked: Checked, *, key: str) -> None:
    """The dry run's outcome: refusals, the counts, errors (with the marked workbooks), warnings, the preview."""
    if checked.failed:
        st.error(fmt.md_escape(checked.failed))
        return
    for message in checked.rejected:
        st.error(fmt.md_escape(message))
    s = checked.summary
    cols = st.columns(6)
    for c, (label, value) in zip(cols, [("文件", len(s)), ("新增", int(s["新增"].sum())),
                                        ("更新", int(s["更新"].sum())), ("未变", int(s["未变"].sum())),
                                        ("错误", int(s["错误"].sum())), ("提示", int(s["提示"].sum()))], strict=True):
        c.metric(label, f"{value}", border=True)
    st.dataframe(s.drop(columns=["批次"]), hide_index=True, key=f"{key}-summary", width="stretch")
    if checked.rejected:
        st.info("无法读取的文件须修改后重新上传；本次未写入任何数据。")
        return
    if not checked.errors.empty:
        st.error(f"共{len(checked.errors)}处错误：未写入任何数据。请按下表修改后重新上传（所有文件一并导入）。")
        st.subheader("错误")
        _findings_table(checked.errors, key=f"{key}-errors")
        for i, (name, content) in enumerate(checked.annotated.items()):
            st.download_button(f"下载标注错误的原文件：{fmt.md_escape(name)}", data=content, file_name=annotated_name(name),
                               mime=XLSX_MIME, key=f"{key}-annotated-{i}", icon=":material/download:",
                               on_click="ignore")
        if checked.annotated:
            st.caption("下载的文件中，出错的单元格标为红色并附批注，末尾的“错误说明”表列出全部错误；改正后可直接重新上传。")
    if not checked.warnings.empty:
        st.subheader("提示")
        st.caption("提示不妨碍导入，将随批次一并记录。")
        _findings_table(checked.warnings, key=f"{key}-warnings")
    if checked.ok:
        show_changes(checked.figures, checked.others, key=f"{key}-preview", title="导入后的变化（预览）")
        if checked.truncated:
            st.caption("变更条数过多，预览只列出前一部分；导入将写入全部数据。")
        if not checked.changed:
            st.info("与现有数据相比没有变化，无需导入。")


def show_changes(figures: pd.DataFrame, others: pd.DataFrame, *, key: str, title: str) -> None:
    """Figures per station and indicator (现值 → 导入后), then the other rows in an expander."""
    if figures.empty and others.empty:
        return
    st.subheader(title)
    if not figures.empty:
        st.dataframe(figures.head(SHOWN_ROWS), hide_index=True, key=f"{key}-figures", width="stretch",
                     column_config={"现值": st.column_config.NumberColumn(help="当前数据库中的数值；空白为尚无数据"),
                                    "导入后": st.column_config.NumberColumn(),
                                    "变化": st.column_config.NumberColumn(help="导入后 − 现值")})
        if len(figures) > SHOWN_ROWS:
            st.caption(f"共{len(figures)}项数值变化，仅显示前{SHOWN_ROWS}项。")
    if not others.empty:
        with st.expander(f"其他变更（{len(others)}条）", expanded=figures.empty):
            st.dataframe(others.head(SHOWN_ROWS), hide_index=True, key=f"{key}-others", width="stretch")


def confirm(checked: Checked, viewer: Viewer, *, key: str) -> None:
    """确认导入: the same bytes, imported for real in one transaction; the outcome is shown after a rerun."""
    if not checked.importable:
        return
    st.caption(f"将把以上{len(checked.files)}个文件一并导入（一个事务：全部成功或全部不写入）；导入后可在“导入记录”中撤销。")
    if not st.button("确认导入", type="primary", key=f"{key}-commit", icon=":material/upload:"):
        return
    try:
        report = imports.commit(checked.files, viewer=viewer, today=data.as_of(), progress=progress_bar("正在导入…"))
    except (PermissionError, ValueError, FileRejected) as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("数据导入：写入失败")
        st.error(MSG_FAILED_IMPORT)
        return
    if not report.committed:
        # The data changed between the check and the click (another import): show the new state, import nothing.
        st.session_state.pop(PENDING, None)
        if report.errors or report.rejected:
            st.error("导入时发现错误（数据可能已被他人更新），未写入任何数据。请重新上传检查。")
        else:
            st.info("数据没有变化，未做任何更改。")
        return
    figures, others = imports.preview(changes=report.changes)
    batches = [f"#{f.batch_id}（{f.name}）" for f in report.files if f.batch_id]
    st.session_state[FLASH] = {"message": "导入完成：批次 " + "、".join(batches) + "。如需撤销，可在“导入记录”中撤销。",
                               "figures": figures, "others": others}
    st.session_state.pop(PENDING, None)
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1  # a new, empty uploader
    data.refresh()
    st.rerun()


def show_flash(*, key: str) -> None:
    flash = st.session_state.pop(FLASH, None)
    if not flash:
        return
    st.success(fmt.md_escape(flash["message"]))
    if "figures" in flash:
        show_changes(flash["figures"], flash["others"], key=f"{key}-done", title="本次导入的数值变化")


# --- 导入记录 --------------------------------------------------------------------------------------


def log_table(frame: pd.DataFrame, *, key: str) -> None:
    view = pd.DataFrame({
        "批次": frame["batch_id"].map(lambda b: f"#{b}"),
        "状态": frame["status"],
        "时间": frame["created_at"].map(local_time_label),
        "用户": frame["user"].fillna(""),
        "来源": frame["source"],
        "文件": frame["file_name"],
        "类型": frame["kind"],
        "年月": [fmt.month_label(int(y), int(mo)) if pd.notna(y) and pd.notna(mo) else (f"{int(y)}年" if pd.notna(y)
                                                                                        else "")
               for y, mo in zip(frame["year"], frame["month"], strict=True)],
        "新增": frame["n_new"], "更新": frame["n_updated"], "未变": frame["n_unchanged"], "提示": frame["n_warnings"],
        DIGEST: frame["sha256"].str.slice(0, 12),
    })
    st.dataframe(view, hide_index=True, key=key, width="stretch",
                 column_config={DIGEST: st.column_config.TextColumn(help="文件内容的SHA-256摘要（前12位），"
                                                                         "可核对两次导入是否为同一文件")})


def batch_detail(frame: pd.DataFrame, viewer: Viewer, *, key: str) -> None:
    """One batch: its changes, its original file, and (食安办) undo."""
    labels = {int(b): f"#{b} {name}" for b, name in zip(frame["batch_id"], frame["file_name"], strict=True)}
    batch_id = st.selectbox("查看批次", list(labels), format_func=lambda b: labels[b], placeholder="请选择",
                            key=f"{key}-batch")
    if batch_id is None:
        return
    row = frame[frame["batch_id"] == batch_id].iloc[0]
    try:
        figures, others = imports.batch_changes(viewer=viewer, batch_id=batch_id)
        original = imports.batch_file(viewer=viewer, batch_id=batch_id) if row["has_content"] else None
    except (PermissionError, LookupError) as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("导入记录：读取批次失败")
        st.error("读取该批次失败，请稍后重试，或联系管理员。")
        return
    status = str(row["status"])
    st.caption(f"批次 #{batch_id}：{fmt.md_escape(row['file_name'])} · {fmt.md_escape(row['kind'])} · "
               f"{fmt.md_escape(row['user'] or '')} · {local_time_label(row['created_at'])} · {status}")
    if status == "已撤销":
        st.info(f"该批次已于{local_time_label(row['undone_at'])}撤销，以下为它当时的变更。")
    show_changes(figures, others, key=f"{key}-changes", title="该批次的变更")
    if original is not None:
        name, content = original
        st.download_button("下载原始文件", data=content, file_name=name, key=f"{key}-original",
                           icon=":material/download:", on_click=audit_download, args=(viewer, batch_id, name))
    if imports.can_undo(viewer) and status == "已导入":
        sure = st.checkbox(f"确认撤销批次 #{batch_id}（恢复导入前的数据）", key=f"{key}-sure-{batch_id}")
        if st.button("撤销该批次", key=f"{key}-undo-{batch_id}", disabled=not sure, icon=":material/undo:"):
            undo(batch_id, viewer)


def audit_download(viewer: Viewer, batch_id: int, file_name: str) -> None:
    """on_click of 下载原始文件: the file holds the data as imported, so its download is an export (导出)."""
    accounts.audit(viewer=viewer, action="导出", target=file_name, detail={"页面": "导入记录", "批次": batch_id})


def undo(batch_id: int, viewer: Viewer) -> None:
    try:
        with st.spinner(f"正在撤销批次 #{batch_id}…"):  # a 100,000-row batch takes seconds
            message = imports.undo(viewer=viewer, batch_id=batch_id)
    except (UndoRefused, PermissionError, LookupError) as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("导入记录：撤销失败")
        st.error(MSG_FAILED)
        return
    st.session_state[FLASH] = {"message": message}
    data.refresh()
    st.rerun()
