"""会议材料: the 食安委 meeting pack for the chosen period — Word briefing, Excel tables and PDF, to download."""

import datetime as dt
import logging
from typing import Any

import streamlit as st

from components import auth, consultation_view, data, period
from reports import assessment as notice
from reports import briefing
from reports import consultation as consult
from services.rules.viewer import Viewer

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


def notice_files(*, year: int, as_of: dt.date) -> dict[str, Any]:
    """The 年终督导考核 通报 draft (Word) and its score table (Excel) for a year, through data.pack."""
    n = notice.gather(year=year, as_of=as_of, session=None)
    return {"docx": notice.docx_bytes(n), "xlsx": notice.xlsx_bytes(n), "rows": len(n.table)}


def consultation_files(*, year: int, quarter: int, as_of: dt.date, role: str | None) -> dict[str, Any]:
    """The 季度风险会商 pack (Word and Excel) for a quarter, read as the viewer's role may; through data.pack."""
    c = consult.gather(year=year, quarter=quarter, as_of=as_of, viewer=Viewer(role=role), session=None)
    return {"docx": consult.docx_bytes(c), "xlsx": consult.xlsx_bytes(c), "rows": len(c.failed) + len(c.overdue)}


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

st.subheader("年终督导考核通报", anchor=False)
st.caption(f"按“年终考核”页的得分起草{p.year}年度考核通报（表彰、批评名单及理由，Word可直接修改）和得分表（Excel）。")
if st.button("生成考核通报", key="notice-generate", icon=":material/military_tech:"):
    try:
        with st.spinner("正在计算各所得分并起草通报…"):
            data.pack(notice_files, year=p.year, as_of=data.as_of())
    except Exception:  # logged for the technician; the user gets a plain message, never a traceback
        log.exception("assessment notice for %s failed", p.year)
        st.error("考核通报生成失败，请稍后重试，或联系管理员查看服务器日志。")
    else:
        generated.add(("notice", p.year, data.data_version()))
if ("notice", p.year, data.data_version()) in generated:
    made = data.pack(notice_files, year=p.year, as_of=data.as_of())
    n1, n2 = st.columns(2)
    for column, suffix, mime, label in ((n1, ".docx", DOCX_MIME, "下载考核通报（Word草稿）"),
                                        (n2, ".xlsx", XLSX_MIME, "下载考核得分（Excel）")):
        name = notice.file_name(p.year, suffix)
        column.download_button(label, data=made[suffix[1:]], file_name=name, mime=mime, key=f"notice{suffix}",
                               on_click=auth.audit_export, args=(name, made["rows"]), icon=":material/download:")

st.subheader("季度风险会商", anchor=False)
st.caption("汇总一个季度的抽检结果、各渠道问题及整改、逾期未整改、高风险主体现场督导和企业主体责任，起草会商议题"
           "（Word可直接修改）并附统计表（Excel）。")
cy, cq = consultation_view.pick_quarter(data.as_of(), data.years())
consult_key = ("consultation", cy, cq, data.data_version())
if st.button("生成风险会商材料", key="consult-generate", icon=":material/forum:", disabled=cy is None or cq is None):
    try:
        with st.spinner("正在汇总本季度数据并起草会商材料…"):
            data.pack(consultation_files, year=cy, quarter=cq, as_of=data.as_of(), role=data.viewer().role)
    except (ValueError, PermissionError) as exc:  # a quarter not begun, a year without records: the service's words
        st.warning(str(exc))
    except Exception:  # logged for the technician; the user gets a plain message, never a traceback
        log.exception("consultation pack for %s Q%s failed", cy, cq)
        st.error("风险会商材料生成失败，请稍后重试，或联系管理员查看服务器日志。")
    else:
        generated.add(consult_key)
if consult_key in generated:
    made = data.pack(consultation_files, year=cy, quarter=cq, as_of=data.as_of(), role=data.viewer().role)
    consultation_view.downloads(made, {s: consult.file_name(cy, cq, s) for s in (".docx", ".xlsx")})
