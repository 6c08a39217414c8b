"""数据导入 and 导入记录 pages (AppTest, files put in the uploader as a browser would): a bad file is shown cell by
cell with a marked-up copy and nothing is written; a good one is previewed against the current figures and
imported only on 确认导入; a 监管所 account cannot import another station's rows; refusals and failures are Chinese
messages, never a traceback; 导入记录 lists the batches a role may see and only the office undoes them."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlmodel import Session, select

from components import import_view
from db import models as m
from db.authstore import auth_session
from db.engine import dispose_engines, get_engine
from services import auth, imports
from services.rules.viewer import Viewer
from tests.pages.conftest import ensure_user, fresh_app
from tests.pages.test_roles import open_url
from tests.seed.fixtures import snapshot, xlsx

IMPORT, LOG = "app_pages/imports.py", "app_pages/import_log.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def progress_file(*rows: list) -> bytes:
    return xlsx([["2022年10月各监管所任务进度"], ["监管所", "示范创建"], *rows], title="十月")


def open_page(url, monkeypatch, user, page):
    at = fresh_app(url, monkeypatch, user=user).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at, *files: tuple[str, bytes]):
    [uploader] = at.file_uploader
    uploader.set_value([(name, content, XLSX) for name, content in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at, *columns: str):
    """The first table holding all these columns."""
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def state(url) -> dict[str, int]:
    counts = snapshot(get_engine(url))
    dispose_engines()
    return counts


def cumulative(url, station: str) -> float | None:
    with Session(get_engine(url)) as s:
        value = s.exec(select(m.StationProgress.cumulative).join(m.Station)
                       .where(m.Station.name == station, m.StationProgress.month == 10)).first()
    dispose_engines()
    return value


def errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]


def buttons(at) -> list[str]:
    return [b.key for b in at.button]


# --- 数据导入 -------------------------------------------------------------------------------------------


def test_each_account_downloads_templates_of_the_kinds_it_may_import(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    assert at.selectbox(key="imp-template-kind").value == "任务进度"
    assert "任务清单" in at.selectbox(key="imp-template-kind").options
    assert [b.label for b in at.get("download_button")] == ["下载填报模板"]
    at = open_page(small_url, monkeypatch, "mingshui", IMPORT)
    assert at.selectbox(key="imp-template-kind").options == imports.importable_kinds(
        Viewer(role="监管所", station_id=1))
    assert "任务清单" not in at.selectbox(key="imp-template-kind").options


def test_an_invalid_upload_names_the_cell_and_writes_nothing(small_url, monkeypatch):
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", "八十五"], ["双山所", 20])))
    found = table(at, "单元格", "原值", "说明")
    assert found.values.tolist() == [["十月.xlsx", "十月", "B3", "示范创建", "八十五", "应为数字"]]
    assert "共1处错误：未写入任何数据。" in errors(at)[0]
    assert "下载标注错误的原文件：十月.xlsx" in [b.label for b in at.get("download_button")]
    assert "imp-commit" not in buttons(at)
    assert {m_.label: m_.value for m_ in at.metric}["错误"] == "1"
    assert state(small_url) == before
    assert at.session_state[import_view.PENDING].files == []  # a file that cannot be imported keeps no bytes


def test_a_valid_upload_is_previewed_then_imported_on_confirmation(small_url, monkeypatch):
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", 85], ["双山所", 20])))
    assert not at.error
    preview = table(at, "监管所", "指标", "现值", "导入后", "变化")
    assert preview[["监管所", "指标", "现值", "导入后", "变化"]].values.tolist() == [
        ["明水所", "示范创建", 80.0, 85.0, 5.0], ["双山所", "示范创建", 18.0, 20.0, 2.0]]
    assert state(small_url) == before  # the dry run wrote nothing
    at.button(key="imp-commit").click().run()
    assert not at.exception and not at.error
    with Session(get_engine(small_url)) as s:  # PostgreSQL's sequence moved on in the dry run's rolled-back batch
        batch = s.exec(select(m.ImportBatch.id)).one()
    dispose_engines()
    assert at.success[0].value.replace("\\", "").startswith(f"导入完成：批次 #{batch}（十月.xlsx）")
    done = table(at, "监管所", "现值", "导入后")
    assert done[["监管所", "现值", "导入后"]].values.tolist() == [["明水所", 80.0, 85.0], ["双山所", 18.0, 20.0]]
    assert cumulative(small_url, "明水所") == 85 and cumulative(small_url, "双山所") == 20
    assert state(small_url)["data_version"] == before["data_version"] + 1
    # The bytes are gone and the uploader is a new, empty one.
    assert import_view.PENDING not in at.session_state
    assert "imp-commit" not in buttons(at) and not at.file_uploader(key="imp-upload-1").value
    with auth_session(small_url) as a:  # the audit log lives in the auth store
        audit = a.exec(select(m.AuditLog).where(m.AuditLog.action == "导入")).all()
    dispose_engines()
    assert [(a.username, a.target, a.detail["批次"]) for a in audit] == [("office", "十月.xlsx", [batch])]


def test_a_station_uploading_another_stations_rows_is_refused(small_url, monkeypatch):
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "mingshui", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", 85], ["双山所", 20])))
    found = table(at, "单元格", "说明")
    assert found[["单元格", "原值", "说明"]].values.tolist() == [["A4", "双山所", "只能导入本所的数据，该行属于其他监管所"]]
    assert "imp-commit" not in buttons(at)
    assert state(small_url) == before


def test_a_station_imports_its_own_row(small_url, monkeypatch):
    at = open_page(small_url, monkeypatch, "mingshui", IMPORT)
    upload(at, ("明水.xlsx", progress_file(["明水所", 90])))
    at.button(key="imp-commit").click().run()
    assert not at.exception and not at.error
    assert cumulative(small_url, "明水所") == 90


def zip_bomb() -> bytes:
    """A workbook-shaped zip whose one sheet inflates 1000-fold."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (4 * 2**20))
    return buf.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("照片.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "照片.xlsx：不是表格文件（支持.xlsx、.xls、.csv）"),
    ("大.xlsx", b"PK\x03\x04" + b"\0" * (3 * 2**20 // 2), "大.xlsx：文件大小1.5 MB，超过1 MB上限，请拆分后再导入"),
    ("炸弹.xlsx", zip_bomb(), "炸弹.xlsx：压缩比异常"),
])
def test_an_unreadable_file_is_refused_by_name(small_url, monkeypatch, name, content, message):
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", 85])), (name, content))
    assert errors(at)[0].startswith(message)
    assert "imp-commit" not in buttons(at) and table(at, "监管所", "导入后") is None
    assert at.session_state[import_view.PENDING].files == []
    assert state(small_url) == before


def test_an_unexpected_failure_shows_a_message_not_a_traceback(small_url, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(imports, "check", broken)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", 85])))
    assert errors(at) == [import_view.MSG_FAILED_CHECK]
    assert not at.exception
    assert "fire" not in str([e.value for e in at.error]) + str([c.value for c in at.caption])


def test_a_failed_commit_writes_nothing_and_says_so(small_url, monkeypatch):
    before = state(small_url)
    at = open_page(small_url, monkeypatch, "office", IMPORT)
    upload(at, ("十月.xlsx", progress_file(["明水所", 85])))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "commit", broken)
    at.button(key="imp-commit").click().run()
    assert not at.exception
    assert errors(at) == [import_view.MSG_FAILED_IMPORT]
    assert state(small_url) == before


# --- 导入记录 -------------------------------------------------------------------------------------------


@pytest.fixture
def two_batches(small_url):
    """#1 the office's file for both stations; #2 明水所's own file (明水所 80 → 85 → 88; 双山所 18 → 20)."""
    for name in ("office", "mingshui"):
        ensure_user(small_url, name)
    engine = get_engine(small_url)
    with Session(engine) as s:
        office = Viewer.of_account(auth.get_user(session=s, username="office"))
        mingshui = Viewer.of_account(auth.get_user(session=s, username="mingshui"))
    first = imports.commit([("全区.xlsx", progress_file(["明水所", 85], ["双山所", 20]))], engine=engine, viewer=office)
    second = imports.commit([("明水.xlsx", progress_file(["明水所", 88]))], engine=engine, viewer=mingshui)
    assert first.committed and second.committed
    dispose_engines()
    return small_url


def batch_ids(at) -> list[str]:
    return table(at, "批次", "文件", "状态")["批次"].tolist()


def test_the_office_undoes_the_latest_batch(two_batches, monkeypatch):
    at = open_page(two_batches, monkeypatch, "office", LOG)
    log = table(at, "批次", "文件", "状态")
    assert log[["批次", "用户", "来源", "文件", "类型", "年月", "新增", "更新", "状态"]].values.tolist() == [
        ["#2", "mingshui", "文件导入", "明水.xlsx", "任务进度", "2022年10月", 0, 1, "已导入"],
        ["#1", "office", "文件导入", "全区.xlsx", "任务进度", "2022年10月", 0, 2, "已导入"]]
    assert all(len(x) == 12 for x in log[import_view.DIGEST])
    assert at.selectbox(key="log-batch").value == 2
    changes = table(at, "监管所", "现值", "导入后")
    assert changes[["监管所", "现值", "导入后"]].values.tolist() == [["明水所", 85.0, 88.0]]
    [original] = at.get("download_button")
    assert original.label == "下载原始文件"
    original.click().run()  # the data leaves the server: audited as an export
    with auth_session(two_batches) as a:  # the audit log lives in the auth store
        exports = a.exec(select(m.AuditLog).where(m.AuditLog.action == "导出")).all()
    dispose_engines()
    assert [(a.username, a.target, a.detail) for a in exports] == [
        ("office", "明水.xlsx", {"页面": "导入记录", "批次": 2})]
    assert at.button(key="log-undo-2").disabled  # not before the box is ticked
    at.checkbox(key="log-sure-2").check().run()
    at.button(key="log-undo-2").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.replace("\\", "") == "已撤销批次 #2（明水.xlsx）"
    assert cumulative(two_batches, "明水所") == 85
    assert table(at, "批次", "文件", "状态")["状态"].tolist() == ["已撤销", "已导入"]
    assert "log-undo-2" not in buttons(at)  # an undone batch has no undo button


def test_undoing_an_earlier_batch_says_which_later_batch_holds_its_rows(two_batches, monkeypatch):
    at = open_page(two_batches, monkeypatch, "office", LOG)
    at.selectbox(key="log-batch").select(1).run()
    at.checkbox(key="log-sure-1").check().run()
    at.button(key="log-undo-1").click().run()
    assert not at.exception
    assert errors(at) == ["批次 #1 的数据已被之后的批次 #2 修改，请先撤销这些批次"]
    assert cumulative(two_batches, "明水所") == 88 and cumulative(two_batches, "双山所") == 20


def test_a_leader_reads_the_log_but_cannot_undo(two_batches, monkeypatch):
    at = open_page(two_batches, monkeypatch, "leader", LOG)
    assert batch_ids(at) == ["#2", "#1"]
    assert not [k for k in buttons(at) if k and k.startswith("log-undo")] and not at.checkbox
    # Nor through the data layer, should a button be forged.
    with pytest.raises(PermissionError):
        imports.undo(engine=get_engine(two_batches), viewer=Viewer(username="leader", role="领导"), batch_id=2)
    dispose_engines()
    assert cumulative(two_batches, "明水所") == 88


def test_a_station_sees_only_its_own_batches(two_batches, monkeypatch):
    at = open_page(two_batches, monkeypatch, "mingshui", LOG)
    assert batch_ids(at) == ["#2"]
    assert at.selectbox(key="log-batch").options == ["#2 明水.xlsx"]
    assert not [k for k in buttons(at) if k and k.startswith("log-undo")]
    assert "全区.xlsx" not in str(table(at, "批次", "文件", "状态").values.tolist())


def test_a_leader_has_no_import_page(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch, user="leader").run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(IMPORT)
    at = open_url(at, "import")  # the link says so in Chinese, and there is no uploader
    assert [e.value for e in at.error] == ["无权访问：当前账号不能打开“数据导入”页面。"]
    assert not at.file_uploader


def test_the_demo_import_log_names_every_column_in_chinese(demo_url, monkeypatch):
    """The demo's first batch (监管所.xlsx) writes the district's population: 导入记录 says 常住人口（人）, never the
    column's name, and 名称 for a station's name (not the 区县 of the first kind that has one)."""
    at = open_page(demo_url, monkeypatch, "office", LOG)
    ids = dict(zip(table(at, "批次", "文件")["文件"], table(at, "批次", "文件")["批次"], strict=True))
    at.selectbox(key="log-batch").set_value(int(ids["监管所.xlsx"].lstrip("#"))).run()
    others = table(at, "对象", "内容")
    district = others[others["对象"] == "章丘区"]["内容"].iloc[0]
    assert district.startswith("名称：章丘区；行政区划代码：370114；常住人口（人）：1101000；人口年份：2023；")
    assert "名称：明水所；排序：1；" in others["内容"].tolist()[1]
    text = " ".join(others["内容"])
    assert not re.findall(r"\b[a-z]+_?[a-z]*\b(?=：)", text)  # no column name before a value
