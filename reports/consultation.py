"""季度风险会商材料 (`python -m reports 风险会商`, the 会议材料 page): the quarter's figures from services/consultation.py
as a Word document in the briefing's 公文 layout and an Excel workbook with one sheet per section. The draft topics
are a start for the office, which edits the document before the meeting."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Twips

from reports import briefing, typeset
from reports.typeset import Fonts
from services import consultation, meeting
from services.consultation import Consultation
from services.rules import consultation as rules
from services.rules import fmt
from services.rules.viewer import SYSTEM, Viewer
from services.unit import unit_of_work

if TYPE_CHECKING:
    from services.meeting import Session

NUMERALS = "一二三四五六七八九十"
# Lists longer than this show their first rows in Word (a long table there is slow to write and to read); the
# workbook has them whole.
DOC_ROWS = 30


@dataclass
class Section:
    """One heading of the document (a sheet of the workbook): its sentences and its tables (caption → frame)."""

    heading: str
    lines: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.heading.split("、", 1)[-1].split("（")[0][:31]


def title(c: Consultation) -> str:
    return f"{c.window.label}食品安全风险会商材料"


def file_name(year: int, quarter: int, suffix: str) -> str:
    return f"{year}年第{quarter}季度食品安全风险会商材料{suffix}"


@unit_of_work
def gather(*, year: int, quarter: int, as_of: dt.date | None = None, viewer: Viewer = SYSTEM,
           session: Session | None = None) -> Consultation:
    """The quarter's figures (services.consultation; its own unit of work unless a test or the CLI hands in one)."""
    return consultation.consultation(session=session, viewer=viewer, year=year, quarter=quarter, as_of=as_of)


# --- the sections -----------------------------------------------------------------------------------------------


def _pct_number(rate) -> float | None:
    """A rate as a percentage number for a table (66.7), half-up; None when there is none."""
    return None if rate is None or pd.isna(rate) else fmt.round_half_up(float(rate) * 100, 1)


def _listing(df: pd.DataFrame, name: str, count: str, unit: str) -> str:
    return "、".join(f"{k}{int(n)}{unit}" for k, n in zip(df[name], df[count], strict=True) if int(n) > 0)


def _day(d) -> str | None:
    return None if d is None or pd.isna(d) else fmt.date_label(d)


def sample_section(c: Consultation) -> Section:
    w, cat, st = c.window, c.samples_by_category, c.samples_by_station
    n, failed, pending = (int(cat[k].sum()) for k in ("n_batches", "n_failed", "n_pending"))
    rate = failed / (n - pending) if n - pending else None
    lines = [f"本季度（{fmt.date_label(w.start)}至{fmt.date_label(w.ref)}）共抽检{n}批次，不合格{failed}批次，"
             f"不合格率{fmt.pct(rate)}（检验中{pending}批次不计）" if n else "本季度没有抽检记录"]
    if failed:
        lines.append(f"不合格批次按食品大类：{_listing(cat, 'category', 'n_failed', '批次')}；"
                     f"按监管所：{_listing(st, 'station', 'n_failed', '批次')}")
        counts = c.failed["disposal"].value_counts()
        lines.append("不合格食品核查处置：" + "，".join(
            f"{s}{int(counts.get(s, 0))}批次" for s in (rules.DISPOSAL_DONE, rules.DISPOSAL_OPEN,
                                                      rules.DISPOSAL_OVERDUE, rules.DISPOSAL_NONE)))
    tables = {}
    if n:
        tables["抽检按食品大类"] = pd.DataFrame({
            "食品大类": cat["category"], "抽检批次": cat["n_batches"], "不合格批次": cat["n_failed"],
            "检验中": cat["n_pending"], "不合格率（%）": [_pct_number(r) for r in cat["failed_rate"]]})
        tables["抽检按监管所"] = pd.DataFrame({
            "监管所": st["station"], "抽检批次": st["n_batches"], "不合格批次": st["n_failed"],
            "检验中": st["n_pending"], "不合格率（%）": [_pct_number(r) for r in st["failed_rate"]]})
    if failed:
        f = c.failed
        tables["不合格批次及核查处置"] = pd.DataFrame({
            "监管所": f["station"], "被抽样单位": f["business"], "样品名称": f["sample_name"], "食品大类": f["category"],
            "不合格项目": f["failed_item"], "报告日期": [_day(d) for d in f["report_date"]],
            "核查处置期限": [_day(d) for d in f["deadline"]], "核查处置": f["disposal"], "处置结果": f["outcome"]})
    return Section("一、抽检情况", lines, tables)


def problem_section(c: Consultation) -> Section:
    src, sec = c.problems_by_source, c.problems_by_sector
    n, closed = int(src["n_found"].sum()), int(src["n_closed"].sum())
    lines = [f"本季度各渠道发现问题{n}个，截至{fmt.date_label(c.window.ref)}已整改{closed}个、未整改{n - closed}个"]
    if n:
        lines.append("按来源：" + "、".join(f"{s}{int(k)}个" for s, k in zip(src["source"], src["n_found"], strict=True)))
        lines.append(f"按业态：{_listing(sec, 'sector', 'n_found', '个')}")
    tables = {}
    if n:
        for name, df, key, label in (("问题按来源", src, "source", "来源"), ("问题按业态", sec, "sector", "业态")):
            tables[name] = pd.DataFrame({label: df[key], "发现": df["n_found"], "已整改": df["n_closed"],
                                         "未整改": df["n_open"]})
    return Section("二、问题发现与整改", lines, tables)


def overdue_section(c: Consultation) -> Section:
    by, od = c.overdue_by_station, c.overdue
    n_p, n_h = int(by["n_problems"].sum()), int(by["n_hazards"].sum())
    day = fmt.date_label(c.window.ref)
    if not n_p + n_h:
        return Section("三、逾期未整改", [f"截至{day}，没有逾期未整改的问题和隐患"])
    lines = [f"截至{day}，逾期未整改问题{n_p}个（各来源）、隐患清单逾期隐患{n_h}个，共{n_p + n_h}个",
             f"按监管所：{_listing(by.sort_values('n_total', ascending=False, kind='stable'), 'station', 'n_total', '个')}"]
    tables = {
        "逾期未整改按监管所": pd.DataFrame({"监管所": by["station"], "问题": by["n_problems"], "隐患": by["n_hazards"],
                                   "合计": by["n_total"]}),
        "逾期未整改清单": pd.DataFrame({
            "类别": od["kind"], "来源": od["source"], "监管所": od["station"], "主体": od["business"],
            "问题或隐患": od["description"], "发现日期": [_day(d) for d in od["found_date"]],
            "整改期限": [_day(d) for d in od["deadline"]], "逾期天数": od["days_overdue"], "责任人": od["who"]}),
    }
    return Section("三、逾期未整改", lines, tables)


def onsite_section(c: Consultation) -> Section:
    by, un = c.high_risk_by_station, c.unvisited
    n, u = int(by["n_high_risk"].sum()), int(by["n_unvisited"].sum())
    lines = [f"高风险（{c.high_risk_label}）在营主体{n}家，本季度已现场督导{n - u}家，未现场督导{u}家"]
    if u:
        lines.append(f"未现场督导按监管所：{_listing(by, 'station', 'n_unvisited', '家')}")
    tables = {}
    if n:
        tables["高风险主体现场督导"] = pd.DataFrame({"监管所": by["station"], "高风险主体": by["n_high_risk"],
                                             "已现场督导": by["n_high_risk"] - by["n_unvisited"],
                                             "未现场督导": by["n_unvisited"]})
    if u:
        tables["未现场督导的高风险主体"] = pd.DataFrame({
            "监管所": un["station"], "主体": un["business"], "业态": un["sector"], "包保分级": un["tier"],
            "风险等级": un["risk_level"], "包保干部": un["cadres"], "本季度其他方式督导": un["n_other_visits"]})
    return Section("四、高风险主体现场督导", lines, tables)


def duty_section(c: Consultation) -> Section:
    d, w = c.duty_by_station, c.window
    n = int(d["n_enterprises"].sum())
    sectors = "、".join(rules.ENTERPRISE_SECTORS)
    if not n:
        return Section("五、企业主体责任", [f"没有{sectors}企业的记录"])
    req, no_dir, no_off, gap = (int(d[k].sum()) for k in (
        "n_director_required", "n_no_director", "n_no_officer", "n_records_gap"))
    months = f"{w.months[0]}–{w.months[-1]}月" if len(w.months) > 1 else f"{w.months[0]}月"
    lines = [f"在营{sectors}企业{n}家：包保分级{'、'.join(rules.DIRECTOR_TIERS)}级企业{req}家，其中{no_dir}家未配备食品安全总监；"
             f"{no_off}家未配备食品安全员；{gap}家本季度（{months}）日管控、周排查、月调度记录不全或未记录"]
    table = pd.DataFrame({"监管所": d["station"], "企业": d["n_enterprises"], "应配总监": d["n_director_required"],
                          "未配总监": d["n_no_director"], "未配安全员": d["n_no_officer"], "记录不全": d["n_records_gap"]})
    return Section("五、企业主体责任", lines, {"主体责任按监管所": table})


def topic_section(c: Consultation) -> Section:
    lines = [f"（{NUMERALS[i] if i < len(NUMERALS) else i + 1}）{t}" for i, t in enumerate(c.topics)]
    return Section("六、会商议题（建议）", [*lines, f"（补充）{briefing.PLACEHOLDER}"])


def sections(c: Consultation) -> list[Section]:
    return [sample_section(c), problem_section(c), overdue_section(c), onsite_section(c), duty_section(c),
            topic_section(c)]


# --- Word ---------------------------------------------------------------------------------------------------


def docx_bytes(c: Consultation, *, fonts: Fonts | None = None, now: dt.datetime | None = None) -> bytes:
    """The pack in the briefing's 公文 layout: A4, GB/T 9704 margins and fonts, page numbers, tables under their
    section."""
    fonts = fonts or typeset.choose_fonts()
    para = briefing._para  # noqa: SLF001 — the briefing's own paragraph, so the documents read alike
    doc = Document()
    typeset.set_default_fonts(doc, fonts)
    typeset.set_line_breaking(doc)
    typeset.set_properties(doc, title=title(c), author=c.organisation, created=now or dt.datetime.now(dt.UTC))
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(briefing.A4_TWIPS[0]), Twips(briefing.A4_TWIPS[1])
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    briefing._page_field(footer, fonts)  # noqa: SLF001

    para(doc, title(c), fonts, font=fonts.title, size=briefing.TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, f"（数据截至{fmt.date_label(c.window.ref)}）", fonts, align=WD_ALIGN_PARAGRAPH.CENTER)
    if c.is_demo:
        para(doc, f"（{meeting.DEMO_NOTE}）", fonts, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for s in sections(c):
        para(doc, s.heading, fonts, font=fonts.heading).paragraph_format.keep_with_next = True
        for line in s.lines:
            para(doc, line if line.endswith(("。", briefing.PLACEHOLDER)) else f"{line}。", fonts, indent=True)
        for caption, df in s.tables.items():
            para(doc, caption, fonts, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
                 ).paragraph_format.keep_with_next = True
            briefing._table(doc, df.head(DOC_ROWS), fonts)  # noqa: SLF001
            if len(df) > DOC_ROWS:
                para(doc, f"（共{len(df)}条，此处列前{DOC_ROWS}条，完整清单见Excel统计表）", fonts, size=12)
    para(doc, c.office, fonts, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, fmt.date_label(c.as_of), fonts, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buf = io.BytesIO()
    doc.save(buf)
    return typeset.finish_package(buf.getvalue(), company=c.office)


# --- Excel --------------------------------------------------------------------------------------------------


def xlsx_bytes(c: Consultation) -> bytes:
    """One sheet per section: its heading, the 示例 note, its sentences, then its tables (numbers as numbers, the
    briefing's header format)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, typeset.EXCEL_OPTIONS)
    wb.set_properties({"title": title(c), "author": c.organisation, "company": c.office,
                       "created": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    head, cell = wb.add_format(typeset.EXCEL_HEADER), wb.add_format(typeset.EXCEL_CELL)
    numbers = briefing.NumberCells(wb)  # figures said as text ("77.8%") written as numbers
    bold, demo = wb.add_format({"bold": True}), wb.add_format(typeset.EXCEL_DEMO)
    for s in sections(c):
        ws = wb.add_worksheet(s.sheet)
        ws.write_string(0, 0, f"{title(c)}（数据截至{fmt.date_label(c.window.ref)}）", bold)
        row = 1
        if c.is_demo:
            ws.write_string(row, 0, meeting.DEMO_NOTE, demo)
            ws.set_header("&L" + meeting.DEMO_NOTE.replace("&", "&&"))
            row += 1
        ws.write_string(row, 0, s.heading, bold)
        for line in s.lines:
            row += 1
            ws.write_string(row, 0, line)
        row += 2
        for caption, df in s.tables.items():
            ws.write_string(row, 0, caption, bold)
            briefing.write_frame(ws, df, head, cell, top=row + 1, numbers=numbers)
            row += len(df) + 3
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
    wb.close()
    return buf.getvalue()


def write(c: Consultation, out: Path) -> list[Path]:
    """The .docx and the .xlsx in `out` (made when missing); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / file_name(c.window.year, c.window.quarter, suffix) for suffix in (".docx", ".xlsx")]
    paths[0].write_bytes(docx_bytes(c))
    paths[1].write_bytes(xlsx_bytes(c))
    return paths
