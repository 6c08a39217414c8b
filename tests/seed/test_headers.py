"""Header layouts as district offices make them (issue 18 items 1–2): 1–3 header rows in any merge pattern, a unit
row, blank spacer rows, 合计/小计 rows anywhere checked against exactly the rows they cover, and no column dropped
without a word."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from db import models as m
from seed.importer import import_files
from tests.seed.fixtures import HEADERS, snapshot, xlsx

# Reading and checking files: the PostgreSQL pass leaves it out (the importer's writes run there in other tests)
pytestmark = pytest.mark.reading_only

TITLE = "2022年度各监管所食品小作坊提升任务清单"
STATIONS = [["明水所", 20, 3, 5, 2], ["双山所", 20, 3, 5, 2], ["刁镇所", 10, 2, 4, 1]]
SMALL = {(st, ind): v for st, *vals in STATIONS
         for ind, v in zip(("示范创建", "新升级为食品生产企业", "视频监管试点", "抱团发展活动"), vals, strict=True)}
# The 2022 list's columns as offices group them: 食品小作坊提升 merged over three sub-headers.
GROUP_ROW = ["监管所", "食品小作坊提升", None, None, "推进产业协会工作实现抱团高质量发展（活动次数）"]
SUB_ROW = [None, "示范创建", "新升级为食品生产企业数量", "视频监管试点", None]
GROUP_MERGES = ["B{r}:D{r}", "A{r}:A{s}", "E{r}:E{s}"]


@pytest.fixture
def db(stations_engine):
    return stations_engine


def run(engine, name, data, **kw):
    return import_files([(name, data)], engine=engine, **kw)


def ok(engine, name, data, **kw):
    report = run(engine, name, data, **kw)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    return report


def refused(engine, name, data, **kw) -> list[str]:
    before = snapshot(engine)
    report = run(engine, name, data, **kw)
    assert report.exit_code == 1
    assert snapshot(engine) == before
    return [f.line() for f in report.errors]


def targets(engine) -> dict[tuple[str, str], float]:
    with Session(engine) as s:
        rows = s.exec(select(m.Station.name, m.TaskIndicator.code, m.StationTarget.target)
                      .join(m.StationTarget, m.StationTarget.station_id == m.Station.id)
                      .join(m.TaskIndicator, m.TaskIndicator.id == m.StationTarget.indicator_id)).all()
    return {(a, b): c for a, b, c in rows}


def merges(r: int, s: int) -> list[str]:
    return [m.format(r=r, s=s) for m in GROUP_MERGES]


# --- header rows: task list and progress ----------------------------------------------------


def test_group_header_merged_over_sub_headers(db):
    rows = [[TITLE], GROUP_ROW, SUB_ROW, *STATIONS]
    report = ok(db, "a.xlsx", xlsx(rows, merges=["A1:E1", *merges(2, 3)]))
    assert targets(db) == SMALL
    assert report.warnings == []


def test_unit_row_under_the_names_is_header_not_data(db):
    rows = [[TITLE], HEADERS[:1] + ["示范创建", "新升级为食品生产企业", "视频监管试点", "抱团发展活动"],
            [None, "（家）", "(家)", "单位：家", "（次）"], *STATIONS]
    report = ok(db, "a.xlsx", xlsx(rows, merges=["A1:E1"]))
    assert targets(db) == SMALL
    assert report.warnings == []


def test_group_header_sub_headers_and_a_unit_row(db):
    rows = [[TITLE], GROUP_ROW, SUB_ROW, [None, "（家）", "（家）", "（家）", "（次）"], *STATIONS,
            ["合计", 50, 8, 14, 5]]
    ok(db, "a.xlsx", xlsx(rows, merges=["A1:E1", "B2:D2", "A2:A4", "E2:E3"]))
    assert targets(db) == SMALL


def test_blank_spacer_rows_around_and_inside_the_header(db):
    rows = [[TITLE], [], GROUP_ROW, [], SUB_ROW, [], *STATIONS]
    ok(db, "a.xlsx", xlsx(rows, merges=["A1:E1", "B3:D3"]))
    assert targets(db) == SMALL


def test_progress_with_a_two_row_header_and_a_unit_row(db):
    rows = [["2023年6月各监管所任务进度"], GROUP_ROW, SUB_ROW, [None, "家", "家", "家", "次"],
            ["明水所", 5, 1, 2, 0], ["双山所", 4, 0, 1, 1]]
    ok(db, "p.xlsx", xlsx(rows, merges=["A1:E1", *merges(2, 3)]))
    with Session(db) as s:
        got = {(st, ind, mo): v for st, ind, mo, v in s.exec(
            select(m.Station.name, m.TaskIndicator.code, m.StationProgress.month, m.StationProgress.cumulative)
            .join(m.Station, m.Station.id == m.StationProgress.station_id)
            .join(m.TaskIndicator, m.TaskIndicator.id == m.StationProgress.indicator_id)).all()}
    assert got == {("明水所", "示范创建", 6): 5, ("明水所", "新升级为食品生产企业", 6): 1, ("明水所", "视频监管试点", 6): 2,
                   ("明水所", "抱团发展活动", 6): 0, ("双山所", "示范创建", 6): 4, ("双山所", "新升级为食品生产企业", 6): 0,
                   ("双山所", "视频监管试点", 6): 1, ("双山所", "抱团发展活动", 6): 1}


# --- 合计 / 小计 anywhere ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["合计", "合 计", "全区合计", "合计：", "总计"])
def test_total_first_under_the_header(db, label):
    rows = [[TITLE], HEADERS, [label, 50, 8, 14, 5], *STATIONS]
    ok(db, "a.xlsx", xlsx(rows))
    assert targets(db) == SMALL


def test_total_merged_across_the_first_two_columns(db):
    rows = [[TITLE], ["序号", *HEADERS], ["合计", None, 50, 8, 14, 5], *[[i, *r] for i, r in enumerate(STATIONS, 1)]]
    report = ok(db, "a.xlsx", xlsx(rows, merges=["A3:B3"]))
    assert targets(db) == SMALL
    assert [f.line() for f in report.warnings] == ["a.xlsx › Sheet1!A2（序号）：“序号”列未导入：序号、备注等说明列"]


def test_total_first_mis_summed_names_the_cell_and_the_sum(db):
    rows = [[TITLE], HEADERS, ["合计", 50, 8, 13, 5], *STATIONS]
    assert refused(db, "清单.xlsx", xlsx(rows)) == [
        "清单.xlsx › Sheet1!D3（打造视频监管试点（家））：合计与各行之和14不符（原值：13）"]


def test_group_labels_subtotals_and_a_grand_total(db):
    rows = [[TITLE], HEADERS, ["一、城区片区"], STATIONS[0], STATIONS[1], ["小计", 40, 6, 10, 4],
            ["二、南部片区"], STATIONS[2], ["小计", 10, 2, 4, 1], ["全区合计", 50, 8, 14, 5]]
    ok(db, "a.xlsx", xlsx(rows, merges=["A3:E3", "A7:E7"]))
    assert targets(db) == SMALL


def test_subtotal_mis_summed_names_its_group(db):
    rows = [[TITLE], HEADERS, ["一、城区片区"], STATIONS[0], STATIONS[1], ["小计", 40, 6, 10, 4],
            ["二、南部片区"], STATIONS[2], ["小计", 11, 2, 4, 1]]
    assert refused(db, "清单.xlsx", xlsx(rows)) == [
        "清单.xlsx › Sheet1!B9（食品小作坊示范创建）：小计与本组各行（第8行）之和10不符（原值：11）"]


def test_subtotals_first_in_their_groups(db):
    rows = [[TITLE], HEADERS, ["合计", 50, 8, 14, 5], ["小计", 40, 6, 10, 4], STATIONS[0], STATIONS[1],
            ["小计", 10, 2, 4, 1], STATIONS[2]]
    ok(db, "a.xlsx", xlsx(rows))
    assert targets(db) == SMALL


@pytest.mark.parametrize("bad", ["#DIV/0!", "#REF!", "待定"])
def test_unreadable_station_cell_does_not_blame_the_total(db, bad):
    text = "\n".join([",".join(HEADERS), f"明水所,{bad},3,5,2", "双山所,20,3,5,2", "刁镇所,10,2,4,1", "合计,50,8,14,5"])
    errors = refused(db, "清单.csv", text.encode("utf-8"), year=2022)
    assert len(errors) == 1 and errors[0].startswith("清单.csv › CSV!B2（食品小作坊示范创建）："), errors
    assert errors[0].endswith(f"（原值：{bad}）")


# --- columns: 包保主体 ------------------------------------------------------------------------------

BIZ_GROUP = ["主体信息", None, None, "分级", None, "属地", None, None]
BIZ_NAMES = ["统一社会信用代码", "主体名称", "业态", "包保分级", "风险等级", "监管所", "镇街", "地址"]
BIZ_ROW = ["91370181MA3C000001", "某某食品有限公司", "生产", "B", "C", "明水所", "明水街道", "明水街道某路1号"]


def businesses(engine) -> list[tuple]:
    with Session(engine) as s:
        return s.exec(select(m.Business.name, m.Station.name, m.Township.name, m.Business.address)
                      .join(m.Station, m.Station.id == m.Business.station_id)
                      .join(m.Township, m.Township.id == m.Business.township_id, isouter=True)).all()


def test_business_register_two_row_header_stores_the_township(db):
    rows = [["包保主体台账"], BIZ_GROUP, BIZ_NAMES, BIZ_ROW]
    ok(db, "主体.xlsx", xlsx(rows, merges=["A1:H1", "A2:C2", "D2:E2", "F2:H2"]))
    assert businesses(db) == [("某某食品有限公司", "明水所", "明水街道", "明水街道某路1号")]


@pytest.mark.parametrize("township", ["镇街", "镇（街道）", "所属街道", "所在镇街", "乡镇（街道）", "乡镇街道"])
def test_business_register_township_spellings(db, township):
    rows = [["包保主体台账"], [*BIZ_NAMES[:6], township, "地址"], BIZ_ROW]
    ok(db, "主体.xlsx", xlsx(rows))
    assert businesses(db)[0][2] == "明水街道"


def test_ignored_columns_are_listed_with_their_cell_and_reason(db):
    rows = [["包保主体台账"], ["序号", *BIZ_NAMES, "联系电话", "示例"], [1, *BIZ_ROW, "13800000000", "否"]]
    report = ok(db, "主体.xlsx", xlsx(rows), dry_run=True)
    assert [f.line() for f in report.warnings] == [
        "主体.xlsx › Sheet1!A2（序号）：“序号”列未导入：序号、备注等说明列",
        "主体.xlsx › Sheet1!J2（联系电话）：“联系电话”列未导入：不是本表的字段",
        "主体.xlsx › Sheet1!K2（示例）：“示例”列未导入：“示例”列标记示例数据，不导入",
    ]


def test_two_columns_for_one_field_are_refused_naming_both(db):
    rows = [["包保主体台账"], [*BIZ_NAMES, "所在镇街"], [*BIZ_ROW, "明水街道"]]
    assert refused(db, "主体.xlsx", xlsx(rows)) == [
        "主体.xlsx › Sheet1!I2（所在镇街）：与G2列都对应“镇街”，请删除或改名其中一列"]


def test_data_under_no_header_is_refused(db):
    rows = [["包保主体台账"], [*BIZ_NAMES, None], [*BIZ_ROW, "某备注"]]
    assert refused(db, "主体.xlsx", xlsx(rows)) == [
        "主体.xlsx › Sheet1!I2（I）：该列有数据但没有表头（如I3），请补上表头或删除该列"]


def test_header_merged_across_two_columns_is_one_column(db):
    rows = [["包保主体台账"], [*BIZ_NAMES, None], [*BIZ_ROW[:7], "明水街道", "某路1号"]]
    report = ok(db, "主体.xlsx", xlsx(rows, merges=["H2:I2"]), dry_run=True)
    assert [f.line() for f in report.warnings] == [
        "主体.xlsx › Sheet1!I2（地址）：“地址”列未导入：与H2列同属一个合并表头"]


# --- 督导记录: group headers over the cadre's and the business's columns -----------------------------------


def _register(engine) -> None:
    for name, rows in (
        ("包保主体.xlsx", [["包保主体"], BIZ_NAMES, BIZ_ROW]),
        ("包保干部.xlsx", [["包保干部"], ["干部编号", "姓名", "层级", "单位", "职务", "监管所"],
                         ["GB0001", "张某", "乡", "明水街道办事处", "副主任", "明水所"]]),
    ):
        ok(engine, name, xlsx(rows))


@pytest.mark.parametrize("sub", [["干部编号", "干部姓名", "干部单位", "主体编码", "主体名称"],
                                 ["编号", "姓名", "单位", "编码", "名称"]])
def test_visit_register_with_group_headers(db, sub):
    _register(db)
    rows = [["2022年督导记录"], ["督导日期", "包保干部", None, None, "包保主体", None, "督导方式"],
            [None, *sub, None], ["2022-03-15", "GB0001", "张某", "明水街道办事处", "91370181MA3C000001",
                                 "某某食品有限公司", "现场"]]
    ok(db, "督导.xlsx", xlsx(rows, merges=["A1:G1", "B2:D2", "E2:F2", "A2:A3", "G2:G3"]))
    with Session(db) as s:
        got = s.exec(select(m.Visit.visit_date, m.Cadre.name, m.Business.name, m.Visit.method)
                     .join(m.Cadre, m.Cadre.id == m.Visit.cadre_id)
                     .join(m.Business, m.Business.id == m.Visit.business_id)).all()
    assert [(d.isoformat(), c, b, mt) for d, c, b, mt in got] == [("2022-03-15", "张某", "某某食品有限公司", "现场")]


# --- 风险隐患 ------------------------------------------------------------------------------------------

HZ_TITLE = "章丘区风险隐患排查整治表（2022年10月）"
HZ_HEAD = ["监管所", "检查主体数", "发现隐患数", "整改隐患数", "立案数"]


def hazard_reports(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.HazardReport, m.Station.name).join(m.Station)).all()
    return {name: (r.entities_checked, r.hazards_found, r.hazards_rectified, r.cases_opened) for r, name in rows}


def test_hazard_counts_with_a_unit_row_and_the_total_first(db):
    rows = [[HZ_TITLE], HZ_HEAD, [None, "（家）", "（项）", "（项）", "（件）"], ["合计", 30, 5, 3, 1],
            ["明水所", 20, 3, 2, 1], ["双山所", 10, 2, 1, 0]]
    ok(db, "r.xlsx", xlsx(rows), today=dt.date(2022, 10, 31))
    assert hazard_reports(db) == {"明水所": (20, 3, 2, 1), "双山所": (10, 2, 1, 0)}


def test_hazard_subtotal_mis_summed_names_its_group(db):
    rows = [[HZ_TITLE], HZ_HEAD, ["一、城区片区"], ["明水所", 20, 3, 2, 1], ["双山所", 10, 2, 1, 0], ["小计", 30, 5, 3, 1],
            ["二、南部片区"], ["刁镇所", 5, 1, 1, 0], ["小计", 5, 2, 1, 0], ["合计", 35, 6, 4, 1]]
    assert refused(db, "r.xlsx", xlsx(rows), today=dt.date(2022, 10, 31)) == [
        "r.xlsx › Sheet1!C9（发现隐患数）：小计与本组各行（第8行）之和1不符（原值：2）"]


def test_task_list_columns_not_read_are_listed(db):
    rows = [[TITLE], [*HEADERS, "备注", "联系人", "集中加工区（个）"], *[[*r, None, "张三", None] for r in STATIONS]]
    report = ok(db, "a.xlsx", xlsx(rows), dry_run=True)
    assert [f.line() for f in report.warnings] == [
        "a.xlsx › Sheet1!F2（备注）：“备注”列未导入：序号、备注等说明列",
        "a.xlsx › Sheet1!G2（联系人）：“联系人”列未导入：不是本表的字段",
        "a.xlsx › Sheet1!H2（集中加工区（个））：“集中加工区（个）”列未导入：该列没有数据",
    ]
