"""会议材料: the 食安委 meeting pack for the chosen period — Word briefing, Excel tables and PDF, to download."""

import datetime as dt
import logging
from typing import Any

import streamlit as st

from components import auth, data, period
from reports import briefing

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def meeting_files(*, year: int, month: int, as_of: dt.date) -> dict[str, Any]:
    """The Word briefing and the Excel workbook for a period ({"docx": …, "xlsx": …, "rows": table rows for the
    audit}); through data.pack, built once per data_version."""
    pack = briefing.gather(year=year, month=month, as_of=as_of)
    return {"docx": briefing.docx_bytes(pack), "xlsx": briefing.xlsx_bytes(pack),
            "rows": sum(len(df) for df in pack.tables.values())}


def meeting_pdf(*, year: int, month: int, as_of: dt.date) -> bytes | None:
    """The briefing as PDF through LibreOffice (ask briefing.soffice() first: not cached when it is missing)."""
    return briefing.pdf_bytes(data.pack(meeting_files, year=year, month=month, as_of=as_of)["docx"])


def files_for(year: int, month: int) -> dict[str, Any]:
    return data.pack(meeting_files, year=year, month=month, as_of=data.as_of())


def pdf_for(year: int, month: int) -> bytes | None:
    if briefing.soffice() is None:
        return None
    return data.pack(meeting_pdf, year=year, month=month, as_of=data.as_of())


p = period.current()
st.title(f"会议材料 · {p.label}")
st.caption("食安委会议材料：Word汇报稿（黑体标题、仿宋正文，可直接修改）、Excel统计表和PDF。"
           "文中数字与看板同期数字一致；“下一步工作”留待食安办填写。")

generated = st.session_state.setdefault("briefing_generated", set())
wanted = (p.year, p.month, data.data_version())
if st.button("生成会议材料", type="primary", key="briefing-generate", icon=":material/description:"):
    with st.status("正在生成会议材料…", expanded=True) as status:
        try:
            st.write("汇总任务清单、指标、包保督导和工作要点，绘制图表，写入Word和Excel…")
            files_for(p.year, p.month)
            if briefing.soffice() is not None:
                st.write("转换为PDF…")
                pdf_for(p.year, p.month)
        except Exception:  # logged for the technician; the user gets a plain message, never a traceback
            log.exception("meeting pack for %s-%s failed", p.year, p.month)
            status.update(label="会议材料生成失败", state="error", expanded=True)
            st.error("会议材料生成失败，请稍后重试，或联系管理员查看服务器日志。")
        else:
            status.update(label="会议材料已生成", state="complete", expanded=False)
            generated.add(wanted)

if wanted in generated:
    files = files_for(p.year, p.month)
    stem = briefing.file_stem(p.year, p.month)
    c1, c2, c3 = st.columns(3)
    with c1:
        st.download_button("下载Word汇报稿", data=files["docx"], file_name=f"{stem}.docx", mime=DOCX_MIME,
                           key="briefing-docx", on_click=auth.audit_export, args=(f"{stem}.docx", files["rows"]),
                           icon=":material/download:")
    with c2:
        st.download_button("下载Excel统计表", data=files["xlsx"], file_name=f"{stem}.xlsx", mime=XLSX_MIME,
                           key="briefing-xlsx", on_click=auth.audit_export, args=(f"{stem}.xlsx", files["rows"]),
                           icon=":material/download:")
    with c3:
        try:
            pdf = pdf_for(p.year, p.month)
        except Exception:  # a failed conversion: the Word and Excel files are still there
            log.exception("PDF conversion for %s-%s failed", p.year, p.month)
            st.error("PDF转换失败（Word和Excel仍可下载），请稍后重试，或联系管理员查看服务器日志。")
        else:
            if pdf is None:
                st.info(briefing.NO_PDF)
            else:
                st.download_button("下载PDF", data=pdf, file_name=f"{stem}.pdf", mime="application/pdf",
                                   key="briefing-pdf", on_click=auth.audit_export, args=(f"{stem}.pdf", files["rows"]),
                                   icon=":material/download:")
elif generated:
    st.caption("数据或期间已变化，请重新生成。")
