"""Containers (issue 18, item 7): the same 任务清单 rows written as .xlsx, .xlsm, .xls, WPS .et/.ett, CSV in UTF-8
(with and without BOM), GBK, GB18030, UTF-16 (Excel's "Unicode text", tab-separated), and as a CSV or an HTML table
saved under an .xlsx/.xls name, each imports the same values as the .xlsx twin; where the extension says otherwise
than the content, a 提示 says what the file really was. A Word document or a PDF under .xlsx stays refused.

LibreOffice here has no spreadsheet filters (writer only), so no real WPS file can be made: .et/.ett are tested as an
.xls and an .xlsx saved under that name, which is what WPS writes when told to keep Excel compatibility."""

from __future__ import annotations

import csv
import io

import docx
import pytest
import xlwt

from seed.importer import import_files
from seed.importer.worker import read_html, sniff
from tests.seed.fixtures import snapshot, task_rows, task_targets, xlsx

# Reading and checking files: the PostgreSQL pass leaves it out (the importer's writes run there in other tests)
pytestmark = pytest.mark.reading_only

ROWS = task_rows()  # the twin's rows, built once: title, header, three stations
EXPECTED = {("明水所", "示范创建"): 20, ("明水所", "新升级为食品生产企业"): 3, ("明水所", "视频监管试点"): 5,
            ("明水所", "抱团发展活动"): 2, ("双山所", "示范创建"): 20, ("双山所", "新升级为食品生产企业"): 3,
            ("双山所", "视频监管试点"): 5, ("双山所", "抱团发展活动"): 2, ("刁镇所", "示范创建"): 10,
            ("刁镇所", "新升级为食品生产企业"): 2, ("刁镇所", "视频监管试点"): 4, ("刁镇所", "抱团发展活动"): 1}


@pytest.fixture
def db(stations_engine):
    return stations_engine


def targets(engine) -> dict[tuple[str, str], float]:
    return task_targets(engine, 2022)


def as_xls(rows) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def as_text(rows, encoding: str, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def as_html(rows, charset: str = "utf-8") -> bytes:
    """What a government system exports as ".xls": an HTML page, the title a cell spanning the table."""
    width = max(len(r) for r in rows)
    body = []
    for row in rows:
        if len(row) == 1:
            body.append(f'<tr><td colspan="{width}" align="center"><b>{row[0]}</b></td></tr>')
        else:
            body.append("<tr>" + "".join(f"<td style='mso-number-format:\"\\@\"'>{v}</td>" for v in row) + "</tr>")
    page = (f'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<style>td {{ border: 1px solid; }}</style></head><body>"
            f'<table border="1">{"".join(body)}</table><table><tr><td>页脚</td></tr></table></body></html>')
    return page.encode("gbk" if charset == "gb2312" else charset)


XLSX = xlsx(ROWS)
XLS = as_xls(ROWS)

# (file name, bytes, the 提示 it gets, or None)
VARIANTS = [
    ("清单.xlsx", XLSX, None),
    ("清单.xlsm", XLSX, None),
    ("清单.xls", XLS, None),
    ("清单.et", XLS, None),
    ("清单.ett", XLS, None),
    ("清单.et", XLSX, None),
    ("清单.csv", as_text(ROWS, "utf-8"), None),
    ("清单.csv", as_text(ROWS, "utf-8-sig"), None),
    ("清单.csv", as_text(ROWS, "gbk"), None),
    ("清单.csv", as_text(ROWS, "gb18030"), None),
    ("清单.txt", as_text(ROWS, "utf-16", "\t"), None),  # Excel's "Unicode text": UTF-16 LE with BOM
    ("清单.txt", b"\xfe\xff" + as_text(ROWS, "utf-16-be", "\t"), None),
    ("清单.txt", as_text(ROWS, "utf-16-le", "\t"), None),  # no BOM
    ("清单.xlsx", as_text(ROWS, "gbk"), "文件扩展名为.xlsx，实际是文本表格（CSV，GBK编码），已按文本表格读取"),
    ("清单.xls", as_text(ROWS, "utf-8-sig"), "文件扩展名为.xls，实际是文本表格（CSV，UTF-8编码），已按文本表格读取"),
    ("清单.xls", as_text(ROWS, "utf-16", "\t"),
     "文件扩展名为.xls，实际是文本表格（制表符分隔，UTF-16编码），已按文本表格读取"),
    ("清单.xls", as_html(ROWS), "文件扩展名为.xls，实际是网页表格（HTML），已按网页表格读取"),
    ("清单.xlsx", as_html(ROWS, "gb2312"), "文件扩展名为.xlsx，实际是网页表格（HTML），已按网页表格读取"),
    ("清单.xls", XLSX, "文件扩展名为.xls，实际是Excel工作簿（.xlsx），已按Excel工作簿读取"),
]


@pytest.mark.parametrize(("name", "data", "hint"), VARIANTS, ids=[f"{i}-{v[0]}" for i, v in enumerate(VARIANTS)])
def test_each_container_imports_the_twins_values(db, name, data, hint):
    report = import_files([(name, data)], engine=db)
    assert report.exit_code == 0, [f.line() for f in report.errors] + [f.rejected for f in report.files]
    assert report.committed
    assert targets(db) == EXPECTED
    hints = [f.line() for f in report.warnings if "扩展名" in f.message]
    assert hints == ([f"{name}：{hint}"] if hint else [])
    assert report.files[0].kinds == ["任务清单"]


def test_utf16_is_text_not_binary():
    assert sniff(as_text(ROWS, "utf-16", "\t")) == "text"
    assert sniff(as_text(ROWS, "utf-16-le", "\t")) == "text"  # no BOM: every other byte NUL
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary") == "binary"


def test_html_spans_become_merged_cells():
    page = ("<table><tr><th rowspan=2>监管所</th><th colspan=2>任务</th></tr>"
            "<tr><th>示范创建</th><th>视频<br>试点</th></tr>"
            "<tr><td>明水所</td><td>&nbsp;20 </td><td>5</td></tr></table>").encode()
    out = read_html(page)
    sheet = out["sheets"][0]
    assert sheet["rows"] == [["监管所", "任务", ""], ["", "示范创建", "视频\n试点"], ["明水所", "20", "5"]]
    assert sheet["merged"] == [((0, 0), (1, 0)), ((0, 1), (0, 2))]
    assert out["format"] == "html" and out["encoding"] == "UTF-8"


def test_html_reads_no_entities_and_only_the_first_table():
    page = (b'<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]><html><body>'
            b"<table><tr><td>&x;</td><td>&lt;a&gt;</td></tr></table><table><tr><td>second</td></tr></table>"
            b"</body></html>")
    rows = read_html(page)["sheets"][0]["rows"]
    assert rows == [["&x;", "<a>"]]


def _docx() -> bytes:
    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("不是表格")
    document.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("清单.xlsx", _docx(), "清单.xlsx：这是Word文档，不是Excel工作簿"),
    ("清单.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
     "清单.xlsx：文件实际是PDF文档，不是表格文件；请导入Excel工作簿（.xlsx、.xls）或CSV"),
    ("清单.xls", b"<html><body><p>no table here</p></body></html>", "清单.xls：网页中没有表格（<table>），无法导入"),
])
def test_documents_that_are_no_tables_stay_refused(db, name, data, message):
    before = snapshot(db)
    report = import_files([(name, data)], engine=db)
    assert report.exit_code == 2
    assert [f.rejected for f in report.files] == [message]
    assert snapshot(db) == before
