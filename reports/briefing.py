"""The 食安委 meeting pack for a period: a Word briefing, an Excel workbook of its tables and (with LibreOffice) a PDF."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, Twips

from reports import briefing_sections as sections
from reports import typeset
from reports.typeset import Fonts
from services import meeting
from services.charts import build_ranking, build_trend
from services.rules import fmt, pacing
from services.rules.text import column_width

if TYPE_CHECKING:
    from services.meeting import Session

TABLE_PT = 9  # 小五: nine columns fit the A4 text width
A4_TWIPS = (11906, 16838)  # 210 × 297 mm
TEXT_WIDTH = Mm(210 - 28 - 26)  # A4 less the 公文 side margins (see docx_bytes)
NO_PDF = "本机未安装LibreOffice，暂不能生成PDF"
PDF_TIMEOUT = 180  # seconds: a first LibreOffice start builds its profile; a hung one must not hold the page
PLACEHOLDER = "（请食安办填写）"
# Fonts vl-convert draws the charts' Chinese with: the Debian package fonts-noto-cjk (make sysdeps). The charts name
# the SC face ("Noto Sans CJK SC", services/rules/style.py FONT), which vl-convert finds inside the collection.
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype")
# A chart is drawn CHART_WIDTH units wide (plus its axes) with every text CHART_FONT units high and placed at one
# point per unit (narrower than the text width), so its labels print at CHART_FONT pt (≥ 9 pt, GB/T 9704 小五).
CHART_WIDTH = 330
CHART_FONT = 11
CHART_SCALE = 2  # PNG pixels per unit: sharp on paper


def file_stem(year: int, month: int) -> str:
    return f"食安委会议材料_{year}年{month}月"


@dataclass
class Briefing:
    """Everything the documents say, gathered once: sections of sentences, tables (sheet name → frame), charts."""

    year: int
    month: int
    as_of: dt.date
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    charts: list[tuple[str, bytes]] = field(default_factory=list)
    is_demo: bool = False  # drawn from the demo database: the documents say 示例数据 under the title
    organisation: str = ""  # the document's author (services.meeting.ORGANISATION_KEY)
    office: str = ""  # the document's company (services.meeting.OFFICE_KEY)

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月食品安全工作情况汇报"


# --- the figures: the same services the dashboard pages call (sections and tables: reports/briefing_sections.py)


def for_paper(chart):
    """The chart at a fixed width (a page has no container to fill) with every text CHART_FONT units high."""
    size = {"labelFontSize": CHART_FONT, "titleFontSize": CHART_FONT}
    return (chart.properties(width=CHART_WIDTH)
            .configure_axis(**size).configure_axisQuantitative(tickCount=6).configure_legend(**size)
            .configure_title(fontSize=CHART_FONT).configure_text(fontSize=CHART_FONT))


def _png(chart) -> bytes:
    import vl_convert as vlc

    _register_fonts()
    return vlc.vegalite_to_png(for_paper(chart).to_json(), scale=CHART_SCALE)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG's IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def chart_width(png: bytes) -> Emu:
    """Where a chart goes on the page: one point per chart unit, never wider than the text."""
    return Emu(min(int(Pt(png_size(png)[0] / CHART_SCALE)), int(TEXT_WIDTH)))


_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if _fonts_registered:
        return
    import vl_convert as vlc

    for d in FONT_DIRS:
        if os.path.isdir(d):
            vlc.register_font_directory(d)
            break
    _fonts_registered = True


def gather(*, year: int, month: int, as_of: dt.date | None = None, charts: bool = True,
           session: Session | None = None) -> Briefing:
    """The pack's sentences, tables and charts for a period, from the same services the pages call (which open
    their own unit of work; a test or the command line may hand in its `session`). Sections in the order of
    sections.HEADINGS, then the appendix of reference plans when there are any."""
    f = meeting.pack_figures(session=session, year=year, month=month, as_of=as_of, charts=charts)
    b = Briefing(year=year, month=month, as_of=f.as_of, is_demo=f.is_demo, organisation=f.organisation,
                 office=f.office)
    duban = sections.duban_table(f, year=year, month=month)
    bodies = [
        sections.task_section(f, year=year, month=month),
        sections.baobao_section(f),
        sections.hazard_section(f, year=year, month=month),
        sections.report_section(f, month=month),
        sections.plan_section(f, year=year, month=month),
        [*sections.duban_section(duban), f"（补充）{PLACEHOLDER}"],
    ]
    b.sections.extend(zip(sections.HEADINGS, bodies, strict=True))
    if not f.reference_plans.empty:
        b.sections.append((sections.appendix_heading(f.district_name), sections.appendix_lines(f)))

    b.tables["各监管所任务进度"] = sections.station_table(f.progress)
    b.tables["重点指标"] = sections.kpi_table(f.gauges, as_of=pacing.ref_date(year, month, f.as_of))
    b.tables["包保督导"] = sections.baobao_table(f.by_station)
    b.tables["风险隐患排查整治"] = sections.hazard_table(f)
    b.tables["月报上报"] = sections.report_table(f)
    b.tables[f"{f.district_name}工作要点"] = sections.own_plan_table(f)
    b.tables["配档表"] = sections.schedule_table(f)
    b.tables["督办建议"] = duban
    workshops = sections.workshop_table(f)
    if not workshops.empty:
        b.tables[sections.WORKSHOP_TABLE] = workshops

    lags, totals = f.lags, f.totals
    if charts and not lags.empty and not totals.empty:
        b.charts.append(("图1 各监管所最差任务项进度差（百分点）",
                         _png(build_ranking(lags, expected_rate=float(totals["expected_rate"].iloc[0])))))
        first = totals["indicator"].iloc[0]
        b.charts.append((f"图2 {first}累计完成率与时序进度（%）",
                         _png(build_trend(f.trend[f.trend["indicator"] == first]))))
    return b


# --- Word -------------------------------------------------------------------------------------------------

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
LINE_PITCH = Pt(28.95)  # 22 lines on the 225 mm text height (GB/T 9704)


def _para(doc_or_cell, text: str, fonts: Fonts, *, font: str | None = None, size: float = BODY_PT,
          bold: bool = False, align=None, indent: bool = False):
    """A paragraph of one run in `font` (default the body's), its numbers glued to their signs and units."""
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:  # body text: two characters in, both edges straight
        p.paragraph_format.first_line_indent = Pt(size * 2)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.space_after = Pt(0)
    if size == BODY_PT:
        p.paragraph_format.line_spacing = LINE_PITCH
    typeset.add_text(p, text, fonts, font or fonts.body, size, bold=bold)
    return p


def _page_field(paragraph, fonts: Fonts) -> None:
    """— PAGE — in the footer: Word and LibreOffice fill in the number."""
    def run_with(el=None, text: str | None = None):
        r = paragraph.add_run(text)
        typeset.set_run_fonts(r, fonts, fonts.body, 14)
        if el is not None:
            r._element.append(el)
        return r

    run_with(text="— ")
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    run_with(text="1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)
    run_with(text=" —")


def cell_text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, dt.date):
        return fmt.date_label(v)
    if isinstance(v, int | float):
        return fmt.num(v)
    return str(v)


def _table(doc, df: pd.DataFrame, fonts: Fonts) -> None:
    table = doc.add_table(rows=1, cols=len(df.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, df.columns, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        typeset.add_text(cell.paragraphs[0], str(name), fonts, fonts.heading, TABLE_PT)
    for row in df.itertuples(index=False):
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            typeset.add_text(cell.paragraphs[0], cell_text(v), fonts, fonts.body, TABLE_PT)
    # Columns as wide as their text needs, none narrower than a number it must not split (typeset.column_widths).
    typeset.set_cell_margins(table)
    columns = [[str(name), *[cell_text(v) for v in df[name].head(200)]] for name in df.columns]
    for j, width in enumerate(typeset.column_widths(columns, int(TEXT_WIDTH), TABLE_PT)):
        table.columns[j].width = width  # w:gridCol, which LibreOffice reads
        for row in table.rows:  # w:tcW, which Word reads
            row.cells[j].width = width
    table.autofit = False
    typeset.order_table_properties(table)
    # Repeat the header row on every page the table runs over.
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def docx_bytes(b: Briefing, *, now: dt.datetime | None = None, fonts: Fonts | None = None) -> bytes:
    """The Word briefing in the 公文 layout: A4, GB/T 9704 margins, 标题 / headings / body in the fonts this machine
    has (typeset.choose_fonts, asked now), the organisation as author and company, created `now` (default: now)."""
    fonts = fonts or typeset.choose_fonts()
    doc = Document()
    typeset.set_default_fonts(doc, fonts)
    typeset.set_line_breaking(doc)
    typeset.set_properties(doc, title=b.title, author=b.organisation, created=now or dt.datetime.now(dt.UTC))
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(A4_TWIPS[0]), Twips(A4_TWIPS[1])
    # The 党政机关公文格式 margins (GB/T 9704): top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer, fonts)

    _para(doc, b.title, fonts, font=fonts.title, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（数据截至{fmt.date_label(pacing.ref_date(b.year, b.month, b.as_of))}）", fonts,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    if b.is_demo:
        _para(doc, f"（{meeting.DEMO_NOTE}）", fonts, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for heading, lines in b.sections:
        _para(doc, heading, fonts, font=fonts.heading).paragraph_format.keep_with_next = True
        for line in lines:
            _para(doc, line if line.endswith("。") or line.endswith(PLACEHOLDER) else f"{line}。", fonts, indent=True)

    if b.charts:
        _para(doc, "附图", fonts, font=fonts.heading).paragraph_format.keep_with_next = True
        for caption, png in b.charts:
            doc.add_picture(io.BytesIO(png), width=chart_width(png))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.paragraphs[-1].paragraph_format.keep_with_next = True
            _para(doc, caption, fonts, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)

    for i, (name, df) in enumerate(b.tables.items(), start=1):
        _para(doc, f"附表{i} {name}", fonts, font=fonts.heading).paragraph_format.keep_with_next = True
        if df.empty:
            _para(doc, "（无）", fonts, indent=True)
        else:
            _table(doc, df, fonts)
    buf = io.BytesIO()
    doc.save(buf)
    return typeset.finish_package(buf.getvalue(), company=b.office)


# --- Excel ------------------------------------------------------------------------------------------------


class NumberCells:
    """The boxed cell format of each Excel number format a workbook's figures need (typeset.excel_number), made once."""

    def __init__(self, wb) -> None:
        self.wb, self.made = wb, {}

    def __getitem__(self, spec: str):
        if spec not in self.made:
            self.made[spec] = self.wb.add_format({**typeset.EXCEL_CELL, "num_format": spec})
        return self.made[spec]


def write_frame(ws, df: pd.DataFrame, head, cell, *, top: int = 0, numbers: NumberCells | None = None) -> None:
    """The frame on a sheet from row `top`: its header in `head`, then numbers as numbers, text (dates in words) as
    text, blanks blank, each column as wide as its text (the briefing's sheets and the 风险会商 workbook). With
    `numbers` (NumberCells), a figure the table says as text ("77.8%", "5,505") is written as the number it says."""
    for j, col in enumerate(df.columns):
        ws.write_string(top, j, str(col), head)
        ws.set_column(j, j, column_width([col, *[cell_text(v) for v in df[col].head(500)]]))
    for i, values in enumerate(df.itertuples(index=False), start=top + 1):
        for j, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                ws.write_blank(i, j, None, cell)
            elif isinstance(v, bool) or not isinstance(v, int | float):
                text = cell_text(v)
                said = typeset.excel_number(text) if numbers and isinstance(v, str) else None
                if said:
                    ws.write_number(i, j, said[0], numbers[said[1]])
                else:
                    ws.write_string(i, j, text, cell)
            else:
                ws.write_number(i, j, float(v), cell)


def xlsx_bytes(b: Briefing) -> bytes:
    """A sheet per table: text written as text (never a formula or a link), frozen header, A4 landscape print."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, typeset.EXCEL_OPTIONS)
    wb.set_properties({"title": b.title, "author": b.organisation, "company": b.office,
                       "created": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    head, cell = wb.add_format(typeset.EXCEL_HEADER), wb.add_format(typeset.EXCEL_CELL)
    summary = wb.add_worksheet("本期概况")
    summary.set_column(0, 0, 120)
    summary.write_string(0, 0, b.title, wb.add_format({"bold": True, "font_size": 14}))
    row = 1
    demo_note = wb.add_format(typeset.EXCEL_DEMO)
    if b.is_demo:
        summary.write_string(row, 0, meeting.DEMO_NOTE, demo_note)
        row += 1
    for heading, lines in b.sections:
        summary.write_string(row, 0, heading, wb.add_format({"bold": True}))
        row += 1
        for line in lines:
            summary.write_string(row, 0, line)
            row += 1
    numbers = NumberCells(wb)
    for name, df in b.tables.items():
        ws = wb.add_worksheet(name[:31])
        write_frame(ws, df, head, cell, numbers=numbers)
        if b.is_demo:  # every sheet says so, below its table (the header row stays the first) and on paper
            ws.write_string(len(df) + 2, 0, meeting.DEMO_NOTE, demo_note)
            ws.set_header("&L" + meeting.DEMO_NOTE.replace("&", "&&"))
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # as wide as one page, as many pages tall as it takes
        ws.repeat_rows(0)
        ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return buf.getvalue()


# --- PDF --------------------------------------------------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_bytes(docx: bytes, *, timeout: int = PDF_TIMEOUT) -> bytes | None:
    """The briefing converted by LibreOffice headless; None when LibreOffice is not installed."""
    exe = soffice()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="briefing-") as tmp:
        src = Path(tmp) / "briefing.docx"
        src.write_bytes(docx)
        # A private profile: a running LibreOffice (or another conversion) holding the default one blocks this.
        profile = Path(tmp) / "profile"
        subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(src)], check=True, timeout=timeout, capture_output=True)
        out = Path(tmp) / "briefing.pdf"
        if not out.exists():
            raise RuntimeError("LibreOffice 未能生成PDF")
        return out.read_bytes()


def write(*, year: int, month: int, out: Path, as_of: dt.date | None = None, pdf: bool = True,
          session: Session | None = None) -> list[Path]:
    """Write the .docx, .xlsx and (when LibreOffice is installed) .pdf into `out`; the paths written."""
    b = gather(year=year, month=month, as_of=as_of, session=session)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / file_stem(year, month)
    docx = docx_bytes(b)
    paths = [stem.with_suffix(".docx"), stem.with_suffix(".xlsx")]
    paths[0].write_bytes(docx)
    paths[1].write_bytes(xlsx_bytes(b))
    if pdf:
        data = pdf_bytes(docx)
        if data is not None:
            paths.append(stem.with_suffix(".pdf"))
            paths[-1].write_bytes(data)
    return paths
