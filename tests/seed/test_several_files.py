"""Several files in one import (issue 18, item 6): the same file twice, or the same content under another name, is
named and imported once (the duplicate gets no batch) — never an internal error; two different files that set the
same row to different values are an error naming both files with their sheet and row, and nothing is written. On
SQLite and, under TEST_DB=pg, PostgreSQL; from the importer, the command line and the web service."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from cli.seed import main
from db import models as m
from seed.importer import import_files, import_paths
from services import imports
from services.rules.viewer import Viewer
from tests.seed.fixtures import SEED_DATA, snapshot, task_rows, task_targets, xlsx

OFFICE = Viewer(username="office", role="食安办")
MINGSHUI, SHUANGSHAN, DIAOZHEN = ["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1]
LIST = xlsx(task_rows(stations=[MINGSHUI, SHUANGSHAN, DIAOZHEN]))


@pytest.fixture
def db(stations_engine):
    return stations_engine


def targets(engine) -> dict[tuple[str, str], float]:
    return task_targets(engine)


def batches(engine) -> list[tuple[str, int]]:
    with Session(engine) as s:
        return [(b.file_name, b.n_new) for b in s.exec(select(m.ImportBatch).order_by(m.ImportBatch.id)).all()]


def test_the_same_file_twice_is_imported_once(db):
    report = import_files([("区县.xlsx", LIST), ("区县.xlsx", LIST)], engine=db)
    assert report.exit_code == 0 and report.committed
    assert [f.line() for f in report.warnings] == ["区县.xlsx：“区县.xlsx”选择了两次，内容相同，只导入一次"]
    first, second = report.files
    assert (first.counts.new, second.counts.new, second.counts.updated) == (12, 0, 0)
    assert first.batch_id is not None and second.batch_id is None
    assert report.summary_lines() == [
        f"区县.xlsx（任务清单）：新增12，更新0，未变0，批次 #{first.batch_id}",
        "区县.xlsx（任务清单）：与“区县.xlsx”内容相同，只导入一次",
        "导入完成：1处提示"]
    assert batches(db)[1:] == [("区县.xlsx", 12)]
    assert targets(db)[("刁镇所", "示范创建")] == 10


def test_the_same_content_under_two_names_is_imported_once(db):
    report = import_files([("A.xlsx", LIST), ("B.xlsx", LIST)], engine=db, dry_run=True)
    assert report.exit_code == 0 and not report.committed
    assert [f.line() for f in report.warnings] == ["B.xlsx：“B.xlsx”与“A.xlsx”内容相同，只导入一次"]
    assert sum(c.table == "station_target" for c in report.changes) == 12
    assert {c.file for c in report.changes} == {"A.xlsx"}
    report = import_files([("A.xlsx", LIST), ("B.xlsx", LIST)], engine=db)
    assert report.committed and [f.batch_id is None for f in report.files] == [False, True]
    assert batches(db)[1:] == [("A.xlsx", 12)]


def test_two_files_that_agree_where_they_overlap_both_import(db):
    a = xlsx(task_rows(stations=[MINGSHUI, SHUANGSHAN]))
    b = xlsx(task_rows(stations=[MINGSHUI, DIAOZHEN]))
    report = import_files([("A.xlsx", a), ("B.xlsx", b)], engine=db)
    assert report.exit_code == 0 and report.committed, [f.line() for f in report.errors]
    assert [(f.counts.new, f.counts.unchanged) for f in report.files] == [(8, 0), (4, 4)]
    assert targets(db)[("刁镇所", "示范创建")] == 10 and targets(db)[("明水所", "示范创建")] == 20


def test_two_files_setting_one_row_to_different_values_are_a_conflict(db):
    a = xlsx(task_rows(stations=[MINGSHUI, SHUANGSHAN]))
    b = xlsx(task_rows(stations=[DIAOZHEN, ["明水所", 21, 3, 5, 2]]), title="任务清单")
    before = snapshot(db)
    report = import_files([("A.xlsx", a), ("B.xlsx", b)], engine=db)
    assert report.exit_code == 1 and not report.committed
    assert [f.line() for f in report.errors] == [
        "B.xlsx › 任务清单：A.xlsx（Sheet1 第3行） 与 B.xlsx（任务清单 第4行） 对同一条“任务清单”记录"
        "（明水所·示范创建·2022年）填写了不同的值：20 / 21"]
    assert snapshot(db) == before
    assert [f.batch_id for f in report.files] == [None, None]


def test_a_conflict_on_several_fields_and_files_in_one_line_each(db):
    a = xlsx(task_rows(stations=[MINGSHUI]))
    b = xlsx(task_rows(stations=[["明水所", 21, 4, 5, 2]]))
    before = snapshot(db)
    report = import_files([("A.xlsx", a), ("B.xlsx", b)], engine=db, dry_run=True)
    assert [f.message for f in report.errors] == [
        "A.xlsx（Sheet1 第3行） 与 B.xlsx（Sheet1 第3行） 对同一条“任务清单”记录（明水所·示范创建·2022年）填写了不同的值：20 / 21",
        "A.xlsx（Sheet1 第3行） 与 B.xlsx（Sheet1 第3行） 对同一条“任务清单”记录（明水所·新升级为食品生产企业·2022年）"
        "填写了不同的值：3 / 4"]
    assert snapshot(db) == before


def test_the_bureau_files_at_once_raise_no_conflict(engine):
    report = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=engine, dry_run=True)
    assert not [f for f in report.errors if "不同的值" in f.message]


def test_the_command_line_imports_a_file_given_twice_once(sqlite_url, tmp_path, capsys):
    assert main(["import", str(SEED_DATA / "监管所.xlsx"), "--db", sqlite_url]) == 0
    path = tmp_path / "区县.xlsx"
    path.write_bytes(LIST)
    capsys.readouterr()
    assert main(["import", str(path), str(path), "--db", sqlite_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "区县.xlsx：“区县.xlsx”选择了两次，内容相同，只导入一次"
    assert out[2] == "区县.xlsx（任务清单）：与“区县.xlsx”内容相同，只导入一次"
    assert out[-1] == "导入完成：1处提示"
    assert "FOREIGN KEY" not in "\n".join(out)


def test_the_web_service_imports_a_file_selected_twice_once(db):
    files = [("区县.xlsx", LIST), ("区县.xlsx", LIST)]
    checked = imports.check(files, viewer=OFFICE, engine=db)
    assert checked.exit_code == 0
    summary = imports.summary_frame(checked)
    assert summary["文件"].tolist() == ["区县.xlsx", "区县.xlsx"]
    assert summary.iloc[1].tolist()[-1] == "与“区县.xlsx”内容相同，只导入一次"
    report = imports.commit(files, viewer=OFFICE, engine=db)
    assert report.committed and [f.batch_id is None for f in report.files] == [False, True]
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(m.ImportBatch)).one() == 2  # 监管所.xlsx and 区县.xlsx


def test_the_command_line_expands_a_pattern(sqlite_url, tmp_path, capsys):
    assert main(["import", str(SEED_DATA / "监管所.xlsx"), "--db", sqlite_url]) == 0
    (tmp_path / "甲.xlsx").write_bytes(xlsx(task_rows(stations=[MINGSHUI])))
    (tmp_path / "乙.xlsx").write_bytes(xlsx(task_rows(stations=[DIAOZHEN])))
    capsys.readouterr()
    assert main(["import", str(tmp_path / "*.xlsx"), "--db", sqlite_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("，批次")[0] for line in out] == [
        "乙.xlsx（任务清单）：新增4，更新0，未变0", "甲.xlsx（任务清单）：新增4，更新0，未变0", "导入完成：0处提示"]
    assert main(["import", str(tmp_path / "没有*.xlsx"), "--db", sqlite_url]) == 2
    assert capsys.readouterr().err.strip().endswith("没有*.xlsx：文件不存在或无法读取")
