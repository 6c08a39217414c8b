"""services.imports on a small hand-built database (SQLite and PostgreSQL): who may import which kinds, the dry run's
preview per station and indicator with the real figures, the import audited in its own transaction, the batch list
scoped by role, a batch's original file, and undo (the office only; refused while a later batch holds the rows)."""

from __future__ import annotations

import datetime as dt
import io
import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_session, bind_url, is_separate
from db.engine import data_version, get_engine
from seed.importer import UndoRefused
from seed.importer.kinds import KINDS
from services import entry, imports
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests.db.factories import Factory
from tests.seed.fixtures import snapshot, xlsx

OCT31 = dt.date(2022, 10, 31)
TITLE = "2022年10月各监管所任务进度"


def progress_file(*rows: list) -> bytes:
    """A 任务进度 sheet as a station writes it: title with the month, 监管所 and one indicator column."""
    return xlsx([[TITLE], ["监管所", "示范创建"], *rows], title="十月")


@dataclass
class Small:
    """明水所: 示范创建 target 100, 80 done in October; 双山所: target 26, October not reported yet."""

    engine: object
    a: int
    b: int
    office: dict
    leader: dict
    admin: dict
    mingshui: dict
    shuangshan: dict
    content: bytes = b""  # the file of batch #2 (three_batches)


def account(s: Session, username: str, role: str, station_id: int | None = None) -> dict:
    s.add(m.AppUser(username=username, role=role, station_id=station_id, password_hash="x"))
    return Viewer(username=username, role=role, station_id=station_id)


@pytest.fixture
def small(db_url):
    engine = get_engine(db_url)
    with Session(engine) as s:
        f = Factory(s)
        a, b = f.station("明水所"), f.station("双山所")
        ind = f.indicator("示范创建")
        f.target(a, ind, 100)
        f.target(b, ind, 26)
        f.progress(a, ind, 10, 80)
        users = {"office": account(s, "office", "食安办"), "leader": account(s, "leader", "领导"),
                 "admin": account(s, "admin", "管理员"), "mingshui": account(s, "mingshui", "监管所", a.id),
                 "shuangshan": account(s, "shuangshan", "监管所", b.id)}
        s.commit()
        ids = (a.id, b.id)
    return Small(engine, *ids, **users)


def audit_rows(small: Small, action: str | None = None) -> list[m.AuditLog]:
    """The audit log, read where it lives: the auth store (on SQLite a file of its own)."""
    with auth_session(small.engine) as a:
        query = select(m.AuditLog).order_by(m.AuditLog.id)
        return list(a.exec(query.where(m.AuditLog.action == action) if action else query).all())


def cumulative(small: Small, station_id: int) -> float | None:
    with Session(small.engine) as s:
        return s.exec(select(m.StationProgress.cumulative).where(
            m.StationProgress.station_id == station_id, m.StationProgress.month == 10)).first()


# --- who may import what --------------------------------------------------------------------------


def test_the_office_imports_every_kind_a_station_its_own_kinds(small):
    assert imports.importable_kinds(small.office) == list(KINDS)
    station_kinds = imports.importable_kinds(small.mingshui)
    assert "任务进度" in station_kinds and "任务清单" not in station_kinds
    assert station_kinds == [k for k in KINDS if k in ("任务进度", "风险隐患")]  # 风险隐患 once it is registered
    for user in (small.leader, small.admin, NOBODY, SYSTEM):  # the command line imports through seed/
        with pytest.raises(PermissionError):
            imports.importable_kinds(user)
    with pytest.raises(PermissionError, match="监管所账号未指定监管所"):
        imports.importable_kinds(Viewer(username="x", role="监管所", station_id=None))


def test_a_stations_template_lists_its_own_station_only(small):
    with Session(small.engine) as s:
        name, content = imports.template("任务进度", session=s, viewer=small.mingshui, year=2022, month=10)
        _, office_content = imports.template("任务进度", session=s, viewer=small.office, year=2022, month=10)
        with pytest.raises(PermissionError, match="当前账号不能导入“任务清单”"):
            imports.template("任务清单", session=s, viewer=small.mingshui, year=2022)
    assert name == "2022年10月任务进度（填报模板）.xlsx"
    mine = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    everyone = openpyxl.load_workbook(io.BytesIO(office_content)).worksheets[0]
    assert [mine.cell(r, 1).value for r in (3, 4)] == ["明水所", None]
    assert [everyone.cell(r, 1).value for r in (3, 4)] == ["明水所", "双山所"]


# --- dry run and preview --------------------------------------------------------------------------


def test_the_dry_run_previews_each_station_and_indicator_and_writes_nothing(small):
    before = snapshot(small.engine)
    report = imports.check([("十月.xlsx", progress_file(["明水所", 85], ["双山所", 20]))], engine=small.engine,
                           viewer=small.office, today=OCT31)
    assert report.exit_code == 0 and not report.committed
    assert snapshot(small.engine) == before
    with Session(small.engine) as s:
        figures, others = imports.preview(session=s, changes=report.changes)
    expected = pd.DataFrame({
        "文件": ["十月.xlsx"] * 2, "类型": ["任务进度"] * 2, "监管所": ["明水所", "双山所"], "指标": ["示范创建"] * 2,
        "期间": ["2022年10月"] * 2, "单位": ["家"] * 2, "现值": [80.0, math.nan], "导入后": [85.0, 20.0],
        "变化": [5.0, math.nan], "操作": ["更新", "新增"],
    })
    pd.testing.assert_frame_equal(figures, expected)
    # The month's submissions ride along: 双山所's first October report, dated AS_OF.
    assert others[["类型", "操作", "监管所"]].values.tolist() == [["上报记录", "新增", "明水所"],
                                                              ["上报记录", "新增", "双山所"]]
    assert all("上报日期：2022-10-31" in text for text in others["内容"])
    summary = imports.summary_frame(report)
    assert summary[["文件", "类型", "新增", "更新", "未变", "错误", "提示"]].values.tolist() == [
        ["十月.xlsx", "任务进度", 1, 1, 0, 0, 0]]


def test_errors_come_back_by_cell_and_nothing_is_written(small):
    before = snapshot(small.engine)
    report = imports.check([("十月.xlsx", progress_file(["明水所", "八十五"], ["双山所", 20]))],
                           engine=small.engine, viewer=small.office, today=OCT31)
    frame = imports.findings_frame(report.errors)
    assert frame.values.tolist() == [["十月.xlsx", "十月", "B3", "示范创建", "八十五", "应为数字"]]
    assert snapshot(small.engine) == before


def test_a_station_importing_another_stations_row_is_refused(small):
    before = snapshot(small.engine)
    files = [("十月.xlsx", progress_file(["明水所", 85], ["双山所", 20]))]
    report = imports.check(files, engine=small.engine, viewer=small.mingshui, today=OCT31)
    assert imports.findings_frame(report.errors).values.tolist() == [
        ["十月.xlsx", "十月", "A4", "监管所", "双山所", "只能导入本所的数据，该行属于其他监管所"]]
    committed = imports.commit(files, engine=small.engine, viewer=replace(small.mingshui, client="t"), today=OCT31)
    assert not committed.committed and snapshot(small.engine) == before


def test_too_many_files_or_none_are_refused_before_reading(small):
    with pytest.raises(ValueError, match="一次最多导入20个文件"):
        imports.check([("a.xlsx", b"")] * 21, engine=small.engine, viewer=small.office)
    with pytest.raises(ValueError, match="请先选择要导入的文件"):
        imports.check([], engine=small.engine, viewer=small.office)
    big = b"\0" * (imports.MAX_TOTAL_MB * 2**20 // 5 + 1)
    with pytest.raises(ValueError, match="合计100.0 MB，超过100 MB"):
        imports.check([(f"{i}.xlsx", big) for i in range(5)], engine=small.engine, viewer=small.office)


# --- the import -----------------------------------------------------------------------------------


def test_the_import_is_one_audited_transaction(small):
    version = data_version(small.engine)
    content = progress_file(["明水所", 85])
    report = imports.commit([("十月.xlsx", content)], engine=small.engine,
                            viewer=replace(small.mingshui, client="10.0.0.7"), today=OCT31)
    assert report.committed and cumulative(small, small.a) == 85
    assert data_version(small.engine) == version + 1
    batch_id = report.files[0].batch_id
    [log] = audit_rows(small)
    with Session(small.engine) as s:
        batch = s.get(m.ImportBatch, batch_id)
        figures, _ = imports.preview(session=s, changes=report.changes)
    assert (log.action, log.username, log.role, log.client, log.target) == (
        "导入", "mingshui", "监管所", "10.0.0.7", "十月.xlsx")
    assert log.detail["批次"] == [batch_id] and log.detail["更新"] == 1 and log.detail["类型"] == "任务进度"
    assert batch.user == "mingshui" and bytes(batch.content) == content
    assert figures[["监管所", "现值", "导入后", "变化"]].values.tolist() == [["明水所", 80.0, 85.0, 5.0]]


def test_an_import_leaves_an_audit_row_if_and_only_if_it_committed(small, monkeypatch):
    office = replace(small.office, client="10.0.0.8")
    good = [("十月.xlsx", progress_file(["明水所", 85]))]
    assert imports.check(good, engine=small.engine, viewer=office, today=OCT31).exit_code == 0  # the dry run
    bad = imports.commit([("坏.xlsx", progress_file(["明水所", "八十五"]))], engine=small.engine, viewer=office,
                         today=OCT31)
    assert not bad.committed
    other = imports.commit([("双山.xlsx", progress_file(["双山所", 20]))], engine=small.engine,
                           viewer=replace(small.mingshui, client="t"), today=OCT31)  # another station's row
    assert not other.committed
    assert audit_rows(small) == []

    # A failure inside the import's transaction after its audit row was queued: both go.
    real_audit = imports.accounts.audit

    def audit_then_fail(**kwargs):
        real_audit(**kwargs)
        raise RuntimeError("the disk is full")

    before = snapshot(small.engine)
    monkeypatch.setattr(imports.accounts, "audit", audit_then_fail)
    with pytest.raises(RuntimeError):
        imports.commit(good, engine=small.engine, viewer=office, today=OCT31)
    monkeypatch.setattr(imports.accounts, "audit", real_audit)
    assert snapshot(small.engine) == before and audit_rows(small) == []

    report = imports.commit(good, engine=small.engine, viewer=office, today=OCT31)
    assert report.committed
    [row] = audit_rows(small)
    assert (row.action, row.username, row.client, row.detail["批次"]) == (
        "导入", "office", "10.0.0.8", [report.files[0].batch_id])
    url = bind_url(small.engine)
    if is_separate(url):  # SQLite: in the -auth file beside the database; the main file's table stays empty
        main_file = Path(url.removeprefix("sqlite:///"))
        auth_file = main_file.with_name(main_file.stem + "-auth.db")
        with closing(sqlite3.connect(auth_file)) as con:
            assert con.execute("SELECT action, target FROM audit_log").fetchall() == [("导入", "十月.xlsx")]
        with Session(small.engine) as s:
            assert s.exec(select(m.AuditLog)).all() == []


# --- 导入记录 -------------------------------------------------------------------------------------


@pytest.fixture
def three_batches(small):
    """#1 the office's file (both stations), #2 明水所's own file, #3 明水所's 数据填报 save."""
    first = imports.commit([("全区.xlsx", progress_file(["明水所", 82], ["双山所", 19]))], engine=small.engine,
                           viewer=replace(small.office, client="t"), today=OCT31)
    small.content = progress_file(["明水所", 84])
    second = imports.commit([("明水.xlsx", small.content)], engine=small.engine,
                            viewer=replace(small.mingshui, client="t"), today=OCT31)
    with Session(small.engine) as s:
        ind = s.exec(select(m.TaskIndicator.id)).one()
    third = entry.save_progress(engine=small.engine, viewer=replace(small.mingshui, client="t"), station_id=small.a, year=2022, month=10,
                                rows={ind: 86}, today=OCT31)
    ids = [first.files[0].batch_id, second.files[0].batch_id, third.batch_id]
    assert ids == [1, 2, 3], ids
    return small


def listed(small, user) -> list[int]:
    with Session(small.engine) as s:
        return imports.batches(session=s, viewer=user)["batch_id"].tolist()


def test_each_role_lists_the_batches_it_may_see(three_batches):
    small = three_batches
    for user in (small.office, small.leader, small.admin):
        assert listed(small, user) == [3, 2, 1]
    assert listed(small, small.mingshui) == [3, 2]  # its station's accounts' files and saves, not the office's
    assert listed(small, small.shuangshan) == []
    with Session(small.engine) as s:
        frame = imports.batches(session=s, viewer=small.office)
    row = frame.set_index("batch_id").loc[1]
    assert (row["user"], row["file_name"], row["kind"], row["year"], row["month"], row["n_new"], row["n_updated"],
            row["status"], row["has_content"], row["source"]) == (
        "office", "全区.xlsx", "任务进度", 2022, 10, 1, 1, "已导入", True, "文件导入")
    assert len(row["sha256"]) == 64
    assert frame.set_index("batch_id").loc[3, ["source", "has_content"]].tolist() == ["数据填报", False]
    with Session(small.engine) as s, pytest.raises(PermissionError):
        imports.batches(session=s, viewer=Viewer(username="k", role="kiosk", station_id=None))


def test_the_original_file_for_whoever_may_see_the_batch(three_batches):
    small = three_batches
    with Session(small.engine) as s:
        assert imports.batch_file(session=s, viewer=small.mingshui, batch_id=2) == ("明水.xlsx", small.content)
        assert imports.batch_file(session=s, viewer=small.leader, batch_id=1)[0] == "全区.xlsx"
        with pytest.raises(PermissionError, match="监管所账号只能查看本所的导入批次"):
            imports.batch_file(session=s, viewer=small.mingshui, batch_id=1)
        with pytest.raises(PermissionError):
            imports.batch_changes(session=s, viewer=small.shuangshan, batch_id=2)
        with pytest.raises(LookupError, match="未保存原始文件"):
            imports.batch_file(session=s, viewer=small.office, batch_id=3)
        with pytest.raises(LookupError, match="批次 #99 不存在"):
            imports.batch_file(session=s, viewer=small.office, batch_id=99)
        figures, _ = imports.batch_changes(session=s, viewer=small.mingshui, batch_id=3)
    assert figures[["监管所", "现值", "导入后"]].values.tolist() == [["明水所", 84.0, 86.0]]


def test_only_the_office_undoes(three_batches):
    small = three_batches
    before = snapshot(small.engine)
    for user in (small.leader, small.admin, small.mingshui, SYSTEM):  # the command line undoes through seed/
        with pytest.raises(PermissionError, match="无权操作“导入记录”"):
            imports.undo(engine=small.engine, viewer=replace(user, client="t"), batch_id=3)
    assert snapshot(small.engine) == before


def test_undo_is_refused_while_a_later_batch_holds_the_rows_then_goes_back_in_order(three_batches):
    small = three_batches
    with pytest.raises(UndoRefused, match="批次 #1 的数据已被之后的批次 #2、#3 修改"):
        imports.undo(engine=small.engine, viewer=replace(small.office, client="t"), batch_id=1)
    assert cumulative(small, small.a) == 86
    # The 数据填报 save first, then the files: each undo restores the figure before it.
    assert imports.undo(engine=small.engine, viewer=replace(small.office, client="10.0.0.9"), batch_id=3) == \
        "已撤销批次 #3（数据填报（明水所 2022年10月））"
    assert cumulative(small, small.a) == 84
    imports.undo(engine=small.engine, viewer=replace(small.office, client="t"), batch_id=2)
    imports.undo(engine=small.engine, viewer=replace(small.office, client="t"), batch_id=1)
    assert cumulative(small, small.a) == 80 and cumulative(small, small.b) is None
    with pytest.raises(UndoRefused, match="已于 .* 撤销，无需重复撤销"):
        imports.undo(engine=small.engine, viewer=replace(small.office, client="t"), batch_id=1)
    with pytest.raises(LookupError, match="批次 #99 不存在"):
        imports.undo(engine=small.engine, viewer=replace(small.office, client="t"), batch_id=99)
    undos = audit_rows(small, "撤销")  # the refused undos left none
    assert [(a.username, a.detail["批次"]) for a in undos] == [("office", 3), ("office", 2), ("office", 1)]
    assert undos[0].client == "10.0.0.9"
    assert listed(small, small.office) == [3, 2, 1]
    with Session(small.engine) as s:
        assert set(imports.batches(session=s, viewer=small.office)["status"]) == {"已撤销"}


def test_a_stations_monthly_counts_preview_one_row_per_figure(small):
    assert "风险隐患" in KINDS
    content = xlsx([["2022年10月风险隐患排查整治表"], ["监管所", "检查主体数", "发现隐患数", "整改隐患数", "立案数"],
                    ["明水所", 30, 5, 4, 1]])
    report = imports.check([("隐患.xlsx", content)], engine=small.engine, viewer=small.mingshui, today=OCT31)
    assert report.exit_code == 0, [f.line() for f in report.findings]
    with Session(small.engine) as s:
        figures, _ = imports.preview(session=s, changes=report.changes)
    assert figures[["类型", "监管所", "指标", "期间", "导入后", "操作"]].values.tolist() == [
        ["风险隐患", "明水所", "检查主体数", "2022年10月", 30.0, "新增"],
        ["风险隐患", "明水所", "发现隐患数", "2022年10月", 5.0, "新增"],
        ["风险隐患", "明水所", "整改隐患数", "2022年10月", 4.0, "新增"],
        ["风险隐患", "明水所", "立案数", "2022年10月", 1.0, "新增"]]
    assert figures["现值"].isna().all()
    imports.commit([("隐患.xlsx", content)], engine=small.engine, viewer=small.mingshui, today=OCT31)
    again = xlsx([["2022年10月风险隐患排查整治表"], ["监管所", "检查主体数", "发现隐患数", "整改隐患数", "立案数"],
                  ["明水所", 30, 6, 4, 1]])
    report = imports.check([("隐患2.xlsx", again)], engine=small.engine, viewer=small.mingshui, today=OCT31)
    with Session(small.engine) as s:
        figures, _ = imports.preview(session=s, changes=report.changes)
    assert figures[["指标", "现值", "导入后", "变化", "操作"]].values.tolist() == [["发现隐患数", 5.0, 6.0, 1.0, "更新"]]
