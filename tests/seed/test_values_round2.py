"""Issue 18, items 3a and 5: values as Excel shows them (error values, invisible characters), rates and dates with
sense, and a register with a header but no rows."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
import xlwt
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from seed.importer import import_files, reader
from seed.importer.checks import FOLLOW_UP_DATES, PLANNED_DATES, date_check, is_planned
from seed.importer.kinds import KINDS
from seed.importer.reader import read_workbook
from seed.importer.values import (
    ExcelError,
    ValueProblem,
    clean_text,
    nfkc,
    parse_date,
    parse_rate,
    squash,
)
from tests import dbs
from tests.seed.fixtures import HEADERS, snapshot
from tests.seed.test_visit_import import _register

# Reading and checking files: the PostgreSQL pass leaves it out (the importer's writes run there in other tests)
pytestmark = pytest.mark.reading_only

TODAY = dt.date(2026, 12, 3)
VISIT_HEADER = [c.label for c in KINDS["督导记录"].columns]


def book(rows, *, title="Sheet1", errors=(), texts=()) -> bytes:
    """An .xlsx of the rows; `errors` are (cell, code) written as real error cells, `texts` as text cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c).value = value
                if isinstance(value, str):
                    ws.cell(r, c).data_type = "s"  # openpyxl would take "#N/A" for an error cell
    for ref, code in errors:
        ws[ref].value = code
        ws[ref].data_type = "e"
    for ref, text in texts:
        ws[ref].value = text
        ws[ref].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(engine, name, data, **kw):
    kw.setdefault("today", TODAY)
    return import_files([(name, data)], engine=engine, **kw)


def refused(engine, name, data, **kw) -> list[str]:
    before = snapshot(engine)
    report = run(engine, name, data, **kw)
    assert report.exit_code != 0 and not report.committed
    assert snapshot(engine) == before
    return [f.line() for f in report.errors]


def visit(date, *, no="DD2023000001", cadre="GB0001", station="明水所", method="现场", note=""):
    return [no, date, cadre, "", "", "91370181MA3C000001", "", station, method, 1, note]


def visits(engine) -> dict[str, m.Visit]:
    with Session(engine) as s:
        return {v.record_no or v.key: v for v in s.exec(select(m.Visit)).all()}


@pytest.fixture
def register(tmp_path, tmp_path_factory):
    """Stations, two businesses and two cadres (test_visit_import._register): a copy of one built once."""
    yield get_engine(dbs.copy_of("visit-register", _build_register, tmp_path_factory, tmp_path, "unit.db"))
    dispose_engines()


def _build_register(url: str) -> None:
    dbs.build_schema(url)
    _register(get_engine(url))


@pytest.fixture
def stations(stations_engine):
    return stations_engine


# --- Excel error values ----------------------------------------------------------------------


@pytest.mark.parametrize("parent_scan_mb", [reader.PARENT_SCAN_MB, 0])  # scanned by the app, or by the subprocess
def test_error_cells_arrive_as_excel_errors_and_text_stays_text_in_xlsx(monkeypatch, parent_scan_mb):
    monkeypatch.setattr(reader, "PARENT_SCAN_MB", parent_scan_mb)
    data = book([["a", "b"], [None, None], [None, None], [None, None]],
                errors=[("A2", "#DIV/0!"), ("A3", "#SPILL!"), ("A4", "#CALC!")], texts=[("B2", "#DIV/0!")])
    rows = read_workbook(data, "e.xlsx").sheets[0].rows
    assert [type(r[0]) for r in rows[1:]] == [ExcelError, ExcelError, ExcelError]
    assert rows[1][0] == "#DIV/0!" and rows[2][0] == "#SPILL!" and rows[3][0] == "#CALC!"
    assert type(rows[1][1]) is str and rows[1][1] == "#DIV/0!"


def _formula_book(rows) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)  # openpyxl writes formulas without cached values
    return out.getvalue()


def test_a_workbook_too_large_to_hold_is_read_in_parts_for_formulas_and_error_cells():
    """has_marks reads the sheets' XML in parts (here 7 bytes: every tag cut somewhere) and finds what scan_xlsx
    would look at: a formula, an error cell; a plain workbook has neither."""
    from seed.importer.cell_marks import has_marks

    plain = book([["a", "b"], [1, "x"], [2, "=y"]], texts=[("B2", "t=e")])
    formula = _formula_book([["a", "b"], [1, "=A2*2"]])
    error = book([["a"], [None]], errors=[("A2", "#DIV/0!")])
    for part in (7, 2**20):
        assert not has_marks(plain, part)
        assert has_marks(formula, part) and has_marks(error, part)
        assert has_marks(_respelled(error), part)


def test_a_large_workbook_without_marks_is_read_once_and_one_with_them_scanned(monkeypatch):
    """Past PARENT_SCAN_MB the app reads the XML in parts only: a workbook with no formula nor error cell keeps the
    one read; one with an empty formula is read again, scanned by the subprocess, and the formula is found."""
    monkeypatch.setattr(reader, "PARENT_SCAN_MB", 0)
    calls = []
    parse = reader._parse
    monkeypatch.setattr(reader, "_parse", lambda *a, **k: calls.append(k["scan"]) or parse(*a, **k))
    sheet = read_workbook(book([["a", "b"], [1, "x"]]), "p.xlsx").sheets[0]
    assert (calls, sheet.formula_empty, sheet.errors, sheet.rows[1]) == ([False], set(), {}, [1, "x"])
    calls.clear()
    sheet = read_workbook(_formula_book([["a", "b"], [1, "=A2*2"]]), "f.xlsx").sheets[0]
    assert calls == [False, True] and sheet.formula_empty == {(1, 1)}



def test_the_worker_sends_rows_as_made_and_every_cell_keeps_its_address():
    """The subprocess sends a sheet's rows as calamine makes them (read_excel, issue 21): the same grid as the
    whole sheet read at once, in .xlsx and .xls, when the first used cell is C3 (calamine's row iterator starts at
    the first used column), on an empty sheet, and beyond a part of CHUNK_ROWS rows."""
    from seed.importer import worker

    def offset_xlsx() -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws["C3"], ws["D3"], ws["C4"], ws["E5"] = "a", 1, "b", 2.5
        wb.create_sheet("空表")
        long = wb.create_sheet("长表")
        for i in range(worker.CHUNK_ROWS + 3):
            long.append([i, f"r{i}"])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def offset_xls() -> bytes:
        wb = xlwt.Workbook()
        ws = wb.add_sheet("表")
        ws.write(2, 2, "a")
        ws.write(3, 4, 7)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    from python_calamine import CalamineWorkbook

    for data, fmt in ((offset_xlsx(), "zip"), (offset_xls(), "ole2")):
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        whole = [[list(r) for r in book.get_sheet_by_name(n).to_python(skip_empty_area=False)] for n in book.sheet_names]
        made = worker.read_excel(data, fmt)["sheets"]
        assert [list(s["rows"]) for s in made] == whole
        assert whole[0][2][2] == "a"  # C3 where C3 is
        out = io.BytesIO()
        worker.write_result({"format": "xlsx", "sheets": worker.read_excel(data, fmt)["sheets"]}, out)
        out.seek(0)
        assert {k: v for k, v in worker.receive(out, 1 << 30).items() if k != "sheets"} == {"format": "xlsx"}
        for sheet in whole:  # each sheet's rows in parts, an empty part after the last
            rows = []
            while part := worker.receive(out, 1 << 30):
                rows.extend(part)
            assert rows == sheet
    assert read_workbook(offset_xlsx(), "o.xlsx").sheets[2].rows[-1] == [worker.CHUNK_ROWS + 2, f"r{worker.CHUNK_ROWS + 2}"]


def test_memory_running_out_while_rows_are_sent_is_said_as_before(monkeypatch):
    """A sheet's rows are made as they are sent (after the worker's own try): memory running out then still ends in
    the worker's message, not in a cut-off stream read as "无法解析"."""
    from seed.importer import worker

    def rows():
        yield from ([i, "x"] for i in range(worker.CHUNK_ROWS))
        raise MemoryError

    out = io.BytesIO()
    worker.write_result({"format": "xlsx", "sheets": [worker.SheetGrid(name="表", visible=True, rows=rows(),
                                                                       merged=[])]}, out)

    class Worker:  # the subprocess, as reader._parse drives it, having written `out` and exited normally
        def __init__(self, *args, **kwargs):
            self.stdin, self.stdout = io.BytesIO(), io.BytesIO(out.getvalue())

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(reader.subprocess, "Popen", Worker)
    with pytest.raises(reader.FileRejected, match="b.xlsx：文件解析超出内存上限"):
        reader._parse(b"PK", "b.xlsx", scan=False)

def _respelled(data: bytes) -> bytes:
    """The same workbook with its cells written as other writers do: attributes in reverse order, single quotes,
    the main namespace as a prefix (<x:c t='e' r='A2'>, as the OpenXML SDK writes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode()

                def cell(m: re.Match) -> str:
                    attrs = re.findall(r'(\w+)="([^"]*)"', m.group(1))
                    return "<x:c " + " ".join(f"{k}='{v}'" for k, v in reversed(attrs)) + m.group(2)

                text = re.sub(r"<c ([^>]*?)(/?>)", cell, text).replace("</c>", "</x:c>")
                text = text.replace("<v>", "<x:v>").replace("</v>", "</x:v>")
                text = text.replace("<worksheet xmlns=", "<worksheet xmlns:x=").replace(
                    "<sheetData>", "<x:sheetData>").replace("</sheetData>", "</x:sheetData>")
                text = re.sub(r"<(/?)(row|is|t|f)\b", r"<\1x:\2", text)
                text = text.replace("<worksheet xmlns:x=", "<x:worksheet xmlns:x=").replace(
                    "</worksheet>", "</x:worksheet>")
                body = re.sub(r"<(/?)(sheetPr|outlinePr|pageSetUpPr|dimension|sheetViews|sheetView|selection|"
                              r"sheetFormatPr|pageMargins|cols|col)\b", r"<\1x:\2", text).encode()
            dst.writestr(info, body)
    return out.getvalue()


def test_error_cells_are_found_however_the_writer_spells_the_cell():
    data = _respelled(book([["a", "b"], [None, None], [None, None]], errors=[("A2", "#DIV/0!"), ("A3", "#SPILL!")]))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<x:c t='e' r='A2'>" in sheet and b"<x:v>#DIV/0!</x:v>" in sheet
    rows = read_workbook(data, "e.xlsx").sheets[0].rows
    assert rows[1][0] == "#DIV/0!" and type(rows[1][0]) is ExcelError
    assert rows[2][0] == "#SPILL!" and type(rows[2][0]) is ExcelError


def test_error_cells_arrive_as_excel_errors_in_xls():
    wb = xlwt.Workbook()
    ws = wb.add_sheet("表")
    ws.write(0, 0, "a")
    ws.write(0, 1, "b")
    ws.row(1).set_cell_error(0, "#DIV/0!")
    ws.row(2).set_cell_error(1, "#REF!")
    ws.write(1, 1, "#N/A")
    buf = io.BytesIO()
    wb.save(buf)
    rows = read_workbook(buf.getvalue(), "e.xls").sheets[0].rows
    assert rows[1][0] == "#DIV/0!" and type(rows[1][0]) is ExcelError
    assert rows[2][1] == "#REF!" and type(rows[2][1]) is ExcelError
    assert rows[1][1] == "#N/A" and type(rows[1][1]) is str


def test_an_error_value_in_a_task_list_is_named_at_its_cell_not_blamed_on_the_total(stations):
    rows = [["2022年度各监管所任务清单"], HEADERS, ["明水所", 20, 3, 5, 2], ["双山所", None, 3, 5, 2],
            ["刁镇所", 10, 2, None, 1], ["合计", 50, 8, 14, 5]]
    data = book(rows, errors=[("B4", "#DIV/0!"), ("D5", "#GETTING_DATA")])
    assert refused(stations, "任务.xlsx", data) == [
        "任务.xlsx › Sheet1!B4（食品小作坊示范创建）：单元格是Excel错误值 #DIV/0!（除数为0），请修正公式或改填数值"
        "（原值：#DIV/0!）",
        "任务.xlsx › Sheet1!D5（打造视频监管试点（家））：单元格是Excel错误值 #GETTING_DATA（数据尚未加载完成），"
        "请修正公式或改填数值（原值：#GETTING_DATA）",
    ]


@pytest.mark.parametrize(("code", "meaning"), [
    ("#REF!", "公式引用的单元格已被删除或无效"), ("#N/A", "查找不到对应的值"), ("#VALUE!", "公式中的数据类型不对"),
    ("#NAME?", "公式中有无法识别的函数或名称"), ("#NUM!", "数值无效或超出范围"), ("#NULL!", "公式引用的区域没有交集"),
    ("#SPILL!", "动态数组的结果无法溢出到相邻单元格"), ("#CALC!", "公式无法计算"),
])
def test_every_error_value_in_a_register_is_named_with_its_meaning(register, code, meaning):
    rows = [["2023年督导记录"], VISIT_HEADER, visit("2023-03-15"), visit("2023-03-16", no="DD2023000002")]
    data = book(rows, title="督导记录", errors=[("B4", code)])
    assert refused(register, "督导.xlsx", data) == [
        f"督导.xlsx › 督导记录!B4（督导日期）：单元格是Excel错误值 {code}（{meaning}），请修正公式或改填数值（原值：{code}）"]


def test_an_error_value_in_a_text_column_is_refused_but_the_same_text_typed_is_kept(register):
    rows = [["2023年督导记录"], VISIT_HEADER, visit("2023-03-15"), visit("2023-03-16", no="DD2023000002")]
    errors = refused(register, "督导.xlsx", book(rows, title="督导记录", errors=[("K3", "#N/A"), ("H4", "#REF!")]))
    assert errors == [
        "督导.xlsx › 督导记录!K3（备注）：单元格是Excel错误值 #N/A（查找不到对应的值），请修正公式或改填数值（原值：#N/A）",
        "督导.xlsx › 督导记录!H4（监管所）：单元格是Excel错误值 #REF!（公式引用的单元格已被删除或无效），请修正公式或改填数值"
        "（原值：#REF!）",
    ]
    report = run(register, "督导.xlsx", book(rows, title="督导记录", texts=[("K3", "#N/A")]))
    assert report.committed, [f.line() for f in report.errors]
    assert visits(register)["DD2023000001"].note == "#N/A"


def test_text_spelling_an_error_value_in_a_number_column_of_a_csv_is_named_as_one(register):
    text = "\n".join([",".join(VISIT_HEADER), "DD2023000001,2023-03-15,GB0001,,,91370181MA3C000001,,明水所,现场,#DIV/0!,"])
    assert refused(register, "督导.csv", ("\ufeff" + text).encode(), year=2023) == [
        "督导.csv › CSV!J2（发现问题数）：单元格是Excel错误值 #DIV/0!（除数为0），请修正公式或改填数值（原值：#DIV/0!）"]


# --- invisible characters ----------------------------------------------------------------------


def test_invisible_characters_are_stripped_from_names_codes_and_choices():
    assert nfkc("明\u200b水\u200c所\u200d\u2060\ufeff") == "明水所"
    assert squash("\u00a0明水\u202f所\u3000") == "明水所"
    assert clean_text("\ufeff某某\u00a0食品\u200b有限公司\u3000") == "某某 食品有限公司"


def test_a_register_with_invisible_characters_in_names_codes_headers_and_choices_imports_clean(register):
    header = [h if h != "督导日期" else "督导\u200b日期" for h in VISIT_HEADER]
    header[-1] = "\ufeff备注\u00a0"
    rows = [["2023年督导记录"], header,
            ["DD2023000001\u200b", "2023-03-15", "GB\u20600001", "", "", "\u200b91370181MA3C000001", "",
             "明\u200b水\u00a0所", "现\u200d场", 1, "\u3000已\u200b督导\u00a0"],
            ["", "2023-04-02", "", "李某\u200b", "某某村委会\u00a0", "", "张记\u200b小吃\u3000", "刁镇\ufeff所", "电话",
             0, ""]]
    report = run(register, "督导.xlsx", book(rows, title="督导记录"))
    assert report.committed, [f.line() for f in report.errors]
    stored = visits(register)
    assert stored["DD2023000001"].method == "现场" and stored["DD2023000001"].note == "已督导"
    assert len(stored) == 2
    with Session(register) as s:
        names = {b.id: b.name for b in s.exec(select(m.Business)).all()}
    assert sorted(names[v.business_id] for v in stored.values()) == ["张记小吃", "某某食品有限公司"]


def test_business_names_are_stored_without_invisible_characters(stations):
    header = [c.label for c in KINDS["包保主体"].columns]
    rows = [header, ["91370181MA3C00000\u200b1", "", "\ufeff某某食品有限公司\u3000", "生产", "", "B", "C",
                     "明水\u00a0所", "明水街道\u200b", "明水街道某路1号\u00a0", "", "", "在营"]]
    report = run(stations, "主体.xlsx", book(rows, title="包保主体"))
    assert report.committed, [f.line() for f in report.errors]
    with Session(stations) as s:
        b = s.exec(select(m.Business)).one()
    assert (b.code, b.name, b.address) == ("91370181MA3C000001", "某某食品有限公司", "明水街道某路1号")


# --- rates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (0.95, (0.95, None)), ("95%", (0.95, None)), ("95.5％", (0.955, None)), (95, (0.95, "大于1的数值已按百分数理解")),
    ("2/3", (2 / 3, None)), ("100%", (1.0, None)), (1, (1.0, None)), (0, (0.0, None)),
])
def test_rates_read_as_before(value, expected):
    got = parse_rate(value)
    assert got[0] == pytest.approx(expected[0]) and got[1] == expected[1]


@pytest.mark.parametrize(("value", "message"), [
    ("120%", "比率不能超过100%"), ("100.5%", "比率不能超过100%"), (150, "比率不能超过100%"), ("3/2", "比率不能超过100%"),
    ("-5%", "不能为负数"), (-0.1, "不能为负数"), ("-3", "不能为负数"),
])
def test_rates_above_100_or_below_0_are_refused(value, message):
    with pytest.raises(ValueProblem) as exc:
        parse_rate(value)
    assert str(exc.value) == message


def test_a_kpi_target_of_120_percent_is_refused_at_its_cell_and_95_is_stored(engine):
    header = ["指标名称", "单位", "目标值", "辖区", "年度"]
    bad = book([header, ["核查处置按时完成率", "%", "120%", "章丘区", 2023], ["抽检合格率", "%", "-5%", "章丘区", 2023]],
               title="指标")
    assert refused(engine, "指标.xlsx", bad) == [
        "指标.xlsx › 指标!C2（目标值）：比率不能超过100%（原值：120%）",
        "指标.xlsx › 指标!C3（目标值）：不能为负数（原值：-5%）",
    ]
    good = book([header, ["核查处置按时完成率", "%", "95%", "章丘区", 2023], ["抽检合格率", "%", 98, "章丘区", 2023]],
                title="指标")
    report = run(engine, "指标.xlsx", good)
    assert report.committed, [f.line() for f in report.errors]
    with Session(engine) as s:
        targets = {k.name: k.target for k in s.exec(select(m.Kpi)).all()}
    assert targets == {"核查处置按时完成率": pytest.approx(0.95), "抽检合格率": pytest.approx(0.98)}


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "2023.3.5", "2023年3月5日", "2023/3/5", "2023-03-05", "20230305", "2023.03.05", "2023-3-5 00:00:00",
    "2023/3/5 0:00", "2023年03月05日", "２０２３年３月５日", 44990, 44990.0, "44990", 20230305,
    dt.date(2023, 3, 5), dt.datetime(2023, 3, 5, 0, 0),
])
def test_dates_in_the_forms_offices_write_all_read(value):
    assert parse_date(value) == dt.date(2023, 3, 5)


def test_planned_dates_are_listed_in_one_place():
    assert PLANNED_DATES == {
        ("问题", "deadline"), ("隐患清单", "deadline"), ("指标", "due_date"), ("指标", "window_start"),
        ("包保关系", "end_date"), ("任务明细", "planned_month"), ("工作要点", "deadline_text"),
        ("工作阶段", "start_date"), ("工作阶段", "end_date"), ("配档表", "time_text"),
    }
    for kind, field in PLANNED_DATES | FOLLOW_UP_DATES:
        KINDS[kind].col(field)  # every pair names a real column
    assert is_planned("督导记录", KINDS["督导记录"].col("visit_date"), "督导截止日期")  # a 截止 header is a plan
    assert not is_planned("督导记录", KINDS["督导记录"].col("visit_date"), "督导日期")
    assert date_check("问题", KINDS["问题"].col("deadline"), "整改期限", today=TODAY, year=2023) is None
    check = date_check("问题", KINDS["问题"].col("closed_date"), "销号日期", today=TODAY, year=2023)
    assert check(dt.date(2024, 1, 5)) is None  # a problem of the year closed after it
    assert check(dt.date(2022, 12, 30)) == "销号日期2022-12-30不在本表年度（2023年）内"


def test_a_visit_in_the_future_or_outside_the_registers_year_is_refused_at_its_row(register):
    rows = [["2023年督导记录"], VISIT_HEADER, visit("2033-05-01"), visit("2021.12.30", no="DD2023000002"),
            visit("2023-06-01", no="DD2023000003"), visit("2033-05-01", no="DD2023000004")]
    assert refused(register, "督导.xlsx", book(rows, title="督导记录")) == [
        "督导.xlsx › 督导记录!B3（督导日期）：督导日期2033-05-01晚于今天（2026-12-03）（原值：2033-05-01）",
        "督导.xlsx › 督导记录!B4（督导日期）：督导日期2021-12-30不在本表年度（2023年）内（原值：2021.12.30）",
        "督导.xlsx › 督导记录!B6（督导日期）：督导日期2033-05-01晚于今天（2026-12-03）（原值：2033-05-01）",
    ]


def test_the_year_given_on_the_command_line_bounds_a_register_without_a_title(register):
    rows = [VISIT_HEADER, visit("2022-12-31"), visit("2023-01-02", no="DD2023000002")]
    assert refused(register, "督导.xlsx", book(rows, title="督导记录"), year=2023) == [
        "督导.xlsx › 督导记录!B2（督导日期）：督导日期2022-12-31不在本表年度（2023年）内（原值：2022-12-31）"]


def test_the_as_of_setting_is_today_when_no_day_is_given(register, monkeypatch):
    monkeypatch.setenv("AS_OF", "2023-03-10")
    rows = [["2023年督导记录"], VISIT_HEADER, visit("2023-03-15")]
    before = snapshot(register)
    report = import_files([("督导.xlsx", book(rows, title="督导记录"))], engine=register)
    assert [f.line() for f in report.errors] == [
        "督导.xlsx › 督导记录!B3（督导日期）：督导日期2023-03-15晚于今天（2023-03-10）（原值：2023-03-15）"]
    assert snapshot(register) == before


def test_good_dates_in_every_form_are_stored_and_deadlines_may_lie_ahead(register):
    rows = [["2023年督导记录"], VISIT_HEADER, visit("2023.3.5"), visit("2023年3月6日", no="DD2023000002"),
            visit("20230307", no="DD2023000003"), visit(45000, no="DD2023000004"),
            visit("2023-3-9 00:00:00", no="DD2023000005"), visit(dt.datetime(2023, 3, 10), no="DD2023000006")]
    report = run(register, "督导.xlsx", book(rows, title="督导记录"))
    assert report.committed, [f.line() for f in report.errors]
    assert {no: v.visit_date.day for no, v in visits(register).items()} == {  # 45000 is 2023-03-15
        "DD2023000001": 5, "DD2023000002": 6, "DD2023000003": 7, "DD2023000004": 15, "DD2023000005": 9,
        "DD2023000006": 10}
    header = [c.label for c in KINDS["问题"].columns]
    problems = book([["2023年问题清单"], header, ["DD2023000001", 1, "进货查验记录不全", "2033-03-30", "待整改", "", ""]],
                    title="问题")
    report = run(register, "问题.xlsx", problems)
    assert report.committed, [f.line() for f in report.errors]
    with Session(register) as s:
        assert s.exec(select(m.Problem.deadline)).one() == dt.date(2033, 3, 30)


# --- a header and nothing under it -------------------------------------------------------------


def test_a_register_with_a_header_and_no_rows_says_so(register):
    assert refused(register, "督导.xlsx", book([["2023年督导记录"], VISIT_HEADER], title="督导记录")) == [
        "督导.xlsx › 督导记录：工作表“督导记录”只有表头，没有数据行"]
    csv = ("\ufeff" + ",".join(VISIT_HEADER) + "\n").encode()
    assert refused(register, "督导.csv", csv, year=2023) == ["督导.csv › CSV：文件只有表头，没有数据行"]
