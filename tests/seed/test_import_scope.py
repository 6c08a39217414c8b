"""What the web page asks of the importer: a station's own rows only, its own kinds only, the rows a dry run would
write (before and after) for the preview, an audit hook inside the import's transaction, and the marked-up copy
of a workbook with errors (opened again with openpyxl)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import data_version
from seed.importer import core, import_files, import_paths
from seed.importer.annotate import (
    AUTHOR,
    ERROR_FILL,
    SHEET,
    annotate,
    annotate_file,
    annotated_name,
    marks_for,
)
from tests.seed.fixtures import HEADERS, SEED_DATA, snapshot, xlsx

PROGRESS_TITLE = "2022年10月各监管所任务完成情况（累计）"


@pytest.fixture
def db_with_october(engine):
    """The bureau's stations and 2022 task list, and an October report of two stations (明水所 示范创建 = 8)."""
    assert import_paths([SEED_DATA / "监管所.xlsx", SEED_DATA / "2022年度各监管所食品小作坊提升任务清单.xlsx"],
                        engine=engine).exit_code == 0
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 8, 1, 2, 1], ["双山所", 5, None, 3, 0]]
    assert import_files([("十月.xlsx", xlsx(rows))], engine=engine).committed
    return engine


def station_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(m.Station.id).where(m.Station.name == name)).one()


def test_a_dry_run_lists_the_rows_it_would_write_and_writes_nothing(db_with_october):
    before = snapshot(db_with_october)
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 11, 1, 2, 1]]
    report = import_files([("改.xlsx", xlsx(rows))], engine=db_with_october, dry_run=True)
    assert report.exit_code == 0 and not report.committed
    assert snapshot(db_with_october) == before
    progress = [c for c in report.changes if c.table == "station_progress"]
    assert len(progress) == 1 and progress[0].file == "改.xlsx"
    assert (progress[0].before["cumulative"], progress[0].after["cumulative"]) == (8, 11)
    assert progress[0].after["station_id"] == station_id(db_with_october, "明水所")


def test_a_real_import_lists_its_changes_only_when_asked(db_with_october):
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 12, 1, 2, 1]]
    quiet = import_files([("a.xlsx", xlsx(rows))], engine=db_with_october)
    assert quiet.committed and quiet.changes == []
    rows[2][1] = 13
    told = import_files([("b.xlsx", xlsx(rows))], engine=db_with_october, collect_changes=True)
    assert told.committed
    assert [(c.table, c.before["cumulative"], c.after["cumulative"]) for c in told.changes] == [
        ("station_progress", 12, 13)]


def test_a_station_scope_refuses_another_stations_row_at_its_cell(db_with_october):
    before = snapshot(db_with_october)
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 9, 1, 2, 1], ["双山所", 6, None, 3, 0]]
    report = import_files([("两所.xlsx", xlsx(rows))], engine=db_with_october,
                          station_scope=station_id(db_with_october, "明水所"))
    assert [(f.sheet, f.cell, f.value, f.message) for f in report.errors] == [
        ("Sheet1", "A4", "双山所", "只能导入本所的数据，该行属于其他监管所")]
    assert not report.committed and snapshot(db_with_october) == before


def test_a_station_scope_refuses_rows_no_station_owns(db_with_october):
    """A new indicator column would add a task_indicator row for everyone: not a station's to add."""
    before = snapshot(db_with_october)
    rows = [[PROGRESS_TITLE], [*HEADERS, "食品安全宣传活动（次）"], ["明水所", 9, 1, 2, 1, 3]]
    report = import_files([("新列.xlsx", xlsx(rows))], engine=db_with_october,
                          station_scope=station_id(db_with_october, "明水所"))
    assert [f.message for f in report.errors] == [
        "监管所账号只能导入本所的数据：本文件会修改1条“指标列”记录，不属于本所，已拒绝"]
    assert not report.committed and snapshot(db_with_october) == before


def test_allowed_kinds_refuse_another_kind(db_with_october):
    before = snapshot(db_with_october)
    rows = [["附件1：2022年度各监管所食品小作坊提升任务清单"], HEADERS, ["明水所", 21, 3, 5, 2]]
    report = import_files([("清单.xlsx", xlsx(rows))], engine=db_with_october, allowed_kinds=("任务进度",))
    assert [(f.sheet, f.message) for f in report.errors] == [
        ("Sheet1", "当前账号不能导入“任务清单”，可导入：任务进度")]
    assert report.files[0].kinds == ["任务清单"]
    assert not report.committed and snapshot(db_with_october) == before


def test_before_commit_writes_in_the_same_transaction(db_with_october):
    seen = []

    def hook(session, report):
        seen.append([f.batch_id for f in report.files])
        session.add(m.AuditLog(action="导入", target="hook"))

    version = data_version(db_with_october)
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 14, 1, 2, 1]]
    report = import_files([("c.xlsx", xlsx(rows))], engine=db_with_october, before_commit=hook)
    assert report.committed and seen == [[report.files[0].batch_id]]
    assert data_version(db_with_october) == version + 1
    with Session(db_with_october) as s:
        assert s.exec(select(m.AuditLog.target)).all() == ["hook"]

    def failing(session, report):
        raise RuntimeError("audit store down")

    before = snapshot(db_with_october)
    rows[2][1] = 15
    with pytest.raises(RuntimeError):
        import_files([("d.xlsx", xlsx(rows))], engine=db_with_october, before_commit=failing)
    assert snapshot(db_with_october) == before  # no audit row, no data


# --- the marked-up copy ---------------------------------------------------------------------------


def bad_progress() -> bytes:
    rows = [[PROGRESS_TITLE], HEADERS, ["明水所", 9, "九", 2, 1], ["双山所", 5, None, -3, 0]]
    return xlsx(rows, title="十月进度")


def test_the_annotated_copy_marks_each_bad_cell(db_with_october):
    data = bad_progress()
    report = import_files([("坏.xlsx", data)], engine=db_with_october, dry_run=True)
    assert [(f.cell, f.column) for f in report.errors] == [("C3", "食品小作坊提升（新升级为食品生产企业数量）"),
                                                           ("D4", "打造视频监管试点（家）")]
    out = annotate_file(data, report.errors, "坏.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(out))
    ws = wb["十月进度"]
    for finding in report.errors:
        cell = ws[finding.cell]
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith(ERROR_FILL)
        assert cell.comment is not None and cell.comment.author == AUTHOR
        assert finding.message in cell.comment.text
    assert ws["C3"].value == "九" and "（原值：九）" in ws["C3"].comment.text  # the user's own value stays
    assert ws["B3"].comment is None and ws["B3"].fill.fill_type is None  # good cells untouched
    listing = [list(r) for r in wb[SHEET].iter_rows(values_only=True)]
    assert listing[0] == ["工作表", "单元格", "列", "原值", "说明"]
    assert [r[:2] for r in listing[1:]] == [["十月进度", "C3"], ["十月进度", "D4"]]
    assert annotated_name("坏.xlsx") == "坏_错误标注.xlsx"


def test_the_fixed_annotated_copy_imports_without_its_error_list(db_with_october):
    data = bad_progress()
    report = import_files([("坏.xlsx", data)], engine=db_with_october, dry_run=True)
    wb = openpyxl.load_workbook(io.BytesIO(annotate_file(data, report.errors, "坏.xlsx")))
    wb["十月进度"]["C3"], wb["十月进度"]["D4"] = 1, 3
    buf = io.BytesIO()
    wb.save(buf)
    again = import_files([("坏.xlsx", buf.getvalue())], engine=db_with_october)
    assert again.exit_code == 0 and again.committed, [f.line() for f in again.findings]
    assert not [f for f in again.findings if f.sheet == SHEET]  # the 错误说明 sheet is not read as data
    assert core.ANNOTATION_SHEET == SHEET


def test_a_merged_cell_is_marked_at_its_top_left():
    data = xlsx([["标题"], ["监管所", "指标"], ["明水所", 1]], merges=["A1:B1"])
    marks = [{"sheet": "Sheet1", "cell": "B1", "column": "标题", "value": "标题", "message": "标题有误"}]
    ws = openpyxl.load_workbook(io.BytesIO(annotate(data, marks)))["Sheet1"]
    assert "标题有误" in ws["A1"].comment.text


def test_nothing_to_mark_or_not_a_workbook_gives_no_copy():
    finding = core.Finding("错误", "a.csv", "CSV", "B2", "列", "x", "应为数字")
    assert annotate_file(b"a,b\n1,x\n", [finding], "a.csv") is None  # a CSV has no cells to colour
    assert annotate_file(xlsx([["a"]]), [], "a.xlsx") is None
    assert marks_for([finding], "other.csv") == []
