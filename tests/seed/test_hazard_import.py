"""风险隐患排查整治表 and 隐患清单 through the importer: the bureau's layout read exactly, each bad cell named exactly
and nothing written, the station scope, the month's submission, the count-vs-list check as a 提示, and the
fill-in templates round-tripping into rows."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlmodel import Session, select

from db import models as m
from seed.importer import import_files, undo_batch
from seed.templates import FIRST_ROW, HEADER_ROW, template_bytes
from tests.seed.fixtures import snapshot, xlsx

D = dt.date
TODAY = D(2022, 10, 31)
TITLE = "章丘区风险隐患排查整治表（2022年10月）"
HEAD = ["序号", "监管所", "检查主体数", "发现隐患数", "整改隐患数", "立案数"]
SERIAL_IGNORED = "r.xlsx › 10月!A2（序号）：“序号”列未导入：序号、备注等说明列"  # the 序号 column is listed, not read
LIST_HEAD = ["序号", "监管所", "主体名称", "隐患描述", "发现日期", "整改期限", "整改状态", "整改日期"]


@pytest.fixture
def db(stations_engine):
    return stations_engine


def station_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(m.Station.id).where(m.Station.name == name)).one()


def run(engine, name, data, **kw):
    kw.setdefault("today", TODAY)
    return import_files([(name, data)], engine=engine, **kw)


def refused(engine, name, data, **kw) -> list[str]:
    before = snapshot(engine)
    report = run(engine, name, data, **kw)
    assert report.exit_code == 1
    assert snapshot(engine) == before
    return [f.line() for f in report.errors]


def reports(engine) -> dict[tuple[str, int], tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.HazardReport, m.Station.name).join(m.Station)).all()
    return {(name, r.month): (r.entities_checked, r.hazards_found, r.hazards_rectified, r.cases_opened, r.report_date)
            for r, name in rows}


def submissions(engine) -> dict[tuple[str, int, str], dt.date]:
    with Session(engine) as s:
        rows = s.exec(select(m.MonthlySubmission, m.Station.name).join(m.Station)).all()
    return {(name, r.month, r.kind): r.report_date for r, name in rows}


def report_file(*rows, title=TITLE, total=None) -> bytes:
    body = [[title], HEAD, *[[i, *r] for i, r in enumerate(rows, start=1)]]
    if total is not None:
        body.append(["合计", None, *total])
    body.append(["填报人：张某"])
    return xlsx(body, merges=["A1:F1"], title="10月")


def list_file(*rows, title="章丘区风险隐患清单（2022年10月）") -> bytes:
    return xlsx([[title], LIST_HEAD, *[[i, *r] for i, r in enumerate(rows, start=1)]], title="隐患清单")


# --- the monthly counts --------------------------------------------------------------------------


def test_the_bureaus_report_imports_with_the_period_from_its_title(db):
    data = report_file(["明水", 120, 9, 7, 1], ["双山所", 80, 4, 4, 0], ["刁镇监管所", 60, 0, 0, 0],
                       total=[260, 13, 11, 1])
    report = run(db, "风险隐患排查整治表10月.xlsx", data)
    assert report.exit_code == 0, [f.line() for f in report.findings]
    assert report.files[0].kinds == ["风险隐患"] and report.files[0].counts.new == 3
    assert reports(db) == {("明水所", 10): (120, 9, 7, 1, TODAY), ("双山所", 10): (80, 4, 4, 0, TODAY),
                           ("刁镇所", 10): (60, 0, 0, 0, TODAY)}
    # each station's report is its month's submission, dated the import day
    assert submissions(db) == {("明水所", 10, "风险隐患"): TODAY, ("双山所", 10, "风险隐患"): TODAY,
                               ("刁镇所", 10, "风险隐患"): TODAY}
    # a re-import a week later changes nothing, and the submission keeps its first date
    again = run(db, "风险隐患排查整治表10月.xlsx", data, today=D(2022, 11, 7))
    assert again.exit_code == 0 and not again.changed
    assert submissions(db)[("明水所", 10, "风险隐患")] == TODAY


def test_a_bad_cell_is_named_with_its_value_and_nothing_is_written(db):
    lines = refused(db, "r.xlsx", report_file(["明水所", 120, -2, 0, 0], ["双山所", 80, 4, 6, 0], ["刁镇所", 60, 3]))
    assert lines == [
        "r.xlsx › 10月!D3（发现隐患数）：不能为负数（原值：-2）",
        "r.xlsx › 10月!E4（整改隐患数）：整改隐患数不能大于发现隐患数4（原值：6）",
        "r.xlsx › 10月!E5（整改隐患数）：不能为空：本行已填写其他数字，没有请填0",
        "r.xlsx › 10月!F5（立案数）：不能为空：本行已填写其他数字，没有请填0",
    ]
    assert refused(db, "r.xlsx", report_file(["明水所", 120, "九", 7, 1])) == [
        "r.xlsx › 10月!D3（发现隐患数）：应为数字（原值：九）"]


def test_totals_a_repeated_station_and_a_missing_column_are_errors(db):
    lines = refused(db, "r.xlsx", report_file(["明水所", 120, 9, 7, 1], ["双山所", 80, 4, 4, 0], total=[201, 13, 11, 1]))
    assert lines == ["r.xlsx › 10月!C5（检查主体数）：合计与各行之和200不符（原值：201）"]
    lines = refused(db, "r.xlsx", report_file(["明水所", 120, 9, 7, 1], ["明水", 80, 4, 4, 0]))
    assert lines == ["r.xlsx › 10月!B4（监管所）：监管所“明水所”与第3行重复，同一表中不能出现两次（原值：明水）"]
    no_cases = xlsx([[TITLE], HEAD[:5], [1, "明水所", 120, 9, 7]])
    assert refused(db, "r.xlsx", no_cases) == ["r.xlsx › Sheet1：缺少“立案数”列：请对照模板补上该列（没有请填0）"]


def test_blank_rows_are_stations_that_have_not_reported(db):
    report = run(db, "r.xlsx", report_file(["明水所", 120, 9, 7, 1], ["双山所", None, None, None, None]))
    assert report.exit_code == 0
    assert set(reports(db)) == {("明水所", 10)} and set(submissions(db)) == {("明水所", 10, "风险隐患")}


def test_a_station_account_imports_its_own_row_only(db):
    mingshui = station_id(db, "明水所")
    lines = refused(db, "r.xlsx", report_file(["明水所", 120, 9, 7, 1], ["双山所", 80, 4, 4, 0]),
                    station_scope=mingshui)
    assert lines == ["r.xlsx › 10月!B4（监管所）：只能导入本所的数据，该行属于其他监管所（原值：双山所）"]
    # the other stations' rows left blank (as in the template, which lists every station) are no one's report
    report = run(db, "r.xlsx", report_file(["明水所", 120, 9, 7, 1], ["双山所", None, None, None, None]),
                 station_scope=mingshui)
    assert report.exit_code == 0 and set(reports(db)) == {("明水所", 10)}


# --- the list, and the counts checked against it -------------------------------------------------


def test_the_list_imports_and_checks_the_counts(db):
    run(db, "r.xlsx", report_file(["明水所", 120, 3, 2, 0]))
    data = list_file(["明水所", "章丘区明水某饭店", "冷藏设施温度记录缺失", D(2022, 10, 10), D(2022, 10, 25), "已整改",
                      D(2022, 10, 12)],
                     ["明水所", "章丘区明水某超市", "过期食品未及时下架", D(2022, 10, 11), D(2022, 10, 18), None, None])
    report = run(db, "l.xlsx", data)
    assert report.exit_code == 0 and report.files[0].kinds == ["隐患清单"] and report.files[0].counts.new == 2
    # two listed against 3 found; one rectified by the 10-31 report against 2
    assert [f.line() for f in report.warnings] == [
        "l.xlsx › 隐患清单!A2（序号）：“序号”列未导入：序号、备注等说明列",
        "l.xlsx › 隐患清单：与风险隐患排查整治表不一致：清单列出明水所2022年10月发现的隐患2项，排查整治表填报发现隐患数3",
        "l.xlsx › 隐患清单：与风险隐患排查整治表不一致：清单中明水所2022年10月发现的隐患截至10月31日已整改1项，"
        "排查整治表填报整改隐患数2",
    ]
    with Session(db) as s:
        rows = s.exec(select(m.Hazard).order_by(m.Hazard.found_date)).all()
    assert [(h.year, h.month, h.status, h.rectified_date, h.business_id) for h in rows] == [
        (2022, 10, "已整改", D(2022, 10, 12), None), (2022, 10, "未整改", None, None)]
    # the counts corrected to agree: no 提示; a disagreeing cell of the report is named
    ok = run(db, "r.xlsx", report_file(["明水所", 120, 2, 1, 0]))
    assert ok.exit_code == 0 and [f.line() for f in ok.warnings] == [SERIAL_IGNORED]
    off = run(db, "r.xlsx", report_file(["明水所", 120, 4, 1, 0]))
    assert off.exit_code == 0 and off.committed
    assert [f.line() for f in off.warnings] == [
        SERIAL_IGNORED, "r.xlsx › 10月!D3（发现隐患数）：与隐患清单不一致：清单列出明水所2022年10月发现的隐患2项，排查整治表填报发现隐患数4"
        "（原值：4）"]
    assert reports(db)[("明水所", 10)][1] == 4  # the reported figure stands: the list only checks it


def test_list_rows_are_checked(db):
    lines = refused(db, "l.xlsx", list_file(
        ["明水所", "甲店", "问题一", D(2022, 10, 10), D(2022, 10, 25), "已整改", None],
        ["明水所", "乙店", "问题二", D(2022, 10, 10), D(2022, 10, 5), None, D(2022, 10, 8)],
        ["明水所", "丙店", "问题三", D(2022, 11, 2), None, None, None],
        ["明水所", "甲店", "问题一", D(2022, 10, 10), None, None, None]))
    assert lines == [
        "l.xlsx › 隐患清单!E5（发现日期）：发现日期2022-11-02晚于今天（2022-10-31）（原值：2022-11-02）",
        "l.xlsx › 隐患清单!H3（整改日期）：已整改的隐患需填写整改日期",
        "l.xlsx › 隐患清单!F4（整改期限）：整改期限早于发现日期（原值：2022-10-05）",
        "l.xlsx › 隐患清单!H4（整改日期）：整改日期早于发现日期（原值：2022-10-08）",
        "l.xlsx › 隐患清单!D6（隐患描述）：与第3行是同一条隐患（编号，或监管所、发现日期、主体和隐患描述相同）（原值：问题一）",
    ]


def test_a_listed_business_is_linked_to_the_register_and_undo_removes_the_list(db):
    with Session(db) as s:
        s.add(m.Business(key="91370181MA3C000001", code="91370181MA3C000001", name="章丘区明水某饭店", sector="餐饮",
                         tier="C", risk_level="B", station_id=station_id(db, "明水所")))
        s.commit()
        bid = s.exec(select(m.Business.id)).one()
    before = snapshot(db)
    report = run(db, "l.xlsx", list_file(["明水", "章丘区明水某饭店", "留样不规范", D(2022, 9, 20), None, None, None],
                                         title="章丘区风险隐患清单"))
    assert report.exit_code == 0
    with Session(db) as s:
        h = s.exec(select(m.Hazard)).one()
        assert (h.business_id, h.year, h.month) == (bid, 2022, 9)  # no month in the title: the found date's
        undo_batch(s, report.files[0].batch_id)
        s.commit()
    after = snapshot(db)
    kept = ("import_batch", "import_change", "data_version")  # the batch and its log stay, marked 已撤销
    assert {k: v for k, v in after.items() if k not in kept} == {k: v for k, v in before.items() if k not in kept}


# --- templates round-trip -----------------------------------------------------------------------------


def filled(kind: str, engine, rows: dict[int, dict[str, object]], **period) -> bytes:
    """The fill-in template with cells written as a person would: input row index → header → value."""
    with Session(engine) as s:
        data = template_bytes(kind, session=s, **period)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    col = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    for i, cells in rows.items():
        for label, value in cells.items():
            cell = ws.cell(FIRST_ROW + i, col[label])
            assert not cell.protection.locked
            cell.value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_templates_filled_in_import_into_rows(db):
    with Session(db) as s:
        first_two = s.exec(select(m.Station.name).order_by(m.Station.sort_order).limit(2)).all()
    # the counts' template lists every station; two are filled in, one with its own report date
    data = filled("风险隐患", db, {0: {"检查主体数": 120, "发现隐患数": 2, "整改隐患数": 1, "立案数": 0,
                                       "上报日期": D(2022, 10, 21)},
                                   1: {"检查主体数": 80, "发现隐患数": 0, "整改隐患数": 0, "立案数": 0}},
                  year=2022, month=10)
    report = run(db, "2022年10月风险隐患排查整治表（填报模板）.xlsx", data)
    assert report.exit_code == 0 and report.files[0].kinds == ["风险隐患"]
    assert reports(db) == {(first_two[0], 10): (120, 2, 1, 0, D(2022, 10, 21)),
                           (first_two[1], 10): (80, 0, 0, 0, TODAY)}
    assert submissions(db) == {(first_two[0], 10, "风险隐患"): D(2022, 10, 21), (first_two[1], 10, "风险隐患"): TODAY}
    # the list's template: free rows, the month from its _meta
    lst = filled("隐患清单", db, {0: {"隐患编号": "YH2022100001", "监管所": first_two[0], "主体名称": "某某饭店",
                                      "隐患描述": "冷藏设施温度记录缺失", "发现日期": D(2022, 10, 12),
                                      "整改期限": D(2022, 10, 27), "整改状态": "已整改", "整改日期": D(2022, 10, 15)},
                                  1: {"监管所": first_two[0], "主体名称": "某某超市", "隐患描述": "过期食品未及时下架",
                                      "发现日期": D(2022, 10, 13), "整改期限": D(2022, 10, 20)}},
                 year=2022, month=10)
    report = run(db, "2022年10月隐患清单（填报模板）.xlsx", lst)
    assert report.exit_code == 0 and report.files[0].kinds == ["隐患清单"], [f.line() for f in report.findings]
    assert report.warnings == []  # 2 listed, 1 rectified by 10-21: as reported
    with Session(db) as s:
        rows = s.exec(select(m.Hazard).order_by(m.Hazard.found_date)).all()
    assert [(h.key, h.code, h.month, h.business_name, h.status, h.deadline) for h in rows] == [
        ("YH2022100001", "YH2022100001", 10, "某某饭店", "已整改", D(2022, 10, 27)),
        (f"{first_two[0]}|2022-10-13|某某超市|过期食品未及时下架", None, 10, "某某超市", "未整改", D(2022, 10, 20))]
