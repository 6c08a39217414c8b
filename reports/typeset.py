"""How the Word briefing is typeset: the 公文 fonts this machine has (GB/T 9704: 标题 方正小标宋简体, 一级标题 黑体,
正文 仿宋_GB2312), falling back to the Simplified Chinese faces of Noto CJK (never the collection's first, Japanese,
face); numbers glued to their sign and unit so a line never breaks inside "−11.3个百分点"; the document's
properties (author, company, title, creation time)."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

# Preferred names first; the last of each is the Noto CJK SC face (Debian fonts-noto-cjk, make sysdeps).
TITLE_FONTS = ("方正小标宋简体", "方正小标宋_GBK", "黑体", "SimHei", "Noto Sans CJK SC")
HEADING_FONTS = ("黑体", "SimHei", "Noto Sans CJK SC")
BODY_FONTS = ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC")
LATIN_FONTS = ("Times New Roman",)  # else the body's own face carries the digits and Latin letters

WORD_JOINER = "\u2060"  # U+2060: no line break on either side, no width
ZERO_WIDTH_SPACE = "\u200b"  # a line may break here
OPENING = "（(〔［【"
NO_LANGUAGE = "zxx"  # BCP 47: no linguistic content (a figure)
MINUS = "\u2212"  # U+2212 MINUS SIGN: a sign, not a hyphen a line may break after
# A number with its sign, its fraction or ratio and its unit: "-11.3个百分点", "98/126个", "77.8%", "（3/3）".
UNITS = "个百分点|百分点|万元|批次|个|家|处|项|天|次|人|户|条|件|元|所|年|月|日|%|‰"
SIGN = f"[-{MINUS}+]"
# A sign only where no letter or digit precedes it: "2022-10-31" keeps its hyphens.
NUMBER = re.compile(rf"(?:(?<![0-9A-Za-z.]){SIGN})?\d+(?:[.,/]\d+)*(?:{UNITS})?")


# The Excel workbooks' options and formats (xlsxwriter): text stays text (never a formula, a link or a number), the
# header row shaded and wrapped, cells boxed, the 示例 note in amber. reports/briefing.py and reports/consultation.py.
EXCEL_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
EXCEL_HEADER = {"bold": True, "bg_color": "#e6ebf1", "border": 1, "text_wrap": True, "valign": "vcenter"}
EXCEL_CELL = {"border": 1, "valign": "top"}
EXCEL_DEMO = {"bold": True, "font_color": "#9c5700"}
# A figure the tables say as text (fmt.pct "77.8%", fmt.num "5,505" / "1,234.6" / "805" / "−3"), written back as a
# number in the workbooks so that the office can sort and add up, in a format that shows it as the table says it.
# fmt.num groups every number of 1,000 or more, so 4 or more digits without a comma are a code or a year: text.
_PERCENT = re.compile(r"[-−]?\d+(?:\.(\d+))?%")
_FIGURE = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d{0,2})(?:\.(\d+))?")  # no leading 0: a code stays text


def excel_number(text: str) -> tuple[float, str] | None:
    """(value, Excel number format) of a figure said as text, else None (text with words, a code, a year, a date)."""
    def places(m: re.Match) -> str:  # as many decimals as the text shows
        return "." + "0" * len(m.group(1)) if m.group(1) else ""

    value = text.replace(",", "").replace("−", "-")
    if m := _PERCENT.fullmatch(text):
        return float(value[:-1]) / 100, f"0{places(m)}%"
    if m := _FIGURE.fullmatch(text):
        return float(value), f"#,##0{places(m)}"
    return None


@dataclass(frozen=True)
class Fonts:
    """East Asian font names for the 标题, the headings and tables' headers, the body; and the Latin font."""

    title: str
    heading: str
    body: str
    latin: str


def installed_families() -> set[str]:
    """Every family name fontconfig knows (each of a face's names: "SimHei" and "黑体"); empty without fc-list."""
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name.strip() for line in out.stdout.splitlines() for name in line.split(",") if name.strip()}


def choose_fonts(families: set[str] | None = None) -> Fonts:
    """The first of each list the machine has (checked now, with fc-list), else the list's Noto CJK SC face."""
    have = installed_families() if families is None else families

    def first(names: tuple[str, ...]) -> str:
        return next((n for n in names if n in have), names[-1])

    body = first(BODY_FONTS)
    return Fonts(title=first(TITLE_FONTS), heading=first(HEADING_FONTS), body=body,
                 latin=next((n for n in LATIN_FONTS if n in have), body))


def segments(text: str) -> list[tuple[str, bool]]:
    """The text cut into plain parts and glued numbers (True): a hyphen before a number becomes the minus sign
    U+2212 and a word joiner (U+2060) sits between every two characters of "−11.3个百分点", "98/126个", "77.8%"."""
    out: list[tuple[str, bool]] = []
    at = 0
    for m in NUMBER.finditer(text):
        token = m.group(0)
        if token.isdigit():  # a bare number has nothing to lose
            continue
        if token[0] == "-":
            token = MINUS + token[1:]
        if m.start() > at:
            out.append((text[at:m.start()], False))
        out.append((WORD_JOINER.join(token), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    # "77.8%（98/126）": a line may break before the bracket, which the rule for a number's prefix and postfix
    # (UAX 14 LB25, PO × OP NU) refuses without a zero-width space there.
    return [(ZERO_WIDTH_SPACE + part if i and out[i - 1][1] and part[0] in OPENING else part, glued)
            for i, (part, glued) in enumerate(out)]


def glue(text: str) -> str:
    """The text with its numbers glued to their signs and units (segments)."""
    return "".join(part for part, _ in segments(text))


def plain(text: str) -> str:
    """The text without the word joiners and zero-width spaces segments() put in (what a reader reads)."""
    return text.replace(WORD_JOINER, "").replace(ZERO_WIDTH_SPACE, "")


def set_run_fonts(run, fonts: Fonts, east_asia: str, size: float, *, bold: bool = False) -> None:
    """Name the run's font for every script: python-docx's font.name sets only ascii/hAnsi, Word and LibreOffice
    pick Chinese glyphs from w:eastAsia; w:hint makes the quotes and dashes Chinese too."""
    run.font.name = fonts.latin
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def add_text(paragraph, text: str, fonts: Fonts, east_asia: str, size: float, *, bold: bool = False) -> None:
    """The text as runs in `east_asia` (and fonts.latin), each glued number a run of its own in the language
    "zxx" (no linguistic content): LibreOffice breaks Chinese lines between any two characters but for its list of
    forbidden ones, which a .docx cannot extend, and honours the word joiners in a run of no Chinese language."""
    for part, glued in segments(text):
        run = paragraph.add_run(part)
        set_run_fonts(run, fonts, east_asia, size, bold=bold)
        if glued:
            lang = OxmlElement("w:lang")
            lang.set(qn("w:eastAsia"), NO_LANGUAGE)
            run._element.get_or_add_rPr().append(lang)


def set_default_fonts(doc, fonts: Fonts) -> None:
    """The document's defaults (docDefaults, then Normal) in the body font and Chinese (zh-CN): a paragraph the code
    does not style, an empty table cell or the page number meet the same face, never the theme's."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for el in (rpr.find(qn("w:rFonts")), rpr.find(qn("w:lang"))):
        if el is not None:
            rpr.remove(el)
    rfonts = OxmlElement("w:rFonts")
    for attr, name in (("w:ascii", fonts.latin), ("w:hAnsi", fonts.latin), ("w:eastAsia", fonts.body),
                       ("w:cs", fonts.body)):
        rfonts.set(qn(attr), name)
    rpr.insert(0, rfonts)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    normal = doc.styles["Normal"]
    normal.font.name = fonts.latin
    normal_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    normal_fonts.set(qn("w:eastAsia"), fonts.body)


# Word's 简体中文 line-breaking rules (禁则), each with the word joiner added: a line may neither end nor begin at
# U+2060, so the breaks LibreOffice's Chinese line breaking would make inside a glued number are refused too.
NOT_AT_LINE_START = ("!%),.:;?]}¢°·'\"†‡›℃∶、。〃〆〕〗〞﹚﹜！＂％＇），．：；？］｝～”’」』》〉】…—"
                     + WORD_JOINER)
NOT_AT_LINE_END = "$(£¥·'\"〈《「『【〔〖〝﹙﹛＄（．［｛￡￥“‘" + WORD_JOINER


def set_line_breaking(doc) -> None:
    """w:noLineBreaksAfter / w:noLineBreaksBefore (zh-CN) in the document settings, where the schema puts them."""
    settings = doc.settings.element
    anchor = settings.find(qn("w:characterSpacingControl"))
    for tag, chars in (("w:noLineBreaksAfter", NOT_AT_LINE_END), ("w:noLineBreaksBefore", NOT_AT_LINE_START)):
        el = OxmlElement(tag)
        el.set(qn("w:lang"), "zh-CN")
        el.set(qn("w:val"), chars)
        if anchor is not None:
            anchor.addnext(el)
        else:
            settings.append(el)
        anchor = el
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def set_properties(doc, *, title: str, author: str, created: dt.datetime) -> None:
    """Core properties: the briefing's title, the organisation as author, the real generation time (UTC)."""
    cp = doc.core_properties
    cp.title = title
    cp.author = author
    cp.last_modified_by = author
    cp.created = cp.modified = created.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    cp.comments = ""
    cp.subject = "食品安全工作情况汇报"
    cp.keywords = ""
    cp.revision = 1


APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           "<Application>{app}</Application><DocSecurity>0</DocSecurity><Company>{company}</Company>"
           "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc></Properties>")
APPLICATION = "食安督导看板"
THUMBNAIL = "docProps/thumbnail.jpeg"  # python-docx's template picture of some other document


def finish_package(docx: bytes, *, company: str) -> bytes:
    """The saved .docx with its extended properties rewritten (Company = the organisation, Application = this
    dashboard, not the template's "Microsoft Macintosh Word") and the template's thumbnail left out."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == THUMBNAIL:
                continue
            data = src.read(item.filename)
            if item.filename == "docProps/app.xml":
                data = APP_XML.format(app=escape(APPLICATION), company=escape(company)).encode()
            elif item.filename in ("_rels/.rels", "[Content_Types].xml"):
                data = _without_thumbnail(data)
            dst.writestr(item, data)
    return out.getvalue()


def _without_thumbnail(xml: bytes) -> bytes:
    text = xml.decode()
    text = re.sub(r'<Relationship [^>]*Target="docProps/thumbnail\.jpeg"[^>]*/>', "", text)
    text = re.sub(r'<Override [^>]*PartName="/docProps/thumbnail\.jpeg"[^>]*/>', "", text)
    return text.encode()


# --- table columns --------------------------------------------------------------------------------------------

CELL_MARGIN = Pt(2.5)  # left and right inside a table cell (w:tblCellMar); Word's default 5.4 pt wastes a column
WIDEST_EMS = 14  # no column asks for more than this many characters' width: long texts wrap
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")  # Chinese characters and full-width forms


def ems(text: str) -> float:
    """A text's width in ems at its font size: a Chinese character 1, % 0.85, other characters 0.55."""
    return sum(1.0 if CJK.match(ch) else 0.85 if ch in "%‰" else 0.0 if ch in WORD_JOINER + ZERO_WIDTH_SPACE else 0.55 for ch in text)


CLOSING = "）)〕］】，。、；："
CJK_CHARS = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
# What a line may not break inside: a number with its sign, unit and the brackets around it ("（109/114）"), a
# Latin word, one Chinese character.
PIECE = re.compile(rf"[{OPENING}]?(?:{SIGN})?\d+(?:[.,/]\d+)*(?:{UNITS})?[{CLOSING}]?|[^\s{CJK_CHARS}]+|[{CJK_CHARS}]")
SHORT_EMS = 4  # a column whose values are all this short keeps each on one line ("明显滞后", "任务清单")


def unbreakable_ems(text: str) -> float:
    """The widest piece a line may not break inside (PIECE), in ems."""
    return max((ems(piece) for piece in PIECE.findall(plain(text))), default=0.0)


def column_widths(columns: list[list[str]], total: int, size: float) -> list[int]:
    """Widths (EMU) of table columns given as [header, *values]: each as wide as its longest value (or half its
    header, which may wrap) up to WIDEST_EMS, shared out over `total`, but never narrower than its widest
    unbreakable piece, so "100.0%" or "明显滞后" never split inside a cell."""
    em, pad = int(Pt(size)), int(2 * CELL_MARGIN + Pt(1.5))
    longest = [max((ems(t) for t in col[1:]), default=0.0) for col in columns]
    need = [max([unbreakable_ems(t) for t in col] + [n if n <= SHORT_EMS else 0]) * em + pad
            for col, n in zip(columns, longest, strict=True)]
    if sum(need) > total / 2:  # too many short columns to keep each on one line: let them wrap
        need = [max(unbreakable_ems(t) for t in col) * em + pad for col in columns]
    want = [min(WIDEST_EMS, max([ems(t) for t in col[1:]] + [ems(col[0]) / 2])) * em + pad for col in columns]
    fixed: set[int] = set()
    widths = [total * w / sum(want) for w in want]
    while True:
        short = {j for j, w in enumerate(widths) if j not in fixed and w < need[j]}
        rest = [j for j in range(len(columns)) if j not in fixed | short]
        if not short or not rest:
            break
        fixed |= short
        free = total - sum(need[j] for j in fixed)
        share = sum(want[j] for j in rest)
        widths = [need[j] if j in fixed else max(free, 0) * want[j] / share for j in range(len(columns))]
    return [int(w) for w in widths]


TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
                "tblCaption", "tblDescription")


def set_cell_margins(table) -> None:
    """CELL_MARGIN left and right in every cell of the table (w:tblCellMar)."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(CELL_MARGIN.pt * 20)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def order_table_properties(table) -> None:
    """w:tblPr's children in the schema's order (Word refuses a file whose tblLayout follows tblLook)."""
    tbl_pr = table._tbl.tblPr
    rank = {qn(f"w:{name}"): i for i, name in enumerate(TBL_PR_ORDER)}
    children = sorted(tbl_pr, key=lambda el: rank.get(el.tag, len(rank)))
    for el in children:
        tbl_pr.remove(el)
        tbl_pr.append(el)
