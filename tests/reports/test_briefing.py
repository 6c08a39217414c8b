"""The meeting pack on a small hand-built database (tests/reports/conftest.py, figures by hand in its docstring):
the Word briefing's sentences, tables, images, fonts, page size and page numbers; the workbook's rows, frozen
headers and text that stays text; the command line."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlmodel import Session

from cli import reports as cli
from db.engine import get_engine, set_setting
from reports import briefing, typeset
from tests import dbs
from tests.reports.conftest import FORMULA_UNIT, build_small

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AS_OF = dt.date(2022, 10, 31)


@pytest.fixture(scope="module")
def pack(pack_db) -> briefing.Briefing:
    with Session(pack_db) as session:
        return briefing.gather(year=2022, month=10, as_of=AS_OF, session=session)


@pytest.fixture(scope="module")
def document(pack) -> docx.document.Document:
    return docx.Document(io.BytesIO(briefing.docx_bytes(pack)))


@pytest.fixture(scope="module")
def workbook(pack) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(briefing.xlsx_bytes(pack)))


def paragraphs(d) -> list[str]:
    return [typeset.plain(p.text) for p in d.paragraphs]


def table_rows(d, header_first: str) -> list[list[str]]:
    """The rows (after the header) of the docx table whose first header cell is `header_first`, first match."""
    for t in d.tables:
        rows = [[typeset.plain(c.text) for c in r.cells] for r in t.rows]
        if rows[0][0] == header_first:
            return rows[1:]
    raise AssertionError(f"no table headed {header_first}")


def test_narrative_sentences_are_the_dashboards(document):
    text = paragraphs(document)
    assert "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点。" in text
    assert "进度明显滞后（红色）的监管所1个：双山所（示范创建，低于时序进度14.1个百分点）。" in text
    assert "重点指标：1项指标滞后：核查处置按时完成率90.0%，低于目标5.0个百分点（无基线）。" in text
    # 附表2: what each KPI is compared with, the sentence, its baseline and its source
    assert table_rows(document, "指标") == [["核查处置按时完成率", "95.0%", "90.0%", "目标", "95.0%", "−5", "略有滞后",
                                             "低于目标5.0个百分点", "无基线", "依据：测试"]]
    # the task list's 时序进度 said with its window and basis (none stated here: the calendar year)
    assert "时序进度83.3%（2022年1月1日至12月31日已过304/365天；未载明推进时段，按全年计）。" in text
    # every 包保 rate with its numerator and denominator, and what the problem figures count
    assert ("包保覆盖率100.0%（3/3），本季度督导完成率33.3%（1/3，季度时间进度33.7%），高风险主体现场督导率100.0%（1/1），"
            "今年发现问题整改率（包保督导问题，累计）0.0%（0/1），逾期未整改问题（各来源）1个。") in text
    # no 风险隐患 data and no report filed: said so, and both stations named as 未报 for each kind
    assert "2022年尚无风险隐患排查整治数据。" in text
    assert "10月风险隐患排查整治表（月报）（截止2022年10月24日）：按时0个，逾期0个，月报未报2个（明水所、双山所）。" in text
    assert "10月任务进度（截止2022年10月24日）：按时0个，逾期0个，进度未报2个（明水所、双山所）。" in text
    # the district's own plan (jurisdiction 章丘区): 2 tasks, 1 done, 1 overdue, named with its lead unit
    assert "章丘区2022年工作要点共2项：已完成1项、逾期未完成1项、已延期0项、进行中0项、未开始0项。" in text
    assert f"逾期未完成的工作要点：第1项落实进货查验制度（{FORMULA_UNIT}，期限2022年9月30日，进行中）。" in text
    assert not any("无逾期未完成事项" in line for line in text)
    i = text.index("六、督办建议")
    assert text[i + 1] == ("（1）双山所：示范创建：完成18/26家，完成率69.2%，追赶时序进度，2022年12月31日前完成"
                           "（低于时序进度14.1个百分点）。")
    assert f"（6）{FORMULA_UNIT}：第1项：落实进货查验制度，2022年11月7日前完成（逾期未完成，逾期31天）。" in text
    assert "（补充）（请食安办填写）" in text
    assert not any(line.startswith("附录") for line in text)  # no plan of another district: no appendix


def test_word_tables(document):
    assert table_rows(document, "监管所")[:2] == [
        ["明水所", "示范创建", "家", "100", "80", "80.0%", "83.3%", "−3.3", "略有滞后"],
        ["双山所", "示范创建", "家", "26", "18", "69.2%", "83.3%", "−14.1", "明显滞后"],
    ]
    assert table_rows(document, "序号") == [
        ["1", "落实进货查验制度", FORMULA_UNIT, "2022年9月30日", "进行中", "逾期未完成", ""],
        ["2", "开展校园食品安全检查", "区卫健委", "2022年6月30日", "已完成", "已完成", ""],
    ]
    assert table_rows(document, "类别") == [
        ["任务清单", "示范创建：完成18/26家，完成率69.2%，追赶时序进度", "双山所", "2022年12月31日", "低于时序进度14.1个百分点"],
        ["月报上报", "补报10月任务进度", "明水所", "2022年11月7日", "进度未报，已超截止日7天"],
        ["月报上报", "补报10月任务进度", "双山所", "2022年11月7日", "进度未报，已超截止日7天"],
        ["月报上报", "补报10月风险隐患排查整治表（月报）", "明水所", "2022年11月7日", "月报未报，已超截止日7天"],
        ["月报上报", "补报10月风险隐患排查整治表（月报）", "双山所", "2022年11月7日", "月报未报，已超截止日7天"],
        ["工作要点", "第1项：落实进货查验制度", FORMULA_UNIT, "2022年11月7日", "逾期未完成，逾期31天"],
        ["包保督导", "1个逾期未整改问题（各来源）整改销号", "各监管所、包保干部", "2022年11月7日", "逾期未整改"],
    ]


def test_word_has_chart_images(document, pack):
    assert len(document.inline_shapes) == 2 == len(pack.charts)
    for _, png in pack.charts:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    parts = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert len(parts) == 2


def test_word_fonts_page_size_and_page_numbers(document):
    """The fonts this machine has (typeset.choose_fonts, asked with fc-list): here the Noto CJK SC faces unless
    仿宋_GB2312 / 黑体 are installed."""
    chosen = typeset.choose_fonts()
    body = document.element.body
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    for run in runs:  # every run with text names its East Asian font
        assert run._element.rPr.rFonts.get(f"{W}eastAsia") in (chosen.title, chosen.heading, chosen.body), run.text
    title = document.paragraphs[0].runs[0]
    assert title._element.rPr.rFonts.get(f"{W}eastAsia") == chosen.title
    heading = next(p for p in document.paragraphs if p.text == "一、任务清单进度").runs[0]
    assert heading._element.rPr.rFonts.get(f"{W}eastAsia") == chosen.heading
    body_run = next(p for p in document.paragraphs if typeset.plain(p.text).startswith("截至10月底")).runs[0]
    assert body_run._element.rPr.rFonts.get(f"{W}eastAsia") == chosen.body
    if not {"黑体", "仿宋_GB2312", "仿宋", "SimHei", "FangSong"} & typeset.installed_families():
        assert (chosen.title, chosen.heading, chosen.body) == ("Noto Sans CJK SC", "Noto Sans CJK SC",
                                                               "Noto Serif CJK SC")

    sect = body.find(f"{W}sectPr")
    size = sect.find(f"{W}pgSz")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")

    footer = document.sections[0].footer._element
    assert [t.text for t in footer.iter(f"{W}instrText")] == [" PAGE "]
    assert [f.get(f"{W}fldCharType") for f in footer.iter(f"{W}fldChar")] == ["begin", "separate", "end"]


def test_workbook_sheets_rows_and_print_setup(workbook):
    assert workbook.sheetnames == ["本期概况", "各监管所任务进度", "重点指标", "包保督导", "风险隐患排查整治", "月报上报",
                                   "章丘区工作要点", "配档表", "督办建议"]
    ws = workbook["各监管所任务进度"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    # the rates the tables say as "80.0%" are numbers the office can sort and add up, shown as the table says them
    assert rows == [
        ["监管所", "指标", "单位", "目标", "累计完成", "完成率", "时序进度", "进度差（百分点）", "状态"],
        ["明水所", "示范创建", "家", 100, 80, 0.8, pytest.approx(0.833), -3.3, "略有滞后"],
        ["双山所", "示范创建", "家", 26, 18, pytest.approx(0.692), pytest.approx(0.833), -14.1, "明显滞后"],
    ]
    assert ws["F2"].number_format == "0.0%" and ws["F2"].data_type == "n"
    for name in workbook.sheetnames[1:]:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.page_setup.orientation == "landscape"
        # One page wide (fitToWidth left at its default, 1), as many tall as it takes.
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"
    # CJK counted as two: the 督办建议 事项 column is wider than its longest text's character count.
    duban = workbook["督办建议"]
    assert duban.column_dimensions["B"].width >= 2 * len("示范创建：完成18/26家，完成率69.2%，追赶时序进度") - 10
    summary = [r[0] for r in workbook["本期概况"].iter_rows(values_only=True)]
    assert "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点" in summary


def test_a_name_starting_with_equals_stays_text(pack):
    raw = zipfile.ZipFile(io.BytesIO(briefing.xlsx_bytes(pack)))
    sheets = "".join(raw.read(n).decode() for n in raw.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheets  # no formula anywhere
    wb = openpyxl.load_workbook(io.BytesIO(briefing.xlsx_bytes(pack)))
    for name, col in (("章丘区工作要点", "C2"), ("督办建议", "C7")):
        cell = wb[name][col]
        assert cell.value == FORMULA_UNIT and cell.data_type == "s", (name, cell.data_type)


def test_command_line_writes_the_pack(pack_db, tmp_path, capsys):
    url = pack_db.url.render_as_string(hide_password=False)
    assert cli.main(["briefing", "--year", "2022", "--month", "10", "--out", str(tmp_path), "--db", url,
                     "--no-pdf"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["食安委会议材料_2022年10月.docx", "食安委会议材料_2022年10月.xlsx"]
    d = docx.Document(str(tmp_path / names[0]))
    assert "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点。" in paragraphs(d)


def test_no_libreoffice_means_no_pdf(monkeypatch):
    monkeypatch.setattr(briefing.shutil, "which", lambda name: None)
    assert briefing.pdf_bytes(b"not used") is None


def test_reports_do_not_import_streamlit():
    code = "import sys, reports.briefing, reports.__main__, cli.reports; print('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, cwd=root)
    assert out.stdout.strip() == "False"


def test_real_figures_carry_no_demo_note_and_demo_figures_do(pack, document, workbook, tmp_path):
    assert not pack.is_demo
    assert not any("示例数据" in p for p in paragraphs(document))
    assert not any("示例数据" in str(c.value) for row in workbook["本期概况"].iter_rows() for c in row if c.value)
    # the same database marked as the demo one: both documents say so under the title
    url = dbs.new_url(tmp_path, "demo-kind.db")
    build_small(url)
    engine = get_engine(url)
    with Session(engine) as s:
        set_setting(s, "database_kind", "demo")
        s.commit()
    with Session(engine) as s:
        demo = briefing.gather(year=2022, month=10, charts=False, session=s)
    note = "示例数据：进度、台账、督导记录与指标数值为生成的演示数据，并非真实统计"
    assert demo.is_demo
    text = paragraphs(docx.Document(io.BytesIO(briefing.docx_bytes(demo))))
    assert text[1:3] == ["（数据截至2022年10月31日）", f"（{note}）"]
    wb = openpyxl.load_workbook(io.BytesIO(briefing.xlsx_bytes(demo)))
    assert wb["本期概况"]["A2"].value == note
    # every table sheet says it too, below its table, and on paper (the header row stays the first)
    for ws in wb.worksheets[1:]:
        assert [c.value for c in ws["A"]][-1] == note, ws.title
        assert note in ws.oddHeader.left.text, ws.title


def test_python_dash_m_reports_hands_over_to_the_command_line():
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "reports", "--help"], capture_output=True, text=True, timeout=60,
                         cwd=root)
    assert out.returncode == 0 and "briefing" in out.stdout
