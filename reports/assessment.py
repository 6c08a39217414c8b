"""年终督导考核: the score table as Excel (`python -m seed export 考核`) and a Word 通报 draft with the 表彰 and 批评
lists and their reasons (`python -m reports 考核通报`, the 会议材料 page). The office edits the draft before it goes
out: the opening and closing sentences are marked for it to fill in."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from numbers import Number
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from reports import briefing, typeset
from reports.typeset import Fonts
from services import assessment, catalog, meeting
from services.rules import assessment as rules
from services.rules import fmt
from services.rules.text import column_width
from services.unit import unit_of_work

if TYPE_CHECKING:
    from services.meeting import Session


@dataclass(frozen=True)
class Notice:
    """What the 通报 says, gathered once from services.assessment."""

    year: int
    as_of: dt.date
    district: str
    scores: pd.DataFrame  # services.assessment.assessment
    table: pd.DataFrame  # services.assessment.table
    sheet: pd.DataFrame  # the same with numbers (numbers=True), for the workbook
    rules_text: list[str]
    is_demo: bool
    organisation: str
    office: str

    @property
    def title(self) -> str:
        return f"关于{self.year}年度食品小作坊提质增效工作督导考核情况的通报"

    def named(self, verdict: str) -> pd.DataFrame:
        return self.scores[self.scores["verdict"] == verdict]


def file_name(year: int, suffix: str) -> str:
    return f"{year}年度督导考核{'通报（草稿）' if suffix == '.docx' else '得分'}{suffix}"


@unit_of_work
def gather(*, year: int, as_of: dt.date | None = None, session: Session | None = None) -> Notice:
    """The 通报's figures (its own unit of work unless a test or the command line hands in a session)."""
    as_of = as_of or assessment.clock(session=session)
    w = assessment.weights(session=session)
    scores = assessment.assessment(session=session, year=year, as_of=as_of, weights_in_force=w)
    district = catalog.district_name(session=session)
    return Notice(year=year, as_of=as_of, district=district, scores=scores, table=assessment.table(scores, w),
                  sheet=assessment.table(scores, w, numbers=True),
                  rules_text=assessment.rule_lines(w), is_demo=catalog.is_demo(session=session),
                  **meeting.organisation(session, district))


def _lines(n: Notice, verdict: str, empty: str) -> list[str]:
    rows = n.named(verdict)
    if rows.empty:
        return [empty]
    return [f"{r.station}（{fmt.num(r.total, 1)}分）：{r.reasons or '各项得分均衡'}{assessment.check_note(r)}"
            for r in rows.itertuples()]


def docx_bytes(n: Notice, *, fonts: Fonts | None = None, now: dt.datetime | None = None) -> bytes:
    """The 通报 draft in the 公文 layout (the same fonts and margins as the briefing)."""
    fonts = fonts or typeset.choose_fonts()
    doc = Document()
    typeset.set_default_fonts(doc, fonts)
    typeset.set_line_breaking(doc)
    typeset.set_properties(doc, title=n.title, author=n.organisation, created=now or dt.datetime.now(dt.UTC))
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    para = briefing._para  # noqa: SLF001 — the briefing's own paragraph, so both documents read alike
    para(doc, n.title, fonts, font=fonts.title, size=briefing.TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "（草稿）", fonts, align=WD_ALIGN_PARAGRAPH.CENTER)
    if n.is_demo:
        para(doc, f"（{meeting.DEMO_NOTE}）", fonts, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "各监管所：", fonts)
    criticised = n.named(rules.CRITICISE)
    para(doc, f"按照《{n.district}食品小作坊提质增效专项整治工作方案》督导考核要求，区食安办对{len(n.scores)}个监管所"
              f"{n.year}年度工作进行了考核（数据截至{fmt.date_label(n.as_of)}）。{briefing.PLACEHOLDER}现将考核情况通报如下。",
         fonts, indent=True)
    para(doc, "一、考核办法", fonts, font=fonts.heading)
    for line in n.rules_text:
        para(doc, f"{line}。", fonts, indent=True)
    para(doc, "二、通报表彰", fonts, font=fonts.heading)
    for line in _lines(n, rules.PRAISE, "本年度没有监管所达到表彰线。"):
        para(doc, line, fonts, indent=True)
    para(doc, "三、通报批评", fonts, font=fonts.heading)
    for line in _lines(n, rules.CRITICISE, "本年度没有监管所低于批评线。"):
        para(doc, line, fonts, indent=True)
    if not criticised.empty:
        para(doc, f"请{'、'.join(criticised['station'])}认真查找原因，于{briefing.PLACEHOLDER}前向区食安办报送整改措施。",
             fonts, indent=True)
    para(doc, "四、下步要求", fonts, font=fonts.heading)
    para(doc, briefing.PLACEHOLDER, fonts, indent=True)
    if not n.table.empty:
        para(doc, "附表 各监管所考核得分", fonts, font=fonts.heading)
        briefing._table(doc, n.table, fonts)  # noqa: SLF001
    para(doc, n.office, fonts, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, fmt.date_label(n.as_of), fonts, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buf = io.BytesIO()
    doc.save(buf)
    return typeset.finish_package(buf.getvalue(), company=n.office)


def xlsx_bytes(n: Notice) -> bytes:
    """The score table on one sheet (text as text, frozen header), the rule and the 示例 note above it."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, typeset.EXCEL_OPTIONS)
    wb.set_properties({"title": f"{n.year}年度督导考核得分", "author": n.organisation, "company": n.office})
    ws = wb.add_worksheet("考核得分")
    head, cell = wb.add_format(typeset.EXCEL_HEADER), wb.add_format(typeset.EXCEL_CELL)
    ws.write_string(0, 0, f"{n.year}年度督导考核得分（数据截至{fmt.date_label(n.as_of)}）", wb.add_format({"bold": True}))
    notes = [*n.rules_text, *([meeting.DEMO_NOTE] if n.is_demo else [])]
    for i, line in enumerate(notes, start=1):
        ws.write_string(i, 0, line)
    top = len(notes) + 1
    # 排名, each part's points and 总分 as numbers, so the office can sort and add them up; 不适用 stays text
    for j, col in enumerate(n.sheet.columns):
        ws.write_string(top, j, col, head)
        ws.set_column(j, j, column_width([col, *[str(v) for v in n.table[col]]]))
        for i, v in enumerate(n.sheet[col]):
            if isinstance(v, Number) and not pd.isna(v):
                ws.write_number(top + 1 + i, j, float(v), cell)
            else:
                ws.write_string(top + 1 + i, j, str(v), cell)
    ws.freeze_panes(top + 1, 2)
    wb.close()
    return buf.getvalue()
