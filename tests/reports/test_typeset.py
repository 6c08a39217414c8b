"""The briefing typeset as a 公文 (issue 16 item 7): the fonts this machine has, else the Noto CJK SC faces (never the
collection's Japanese first face, also in the charts); numbers glued to their sign and unit in the document XML;
chart labels ≥ 9 pt as placed; the organisation and the real generation time in the document properties."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile

import altair as alt
import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from sqlmodel import Session

from db.engine import get_engine, set_setting
from reports import briefing, typeset
from reports.typeset import MINUS, WORD_JOINER, ZERO_WIDTH_SPACE, Fonts
from services import meeting
from services.charts import build_ranking, build_trend
from services.rules.style import FONT
from tests import dbs
from tests.reports.conftest import build_small

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AS_OF = dt.date(2022, 10, 31)
WJ = WORD_JOINER


@pytest.fixture(scope="module")
def pack(pack_db) -> briefing.Briefing:
    with Session(pack_db) as session:
        return briefing.gather(year=2022, month=10, as_of=AS_OF, session=session)


@pytest.fixture(scope="module")
def made(pack) -> tuple[bytes, dt.datetime, dt.datetime]:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    data = briefing.docx_bytes(pack)
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return data, before, after


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode()


# --- fonts ----------------------------------------------------------------------------------------------------


def test_fonts_are_the_gongwen_ones_when_installed_else_noto_sc():
    assert typeset.choose_fonts({"方正小标宋简体", "黑体", "SimHei", "仿宋_GB2312", "Times New Roman"}) == Fonts(
        title="方正小标宋简体", heading="黑体", body="仿宋_GB2312", latin="Times New Roman")
    assert typeset.choose_fonts({"SimHei", "黑体", "FangSong", "仿宋"}) == Fonts(
        title="黑体", heading="黑体", body="仿宋", latin="仿宋")
    # nothing of the 公文 fonts: the SC faces of Noto CJK carry everything, Latin letters and digits too
    assert typeset.choose_fonts({"Noto Sans CJK JP", "Noto Sans CJK SC", "DejaVu Sans"}) == Fonts(
        title="Noto Sans CJK SC", heading="Noto Sans CJK SC", body="Noto Serif CJK SC", latin="Noto Serif CJK SC")


def test_the_document_names_the_chosen_fonts_for_every_script(pack):
    fonts = Fonts(title="方正小标宋简体", heading="黑体", body="仿宋_GB2312", latin="Times New Roman")
    d = docx.Document(io.BytesIO(briefing.docx_bytes(pack, fonts=fonts)))

    def east_asia(paragraph) -> set[str]:
        return {r._element.rPr.rFonts.get(f"{W}eastAsia") for r in paragraph.runs if r.text}

    text = [typeset.plain(p.text) for p in d.paragraphs]
    assert east_asia(d.paragraphs[0]) == {"方正小标宋简体"}
    assert east_asia(d.paragraphs[text.index("三、风险隐患排查整治")]) == {"黑体"}
    assert east_asia(d.paragraphs[text.index("2022年尚无风险隐患排查整治数据。")]) == {"仿宋_GB2312"}
    header = d.tables[0].rows[0].cells[0].paragraphs[0].runs[0]
    assert header._element.rPr.rFonts.get(f"{W}eastAsia") == "黑体"
    run = d.paragraphs[0].runs[0]._element.rPr.rFonts
    assert (run.get(f"{W}ascii"), run.get(f"{W}hAnsi"), run.get(f"{W}hint")) == ("Times New Roman",
                                                                                   "Times New Roman", "eastAsia")
    # the defaults a run without its own fonts falls back on: the body font, Chinese
    defaults = d.styles.element.find(f"{W}docDefaults").find(f"{W}rPrDefault").find(f"{W}rPr")
    assert defaults.find(f"{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    assert defaults.find(f"{W}rFonts").get(f"{W}eastAsiaTheme") is None
    assert defaults.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"


def test_gongwen_page_a4_and_margins(made):
    d = docx.Document(io.BytesIO(made[0]))
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]


def face_index(family: str) -> tuple[str, int]:
    out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{family}\n"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    for line in out.splitlines():
        path, index, names = line.split("|", 2)
        if family in names.split(",") and "Regular" in path:
            return path, int(index)
    pytest.skip(f"{family} is not installed (make sysdeps installs fonts-noto-cjk)")


def outline(im: Image.Image) -> np.ndarray:
    """The glyph's black pixels cropped to their box and scaled to 64×64."""
    im = im.convert("L").point(lambda p: 0 if p < 128 else 255)
    return np.asarray(im.crop(ImageChops.invert(im).getbbox()).resize((64, 64)), dtype=float)


def drawn(path: str, index: int, char: str) -> np.ndarray:
    im = Image.new("L", (300, 300), 255)
    ImageDraw.Draw(im).text((10, 10), char, font=ImageFont.truetype(path, 150, index=index), fill=0)
    return outline(im)


def sc_or_jp(im: Image.Image, char: str, family: str) -> str:
    """Which face of the collection the glyph in `im` was drawn with: the nearer of the SC and the JP face's."""
    glyph = outline(im)
    sc = np.abs(glyph - drawn(*face_index(f"{family} SC"), char)).mean()
    jp = np.abs(glyph - drawn(*face_index(f"{family} JP"), char)).mean()
    assert abs(sc - jp) > 5, (sc, jp)  # the two faces really differ for this character
    return "SC" if sc < jp else "JP"


@pytest.mark.parametrize("char", ["骨", "直"])
def test_charts_draw_chinese_with_the_sc_face(char):
    """骨 and 直 differ between the JP and the SC face: the briefing's charts (vl-convert, FONT) draw the SC one."""
    chart = (alt.Chart(pd.DataFrame({"t": [char]})).mark_text(fontSize=150).encode(text="t")
             .properties(height=220).configure(font=FONT).configure_view(stroke=None))
    png = briefing._png(chart)
    assert sc_or_jp(Image.open(io.BytesIO(png)), char, "Noto Sans CJK") == "SC"


# --- numbers glued to their sign and unit ------------------------------------------------------------------


def test_segments_glue_sign_number_and_unit():
    def shown(text: str) -> list[tuple[str, bool]]:
        return [(part.replace(WJ, "|").replace(ZERO_WIDTH_SPACE, "^"), glued)
                for part, glued in typeset.segments(text)]

    assert shown("低于时序进度-11.3个百分点") == [("低于时序进度", False), (f"{MINUS}|1|1|.|3|个|百|分|点", True)]
    assert shown("完成98/126个，完成率77.8%（3/3）") == [
        ("完成", False), ("9|8|/|1|2|6|个", True), ("，完成率", False), ("7|7|.|8|%", True), ("^（", False),
        ("3|/|3", True), ("）", False)]
    assert shown("2022-10-31，第2022号") == [("2022-10-31，第2022号", False)]  # no sign, nothing to glue
    assert typeset.plain(typeset.glue("完成率77.8%（3/3）")) == "完成率77.8%（3/3）"


def test_numbers_never_split_from_sign_or_unit_in_the_document_xml(made):
    xml = part(made[0], "word/document.xml")
    for token in (f"{MINUS}3.3", f"{MINUS}14.1", "5.5个百分点", "14.1个百分点", "77.8%", "98家", "18/26家", "69.2%"):
        assert WJ.join(token) in xml, token
    texts = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    # no hyphen-minus before a number where it is a sign (dates such as 2022-10-31 keep theirs)
    assert not [t for t in texts if re.search(r"(?<![0-9A-Za-z.])-\d", t)]
    # every glued number is a run of its own in the language zxx, where LibreOffice honours the word joiners
    d = docx.Document(io.BytesIO(made[0]))
    runs = [r for p in d.paragraphs for r in p.runs] + [r for t in d.tables for row in t.rows for c in row.cells
                                                         for p in c.paragraphs for r in p.runs]
    glued = [r for r in runs if WJ in r.text]
    assert len(glued) > 50
    for r in glued:
        assert r._element.rPr.find(f"{W}lang").get(f"{W}eastAsia") == "zxx", r.text
        assert re.fullmatch(rf"(?:[−+]{WJ})?\d(?:{WJ}[^{WJ}])*", r.text), r.text
    # and Word's own line-breaking lists for Chinese refuse a break on either side of a word joiner
    settings = part(made[0], "word/settings.xml")
    for tag in ("noLineBreaksBefore", "noLineBreaksAfter"):
        m = re.search(rf'<w:{tag} w:lang="zh-CN" w:val="([^"]*)"', settings)
        assert m and WJ in m.group(1), tag
    assert settings.index("noLineBreaksAfter") < settings.index("noLineBreaksBefore")  # the schema's order


def test_table_columns_hold_their_numbers_on_one_line(pack):
    """The 附表1 columns are never narrower than "100.0%" or "明显滞后" at 9 pt with the cell margins."""
    d = docx.Document(io.BytesIO(briefing.docx_bytes(pack)))
    table = d.tables[0]
    header = [typeset.plain(c.text) for c in table.rows[0].cells]
    widths = dict(zip(header, (c.width for c in table.columns), strict=True))
    pad = 2 * typeset.CELL_MARGIN
    assert widths["状态"] - pad >= 4 * briefing.TABLE_PT * 12700  # 明显滞后: four characters of 9 pt
    assert widths["完成率"] - pad >= typeset.ems("100.0%") * briefing.TABLE_PT * 12700
    assert sum(widths.values()) <= briefing.TEXT_WIDTH


# --- chart labels ≥ 9 pt as placed ----------------------------------------------------------------------------


def test_chart_texts_print_at_least_9pt(pack, made):
    ranking = pd.DataFrame({"station": ["明水所", "双山所"], "worst_lag_pp": [-3.3, -14.1],
                            "mean_lag_pp": [-3.3, -14.1], "worst_status": ["amber", "red"]})
    trend = pd.DataFrame({"month": [9, 10], "rate": [0.7, 0.778], "expected_rate": [0.75, 0.833]})
    for chart in (build_ranking(ranking, expected_rate=0.833), build_trend(trend)):
        config = briefing.for_paper(chart).to_dict()["config"]
        sizes = {f"{k}.{key}": v for k in ("axis", "legend", "title", "text") for key, v in config[k].items()
                 if key.lower().endswith("fontsize")}
        assert {"axis.labelFontSize", "axis.titleFontSize", "legend.labelFontSize", "legend.titleFontSize",
                "title.fontSize", "text.fontSize"} <= set(sizes)
        assert min(sizes.values()) == briefing.CHART_FONT
    d = docx.Document(io.BytesIO(made[0]))
    assert len(d.inline_shapes) == len(pack.charts) == 2
    for shape, (_, png) in zip(d.inline_shapes, pack.charts, strict=True):
        px_wide = briefing.png_size(png)[0]
        placed_pt = shape.width / 12700
        label_pt = briefing.CHART_FONT * briefing.CHART_SCALE * placed_pt / px_wide
        assert label_pt >= 9, label_pt
        assert shape.width <= briefing.TEXT_WIDTH


# --- document properties ----------------------------------------------------------------------------------


def test_properties_name_the_organisation_and_the_real_time(pack, made):
    data, before, after = made
    cp = docx.Document(io.BytesIO(data)).core_properties
    assert cp.title == pack.title == "2022年10月食品安全工作情况汇报"
    assert cp.author == cp.last_modified_by == "章丘区市场监督管理局"
    assert cp.comments == ""  # not "generated by python-docx"
    assert before <= cp.created.replace(tzinfo=None) <= after
    assert cp.modified == cp.created
    app = part(data, "docProps/app.xml")
    assert "<Company>章丘区食品安全委员会办公室</Company>" in app
    assert "<Application>食安督导看板</Application>" in app
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "docProps/thumbnail.jpeg" not in names
    assert "thumbnail" not in part(data, "_rels/.rels")
    wb = openpyxl.load_workbook(io.BytesIO(briefing.xlsx_bytes(pack)))
    assert (wb.properties.title, wb.properties.creator) == (pack.title, "章丘区市场监督管理局")
    assert before <= wb.properties.created.replace(tzinfo=None) <= after + dt.timedelta(seconds=60)


def test_the_organisation_is_a_setting(tmp_path):
    url = dbs.new_url(tmp_path, "org.db")
    build_small(url)
    engine = get_engine(url)
    with Session(engine) as s:
        set_setting(s, meeting.ORGANISATION_KEY, "某某区市场监督管理局")
        set_setting(s, meeting.OFFICE_KEY, "某某区食品安全委员会办公室")
        s.commit()
    with Session(engine) as s:
        b = briefing.gather(year=2022, month=10, as_of=AS_OF, charts=False, session=s)
    data = briefing.docx_bytes(b)
    assert docx.Document(io.BytesIO(data)).core_properties.author == "某某区市场监督管理局"
    assert "<Company>某某区食品安全委员会办公室</Company>" in part(data, "docProps/app.xml")


@pytest.mark.parametrize(("text", "number"), [
    ("77.8%", (0.778, "0.0%")), ("100%", (1.0, "0%")), ("5,505", (5505.0, "#,##0")), ("805", (805.0, "#,##0")),
    ("1,234.6", (1234.6, "#,##0.0")), ("3.85", (3.85, "#,##0.00")), ("−3", (-3.0, "#,##0")), ("0", (0.0, "#,##0")),
])
def test_a_figure_said_as_text_goes_into_the_workbook_as_the_number_it_says(text, number):
    assert typeset.excel_number(text) == number


@pytest.mark.parametrize("text", ["2022", "370114", "20221031", "0012", "1,23", "94.1%（64/68）", "—", "2022年", "A12"])
def test_a_code_a_year_or_words_stay_text(text):
    """fmt.num groups every figure of 1,000 or more: four digits or more without a comma are a code or a year."""
    assert typeset.excel_number(text) is None
