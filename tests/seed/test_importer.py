"""The importer on files as the bureau sends them: each messy case parsed exactly, each error named exactly."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlwt
from sqlmodel import Session, select

from db import models as m
from db.changes import UndoRefused
from seed.importer import core, import_files, import_paths, reader, undo_batch
from tests.seed.fixtures import HEADERS, SEED_DATA, snapshot, task_rows, xlsx


@pytest.fixture
def db_with_stations(stations_engine):
    return stations_engine


def targets(engine, year=2022) -> dict[tuple[str, str], float]:
    with Session(engine) as s:
        rows = s.exec(
            select(m.Station.name, m.TaskIndicator.code, m.StationTarget.target)
            .join(m.StationTarget, m.StationTarget.station_id == m.Station.id)
            .join(m.TaskIndicator, m.TaskIndicator.id == m.StationTarget.indicator_id)
            .where(m.StationTarget.year == year)
        ).all()
    return {(a, b): c for a, b, c in rows}


def progress(engine) -> dict[tuple[int, int, str, str], float]:
    with Session(engine) as s:
        rows = s.exec(
            select(m.StationProgress.year, m.StationProgress.month, m.Station.name, m.TaskIndicator.code,
                   m.StationProgress.cumulative)
            .join(m.Station, m.Station.id == m.StationProgress.station_id)
            .join(m.TaskIndicator, m.TaskIndicator.id == m.StationProgress.indicator_id)
        ).all()
    return {(y, mo, st, ind): v for y, mo, st, ind, v in rows}


def run(engine, name, data, **kw):
    return import_files([(name, data)], engine=engine, **kw)


def refused(engine, name, data, **kw):
    """Import that must fail: returns the error lines and checks nothing was written."""
    before = snapshot(engine)
    report = run(engine, name, data, **kw)
    assert report.exit_code != 0
    assert snapshot(engine) == before
    return [f.line() for f in report.errors] + [f.rejected for f in report.files if f.rejected]


SMALL = {("明水所", "示范创建"): 20, ("明水所", "新升级为食品生产企业"): 3, ("明水所", "视频监管试点"): 5,
         ("明水所", "抱团发展活动"): 2, ("双山所", "示范创建"): 20, ("双山所", "新升级为食品生产企业"): 3,
         ("双山所", "视频监管试点"): 5, ("双山所", "抱团发展活动"): 2, ("刁镇所", "示范创建"): 10,
         ("刁镇所", "新升级为食品生产企业"): 2, ("刁镇所", "视频监管试点"): 4, ("刁镇所", "抱团发展活动"): 1}


# --- the real files -----------------------------------------------------------------------


def test_bureau_files_import_with_exact_totals(engine):
    report = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=engine)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    totals: dict[str, float] = {}
    for (_st, ind), v in targets(engine).items():
        totals[ind] = totals.get(ind, 0) + v
    assert totals == {"示范创建": 126, "新升级为食品生产企业": 27, "视频监管试点": 42, "抱团发展活动": 20}
    assert len(targets(engine)) == 72
    with Session(engine) as s:
        windows = [(r.start_date.isoformat(), r.end_date.isoformat()) for r in
                   s.exec(select(m.ScheduleMilestone).order_by(m.ScheduleMilestone.row_order)).all()]
        assert windows == [("2022-01-01", "2022-02-28"), ("2022-03-01", "2022-03-31"), ("2022-04-01", "2022-06-30"),
                           ("2022-07-01", "2022-07-31"), ("2022-08-01", "2022-09-30"), ("2022-10-01", "2022-11-30"),
                           ("2022-12-01", "2022-12-31")]
        counts = {p.title: len(s.exec(select(m.PlanTask).where(m.PlanTask.plan_id == p.id)).all())
                  for p in s.exec(select(m.PlanDocument)).all()}
        assert sorted(counts.values()) == sorted([6, 14, 15, 15, 10, 16, 12, 23])  # 章丘's own 6 and 7 references
        own = s.exec(select(m.PlanDocument).where(m.PlanDocument.is_reference.is_(False))).one()
        assert (own.jurisdiction, own.year, own.doc_number) == ("章丘区", 2022, "章市监管发〔2022〕9号")
        assert {p.year for p in s.exec(select(m.PlanDocument).where(m.PlanDocument.is_reference.is_(True)))} == {2024}
        nankai = s.exec(select(m.PlanDocument).where(m.PlanDocument.jurisdiction == "天津市南开区")).one()
        clauses = s.exec(select(m.TaskUnit.task_id, m.TaskUnit.clause_no)
                         .join(m.PlanTask, m.PlanTask.id == m.TaskUnit.task_id)
                         .where(m.PlanTask.plan_id == nankai.id).distinct()).all()
        assert len(clauses) == 39
        # lineage: a target row remembers its file's batch, sheet and row
        row = s.exec(select(m.StationTarget).join(m.Station).where(m.Station.name == "明水所")).first()
        batch = s.get(m.ImportBatch, row.batch_id)
        assert (batch.file_name, row.src_sheet, row.src_row) == ("2022年度各监管所食品小作坊提升任务清单.xlsx", "Sheet1", 3)


def test_reimport_changes_nothing_and_says_so(db_with_stations):
    data = xlsx(task_rows())
    assert run(db_with_stations, "清单.xlsx", data).committed
    before = snapshot(db_with_stations)
    again = run(db_with_stations, "清单.xlsx", data)
    assert not again.committed and again.exit_code == 0
    assert "数据没有变化，未做任何更改" in again.summary_lines()
    assert any("已于批次 #" in line for line in again.summary_lines())
    assert snapshot(db_with_stations) == before


# --- titles and headers -------------------------------------------------------------------


def test_year_from_title(db_with_stations):
    assert run(db_with_stations, "a.xlsx", xlsx(task_rows())).exit_code == 0
    assert targets(db_with_stations) == SMALL


def test_year_given_on_the_command_line_when_the_title_has_none(db_with_stations):
    assert refused(db_with_stations, "a.xlsx", xlsx(task_rows(title=None))) == [
        "a.xlsx › Sheet1：无法确定年度：请在标题中写明年份（如“2022年度…”）或用 --year 指定"]
    assert run(db_with_stations, "a.xlsx", xlsx(task_rows(title=None)), year=2023).exit_code == 0
    assert targets(db_with_stations, 2023) == SMALL


def test_year_contradicting_the_title_is_an_error(db_with_stations):
    assert refused(db_with_stations, "a.xlsx", xlsx(task_rows()), year=2023) == [
        "a.xlsx › Sheet1!A1（标题）："
        "标题中的年度（2022年）与指定的年度（2023年）不一致（原值：附件1：2022年度各监管所食品小作坊提升任务清单）"]


def test_month_from_title_makes_a_progress_sheet(db_with_stations):
    rows = [["2023年6月各监管所任务完成情况（累计）"], HEADERS, ["明水所", 8, 1, 2, 1], ["双山所", 5, None, 3, 0]]
    report = run(db_with_stations, "进度.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert progress(db_with_stations) == {
        (2023, 6, "明水所", "示范创建"): 8, (2023, 6, "明水所", "新升级为食品生产企业"): 1,
        (2023, 6, "明水所", "视频监管试点"): 2, (2023, 6, "明水所", "抱团发展活动"): 1,
        (2023, 6, "双山所", "示范创建"): 5, (2023, 6, "双山所", "视频监管试点"): 3,
        (2023, 6, "双山所", "抱团发展活动"): 0}  # the blank cell is "not reported", not 0
    with Session(db_with_stations) as s:
        subs = s.exec(select(m.MonthlySubmission)).all()
        assert {(x.year, x.month, x.kind) for x in subs} == {(2023, 6, "任务进度")} and len(subs) == 2


def test_two_row_merged_header(db_with_stations):
    rows = [["2022年度任务清单"], ["监管所", "年度任务", None, None, None],
            [None, "示范创建", "新升级为食品生产企业", "视频监管试点", "抱团发展活动"],
            ["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows, merges=["A1:E1", "A2:A3", "B2:E2"]))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_three_row_merged_header(db_with_stations):
    rows = [["2022年度各监管所任务清单"], ["监管所", "食品小作坊", None, None, None],
            [None, "示范与提升", None, "智慧监管", "协会"],
            [None, "示范创建", "小作坊提升", "视频监管试点", "抱团发展活动"],
            ["明水", 20, 3, 5, 2], ["双山监管所", 20, 3, 5, 2], ["刁镇街道", 10, 2, 4, 1]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows, merges=["A1:E1", "A2:A4", "B2:E2", "B3:C3"]))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_columns_in_any_order(db_with_stations):
    rows = [["2022年度任务清单"], ["序号", HEADERS[3], "监管所", HEADERS[1], HEADERS[4], HEADERS[2], "备注"],
            [1, 5, "明水所", 20, 2, 3, "重点"], [2, 5, "双山所", 20, 2, 3, None], [3, 4, "刁镇所", 10, 1, 2, None]]
    assert run(db_with_stations, "a.xlsx", xlsx(rows)).exit_code == 0
    assert targets(db_with_stations) == SMALL


# --- rows ---------------------------------------------------------------------------------


def test_footnotes_and_spacer_rows_are_skipped(db_with_stations):
    rows = task_rows()
    rows.insert(3, [None] * 5)
    rows.insert(5, [])
    rows += [["合计", 50, 8, 14, 5], [], ["注：数据截至2022年3月。"], ["填报人：张三", None, "审核人：李四"]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


@pytest.mark.parametrize("label", ["合计", "总计", "小计", "总 计", "合　计", "全区合计"])
def test_total_row_spellings_are_checked_not_imported(db_with_stations, label):
    rows = task_rows() + [[label, 50, 8, 14, 5]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_subtotals_then_a_grand_total(db_with_stations):
    rows = task_rows(stations=[["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2]])
    rows += [["小计", 40, 6, 10, 4], ["刁镇所", 10, 2, 4, 1], ["小计", 10, 2, 4, 1], ["总计", 50, 8, 14, 5]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_total_mismatch_is_an_error_at_the_cell(db_with_stations):
    rows = task_rows() + [["总计", 49, 8, 14, 5]]
    assert refused(db_with_stations, "清单.xlsx", xlsx(rows)) == [
        "清单.xlsx › Sheet1!B6（食品小作坊示范创建）：合计与各行之和50不符（原值：49）"]


def test_formula_total_without_cached_values_is_recomputed(db_with_stations):
    rows = task_rows() + [["总计", "=SUM(B3:B5)", "=SUM(C3:C5)", "=SUM(D3:D5)", "=SUM(E3:E5)"]]
    report = run(db_with_stations, "a.xlsx", xlsx(rows))  # openpyxl writes formulas without values
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert "a.xlsx › Sheet1!B6（食品小作坊示范创建）：合计为公式且没有计算结果，已按各行之和50重新计算" in [
        f.line() for f in report.warnings]
    assert targets(db_with_stations) == SMALL


# --- values -------------------------------------------------------------------------------


def test_full_width_digits_text_numbers_and_units(db_with_stations):
    rows = task_rows(stations=[["明水所", "２０", "3家", " 5 ", "2次"], ["双山所", "20", 3, "５家", 2],
                               ["刁镇所", 10, "２", 4, "1次"]])
    report = run(db_with_stations, "a.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL
    assert [f.line() for f in report.warnings] == [
        "a.xlsx › Sheet1：“食品小作坊示范创建”列共2处文本型数字，已自动转换",
        "a.xlsx › Sheet1：“食品小作坊提升（新升级为食品生产企业数量）”列共2处文本型数字，已自动转换",
        "a.xlsx › Sheet1：“打造视频监管试点（家）”列共2处文本型数字，已自动转换",
        "a.xlsx › Sheet1：“推进产业协会工作实现抱团高质量发展（活动次数）”列共2处文本型数字，已自动转换",
    ]


def test_percentages_in_a_kpi_sheet(engine):
    rows = [["指标"], ["指标名称", "单位", "目标值", "方向", "进度类型", "辖区", "年度"],
            ["核查处置按时完成率", "%", "95%", "≥", "level", "章丘区", 2022],
            ["赋码率", "%", "９５．５％", "≥", "ramp", "章丘区", 2022],
            ["监督抽检批次", "批次", "5,505批次", "≥", "ramp", "章丘区", 2022]]
    report = run(engine, "指标.xlsx", xlsx(rows))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    with Session(engine) as s:
        got = {k.name: k.target for k in s.exec(select(m.Kpi)).all()}
    assert got == {"核查处置按时完成率": 0.95, "赋码率": pytest.approx(0.955), "监督抽检批次": 5505}


def test_negative_count_is_an_error(db_with_stations):
    rows = task_rows(stations=[["明水所", 20, 3, -5, 2], ["双山所", 20, 3, 5, 2]])
    assert refused(db_with_stations, "a.xlsx", xlsx(rows)) == [
        "a.xlsx › Sheet1!D3（打造视频监管试点（家））：不能为负数（原值：-5）"]


def test_percentage_where_a_count_belongs_is_an_error(db_with_stations):
    rows = task_rows(stations=[["明水所", "95%", 3, 5, 2]])
    assert refused(db_with_stations, "a.xlsx", xlsx(rows)) == [
        "a.xlsx › Sheet1!B3（食品小作坊示范创建）：此处应为数量，不能填百分数（原值：95%）"]


# --- names --------------------------------------------------------------------------------


def test_station_aliases_and_township_names(db_with_stations):
    rows = task_rows(stations=[["明水监管所", 20, 3, 5, 2], ["双山街道", 20, 3, 5, 2], ["刁镇市场监管所", 10, 2, 4, 1],
                               ["垛庄镇", 2, 1, 1, 1], ["相公庄街道", 5, 2, 2, 1]])
    assert run(db_with_stations, "a.xlsx", xlsx(rows)).exit_code == 0
    got = targets(db_with_stations)
    assert got[("垛庄所", "示范创建")] == 2 and got[("相公所", "新升级为食品生产企业")] == 2
    assert got[("明水所", "示范创建")] == 20 and len(got) == 20


def test_unknown_station_names_the_closest(db_with_stations):
    rows = task_rows(stations=[["明水所", 20, 3, 5, 2], ["明水新区所", 1, 1, 1, 1]])
    assert refused(db_with_stations, "a.xlsx", xlsx(rows)) == [
        "a.xlsx › Sheet1!A4（监管所）：未知的监管所，最接近的有：明水所（原值：明水新区所）"]


def test_duplicate_station_in_one_sheet(db_with_stations):
    rows = task_rows(stations=[["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["明水监管所", 1, 1, 1, 1]])
    assert refused(db_with_stations, "a.xlsx", xlsx(rows)) == [
        "a.xlsx › Sheet1!A5（监管所）：监管所“明水所”与第3行重复，同一表中不能出现两次（原值：明水监管所）"]


def test_unknown_numeric_column_becomes_a_new_indicator(db_with_stations):
    rows = [["2022年度任务清单"], [*HEADERS, "食品小作坊集中加工区（个）"],
            ["明水所", 20, 3, 5, 2, 1], ["双山所", 20, 3, 5, 2, 0]]
    dry = run(db_with_stations, "a.xlsx", xlsx(rows), dry_run=True)
    assert "a.xlsx › Sheet1!F2（食品小作坊集中加工区（个））：发现新的指标列“食品小作坊集中加工区（个）”，将作为新指标“食品小作坊集中加工区”导入" in [
        f.line() for f in dry.warnings]
    assert run(db_with_stations, "a.xlsx", xlsx(rows)).exit_code == 0
    assert targets(db_with_stations)[("明水所", "食品小作坊集中加工区")] == 1


# --- formats --------------------------------------------------------------------------------


def _csv(encoding: str) -> bytes:
    text = "\n".join([",".join(HEADERS), "明水所,20,3,5,2", "双山所,20,3,5,2", "刁镇所,10,2,4,1", "合计,50,8,14,5"])
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8_with_or_without_bom(db_with_stations, encoding):
    report = run(db_with_stations, "清单.csv", _csv(encoding), year=2022)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_legacy_xls(db_with_stations):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(task_rows()):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    report = run(db_with_stations, "旧版.xls", buf.getvalue())
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert targets(db_with_stations) == SMALL


def test_csv_named_xls_is_read_by_content(db_with_stations):
    report = run(db_with_stations, "导出.xls", _csv("gbk"), year=2022)
    assert report.exit_code == 0 and targets(db_with_stations) == SMALL


def test_html_page_without_a_table_is_refused_clearly(db_with_stations):
    html = "<html><body><p>监管所</p></body></html>".encode()  # an HTML table posing as .xls reads: test_containers
    assert refused(db_with_stations, "系统导出.xls", html) == ["系统导出.xls：网页中没有表格（<table>），无法导入"]


def test_text_posing_as_xlsx_is_refused_clearly(db_with_stations):
    assert refused(db_with_stations, "说明.xlsx", "这不是表格，只是一段说明文字。".encode()) == [
        "说明.xlsx：不是表格文件（未发现分隔符），支持.xlsx、.xls、.csv"]


def test_empty_file_and_empty_workbook(db_with_stations):
    assert refused(db_with_stations, "空.xlsx", b"") == ["空.xlsx：文件为空（0字节）"]
    assert refused(db_with_stations, "空表.xlsx", xlsx([])) == ["空表.xlsx：工作簿中没有数据（空表）"]


def test_encrypted_workbook_is_refused(db_with_stations, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(xlsx(task_rows()))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    assert refused(db_with_stations, "加密.xlsx", out.getvalue()) == ["加密.xlsx：文件已设置打开密码，请取消密码后再导入"]


def test_hidden_sheets_are_skipped(db_with_stations):
    def hidden(wb):
        ws = wb.create_sheet("旧数据", 0)
        ws.append(["2021年度任务清单"])
        ws.append(HEADERS)
        ws.append(["明水所", 99, 9, 9, 9])
        ws.sheet_state = "hidden"

    assert run(db_with_stations, "a.xlsx", xlsx(task_rows(), extra=hidden)).exit_code == 0
    assert targets(db_with_stations) == SMALL and targets(db_with_stations, 2021) == {}


def test_meta_sheet_of_our_templates_names_the_kind_and_period(db_with_stations):
    def meta(wb):
        ws = wb.create_sheet("_meta")
        for row in (("kind", "任务进度"), ("version", "1"), ("year", "2022"), ("month", "4")):
            ws.append(row)
        ws.sheet_state = "hidden"

    rows = [["监管所填报"], HEADERS, ["明水所", 3, 0, 1, 0]]  # no year or month in the title
    report = run(db_with_stations, "模板.xlsx", xlsx(rows, extra=meta))
    assert report.exit_code == 0, [f.line() for f in report.errors]
    assert progress(db_with_stations)[(2022, 4, "明水所", "示范创建")] == 3


# --- guards ---------------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_any_reader(db_with_stations, monkeypatch):
    calls = []
    monkeypatch.setattr(reader, "run_reader", lambda *a, **k: calls.append(a) or pytest.fail("reader ran"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 1024 * 1024
    lines = refused(db_with_stations, "炸弹.xlsx", data)
    # 300 MB of zeros is under MAX_EXPANDED_MB (1024 MB, which admits a 1M-row register): the ratio check refuses it
    assert len(lines) == 1 and lines[0].startswith("炸弹.xlsx：压缩比异常（") and lines[0].endswith("疑似压缩炸弹，已拒绝")
    monkeypatch.setenv("MAX_EXPANDED_MB", "250")
    assert refused(db_with_stations, "炸弹.xlsx", data) == ["炸弹.xlsx：解压后体积异常（超过250 MB），疑似压缩炸弹，已拒绝"]
    assert calls == []


def test_file_over_the_cap_is_refused_in_chinese(db_with_stations, monkeypatch):
    calls = []
    monkeypatch.setattr(reader, "run_reader", lambda *a, **k: calls.append(a))
    lines = refused(db_with_stations, "大文件.xlsx", b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024))
    assert lines == ["大文件.xlsx：文件大小21.0 MB，超过20 MB上限，请拆分后再导入"] and calls == []


def test_reader_failure_becomes_one_message(db_with_stations):
    broken = xlsx(task_rows())[:2000]  # a truncated zip
    lines = refused(db_with_stations, "坏.xlsx", broken)
    assert lines == ["坏.xlsx：文件已损坏，无法作为Excel工作簿打开"]


# --- transactions and undo ------------------------------------------------------------------


def test_several_files_are_one_transaction(db_with_stations):
    good = xlsx(task_rows())
    bad = xlsx(task_rows(stations=[["明水所", 20, 3, -1, 2]]))
    before = snapshot(db_with_stations)
    report = import_files([("好.xlsx", good), ("坏.xlsx", bad)], engine=db_with_stations)
    assert report.exit_code == 1 and snapshot(db_with_stations) == before
    report = import_files([("好.xlsx", good), ("也好.xlsx", xlsx(task_rows(title="2023年度任务清单")))],
                          engine=db_with_stations)
    assert report.committed and targets(db_with_stations, 2022) == SMALL == targets(db_with_stations, 2023)


def test_dry_run_writes_nothing(db_with_stations):
    before = snapshot(db_with_stations)
    report = run(db_with_stations, "a.xlsx", xlsx(task_rows()), dry_run=True)
    assert report.exit_code == 0 and report.files[0].counts.new == 12
    assert snapshot(db_with_stations) == before


def test_undo_restores_previous_figures_and_refuses_when_a_later_batch_touched_them(db_with_stations):
    first = run(db_with_stations, "v1.xlsx", xlsx(task_rows()))
    v2 = task_rows(stations=[["明水所", 25, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1]])
    second = run(db_with_stations, "v2.xlsx", xlsx(v2))
    assert second.files[0].counts.updated == 1 and second.files[0].counts.unchanged == 11
    assert targets(db_with_stations)[("明水所", "示范创建")] == 25
    with Session(db_with_stations) as s:
        with pytest.raises(UndoRefused, match=f"之后的批次 #{second.files[0].batch_id}"):
            undo_batch(s, first.files[0].batch_id)
        s.rollback()
        undo_batch(s, second.files[0].batch_id)
        s.commit()
    assert targets(db_with_stations) == SMALL
    with Session(db_with_stations) as s:
        undo_batch(s, first.files[0].batch_id)
        s.commit()
    assert targets(db_with_stations) == {}


def test_real_import_over_a_demo_row_makes_it_real_and_undo_restores_it(db_with_stations):
    run(db_with_stations, "demo.xlsx", xlsx(task_rows()), is_demo=True)
    with Session(db_with_stations) as s:
        assert all(t.is_demo for t in s.exec(select(m.StationTarget)).all())
    v2 = task_rows(stations=[["明水所", 20, 3, 5, 2]])
    report = run(db_with_stations, "real.xlsx", xlsx(v2))
    assert report.files[0].counts.updated == 4
    with Session(db_with_stations) as s:
        flags = {(t.station_id, t.indicator_id): t.is_demo for t in s.exec(select(m.StationTarget)).all()}
        assert sorted(flags.values()) == [False] * 4 + [True] * 8
        undo_batch(s, report.files[0].batch_id)
        s.commit()
        assert all(t.is_demo for t in s.exec(select(m.StationTarget)).all())


def test_core_finding_line_format():
    f = core.Finding("错误", "文件.xlsx", "Sheet1", "C7", "列名", "１２x", "应为数字")
    assert f.line() == "文件.xlsx › Sheet1!C7（列名）：应为数字（原值：１２x）"
    assert openpyxl  # the fixtures are built with openpyxl
