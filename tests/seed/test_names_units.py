"""Issue 18 items 3b, 4 and 5 (deadlines): names through the alias table, 工作要点 units and deadlines, cadres by
name — read back from the database, with the exact messages and dry-run hints."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlmodel import Session, select

from db import models as m
from seed import plans
from seed.importer import import_files
from seed.importer.names import core, district_prefixes
from tests.seed.fixtures import snapshot, xlsx


@pytest.fixture
def db(stations_engine):
    return stations_engine


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _run(engine, name: str, data: bytes, **kw):
    return import_files([(name, data)], engine=engine, year=2023, **kw)


# --- stations and townships ----------------------------------------------------------------------


def test_official_forms_reduce_to_the_station_stem():
    prefixes = district_prefixes(["章丘区"])
    assert prefixes == ("章丘区", "章丘")
    for name in ("章丘区市场监督管理局明水市场监管所", "章丘区明水市场监督管理所", "济南市章丘区市场监督管理局明水所",
                 "明水监管所", "明水", "明水街道办事处", "明水街道", "章丘区明水街道", "明水市场监管所"):
        assert core(name, prefixes) == "明水", name
    assert core("南开区明水所", district_prefixes(["南开区"])) == "明水"  # the district comes from the database


BIZ_HEADER = ["统一社会信用代码", "主体名称", "业态", "包保分级", "风险等级", "监管所", "所在镇街", "地址"]


def _businesses() -> list[list[object]]:
    return [["91370181MA3C000001", "甲食品有限公司", "生产", "B", "C", "章丘区市场监督管理局明水市场监管所", "明水街道办事处", "a"],
            ["91370181MA3C000002", "乙食品有限公司", "生产", "B", "C", "章丘区市场监督管理局明水市场监管所", "章丘区明水街道", "b"],
            ["91370181MA3C000003", "丙食品有限公司", "生产", "B", "C", "济南市章丘区市场监督管理局刁镇所", "刁镇街道", "c"],
            ["91370181MA3C000004", "丁食品有限公司", "生产", "B", "C", "明水所", "章丘区明水街道", "d"]]


def test_full_official_names_import_and_the_dry_run_shows_each_spelling_once(db):
    data = _csv(BIZ_HEADER, _businesses())
    dry = _run(db, "主体.csv", data, dry_run=True)
    assert dry.exit_code == 0, [f.line() for f in dry.errors]
    assert [f.line() for f in dry.warnings] == [
        "主体.csv › CSV!F2（监管所）：“章丘区市场监督管理局明水市场监管所”按“明水所”导入（共2行）",
        "主体.csv › CSV!G2（所在镇街）：“明水街道办事处”按“明水街道”导入（共1行）",
        "主体.csv › CSV!G3（所在镇街）：“章丘区明水街道”按“明水街道”导入（共2行）",
        "主体.csv › CSV!F4（监管所）：“济南市章丘区市场监督管理局刁镇所”按“刁镇所”导入（共1行）",
    ]
    assert _run(db, "主体.csv", data).committed
    with Session(db) as s:
        got = s.exec(select(m.Business.code, m.Station.name, m.Township.name)
                     .join(m.Station, m.Station.id == m.Business.station_id)
                     .join(m.Township, m.Township.id == m.Business.township_id).order_by(m.Business.code)).all()
    assert [tuple(r) for r in got] == [("91370181MA3C000001", "明水所", "明水街道"),
                                       ("91370181MA3C000002", "明水所", "明水街道"),
                                       ("91370181MA3C000003", "刁镇所", "刁镇街道"),
                                       ("91370181MA3C000004", "明水所", "明水街道")]


def test_unknown_township_is_an_error_with_the_closest_names(db):
    rows = _businesses()[:1]
    rows[0][6] = "明水新区街道"
    before = snapshot(db)
    report = _run(db, "主体.csv", _csv(BIZ_HEADER, rows))
    assert [f.line() for f in report.errors] == [
        "主体.csv › CSV!G2（所在镇街）：未知的镇街，最接近的有：明水街道（原值：明水新区街道）"]
    assert snapshot(db) == before


def test_an_unknown_full_name_still_names_the_closest_station(db):
    rows = _businesses()[:1]
    rows[0][5] = "章丘区市场监督管理局明水新区市场监管所"
    report = _run(db, "主体.csv", _csv(BIZ_HEADER, rows))
    assert [f.line() for f in report.errors] == [
        "主体.csv › CSV!F2（监管所）：未知的监管所，最接近的有：明水所"
        "（原值：章丘区市场监督管理局明水新区市场监管所）"]


# --- 工作要点: units and deadlines -----------------------------------------------------------------

TITLE = [["2023年食品安全工作要点"], ["发文单位：区食安办；辖区：章丘区；年度：2023"]]


def _units(engine) -> list[tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.PlanTask.number, m.MemberUnit.name, m.TaskUnit.role, m.TaskUnit.clause_no,
                             m.TaskUnit.clause)
                      .join(m.TaskUnit, m.TaskUnit.task_id == m.PlanTask.id)
                      .join(m.MemberUnit, m.MemberUnit.id == m.TaskUnit.unit_id)
                      .order_by(m.PlanTask.number, m.TaskUnit.clause_no, m.TaskUnit.id)).all()
    return [tuple(r) for r in rows]


def _deadlines(engine) -> dict[int, tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.PlanTask.number, m.PlanTask.deadline, m.PlanTask.deadline_kind)).all()
    return {n: (d, k) for n, d, k in rows}


def test_lead_and_co_unit_columns_are_kept_with_their_roles(db):
    rows = [*TITLE, ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"],
            [1, "开展校园食品安全守护行动", "区教育局", "区卫健委、区市场监管局", "2023年6月底前"],
            [2, "推进餐饮质量安全提升（区商务局负责）", "区市场监管局", "", "长期坚持"],
            [3, "农村集体聚餐管理", "区农业农村局\n区民政局", "各镇街", "全年"]]
    report = _run(db, "要点.xlsx", xlsx(rows))
    assert report.committed, [f.line() for f in report.errors]
    c1 = "（区教育局牵头，区卫健委、区市场监管局配合）"
    assert _units(db) == [
        (1, "区教育局", "牵头", 1, c1), (1, "区卫健委", "配合", 1, c1), (1, "区市场监管局", "配合", 1, c1),
        (2, "区市场监管局", "牵头", 1, "（区市场监管局牵头）"), (2, "区商务局", "负责", 2, "（区商务局负责）"),
        (3, "区农业农村局", "牵头", 1, "（区农业农村局、区民政局牵头，各镇街配合）"),
        (3, "区民政局", "牵头", 1, "（区农业农村局、区民政局牵头，各镇街配合）"),
        (3, "各镇街", "配合", 1, "（区农业农村局、区民政局牵头，各镇街配合）"),
    ]
    assert _deadlines(db) == {1: (dt.date(2023, 6, 30), "日期"), 2: (None, "长期"), 3: (dt.date(2023, 12, 31), "全年")}
    with Session(db) as s:
        task = s.exec(select(m.PlanTask).where(m.PlanTask.number == 1)).one()
    assert (task.title, task.text) == ("开展校园食品安全守护行动", "开展校园食品安全守护行动")


def test_two_files_giving_one_task_other_units_are_a_conflict_naming_both(db):
    header = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
    a = xlsx([*TITLE, header, [1, "开展校园食品安全守护行动", "区教育局", "区卫健委", "2023年6月底前"]])
    b = xlsx([*TITLE, header, [1, "开展校园食品安全守护行动", "区教育局", "区市场监管局", "2023年6月底前"]])
    before = snapshot(db)
    report = import_files([("A.xlsx", a), ("B.xlsx", b)], engine=db, today=dt.date(2023, 12, 31))
    assert report.exit_code == 1 and not report.committed
    assert [f.message for f in report.errors] == [
        "A.xlsx（Sheet1 第4行） 与 B.xlsx（Sheet1 第4行） 对同一条“工作要点”记录（2023年食品安全工作要点·1）"
        "填写了不同的值：牵头：区教育局；配合：区卫健委 / 牵头：区教育局；配合：区市场监管局"]
    assert snapshot(db) == before
    # The same units in both files: no conflict.
    assert import_files([("A.xlsx", a), ("C.xlsx", a + b"")], engine=db, dry_run=True).exit_code == 0


def test_a_responsible_unit_column(db):
    rows = [*TITLE, ["序号", "任务", "内容", "负责单位", "完成时限"],
            [1, "抽检", "完成监督抽检", "区市场监管局、区农业农村局", "2023.6.30"]]
    assert _run(db, "要点.xlsx", xlsx(rows)).committed
    clause = "（区市场监管局、区农业农村局负责）"
    assert _units(db) == [(1, "区市场监管局", "负责", 1, clause), (1, "区农业农村局", "负责", 1, clause)]
    assert _deadlines(db) == {1: (dt.date(2023, 6, 30), "日期")}


@pytest.mark.parametrize("header", ["完成时限", "完成时间", "截止时间", "时间要求", "截止日期", "完成期限"])
def test_deadline_words_are_stored_under_every_deadline_header(db, header):
    rows = [*TITLE, ["序号", "主要任务", "责任单位", header],
            [1, "校园", "区教育局牵头", "长期坚持"], [2, "餐饮", "区商务局负责", "全年"],
            [3, "农村", "区农业农村局负责", "持续推进"], [4, "冷链", "区商务局负责", "常态化"],
            [5, "抽检", "区市场监管局负责", "6月底"], [6, "报告", "区食安办负责", "每季度末"],
            [7, "整治", "区市场监管局负责", "2023-06-30"], [8, "培训", "区市场监管局负责", dt.datetime(2023, 9, 30)]]
    report = _run(db, "要点.xlsx", xlsx(rows))
    assert report.committed and report.files[0].kinds == ["工作要点"], [f.line() for f in report.errors]
    assert _deadlines(db) == {1: (None, "长期"), 2: (dt.date(2023, 12, 31), "全年"), 3: (None, "长期"),
                              4: (None, "长期"), 5: (dt.date(2023, 6, 30), "日期"), 6: (None, "长期"),
                              7: (dt.date(2023, 6, 30), "日期"), 8: (dt.date(2023, 9, 30), "日期")}


def test_an_unreadable_deadline_is_still_an_error_at_its_cell(db):
    rows = [*TITLE, ["序号", "工作任务", "牵头单位", "完成时限"], [1, "校园", "区教育局", "尽快"]]
    before = snapshot(db)
    report = _run(db, "要点.xlsx", xlsx(rows))
    assert [f.line() for f in report.errors] == [
        "要点.xlsx › Sheet1!D4（完成时限）：无法识别的完成时限（可写日期、“2022年12月底前”、“全年”或“长期坚持”）（原值：尽快）"]
    assert snapshot(db) == before


def test_deadline_forms_offices_write():
    y = 2023
    assert plans.deadline_cell("2023年6月底前", y) == plans.Deadline(dt.date(2023, 6, 30), plans.DATE)
    assert plans.deadline_cell("6月30日前", y) == plans.Deadline(dt.date(2023, 6, 30), plans.DATE)
    assert plans.deadline_cell("2023.6", y) == plans.Deadline(dt.date(2023, 6, 30), plans.DATE)
    assert plans.deadline_cell("上半年", y) == plans.Deadline(dt.date(2023, 6, 30), plans.DATE)
    assert plans.deadline_cell("2023年第三季度", y) == plans.Deadline(dt.date(2023, 9, 30), plans.DATE)
    assert plans.deadline_cell("年底前", y) == plans.Deadline(dt.date(2023, 12, 31), plans.DATE)
    assert plans.deadline_cell("每月5日前", y) == plans.Deadline(None, plans.OPEN_ENDED)
    assert plans.deadline_cell("3月至11月底", y) == plans.Deadline(dt.date(2023, 11, 30), plans.DATE)
    assert plans.deadline_cell("长期", y) == plans.Deadline(None, plans.OPEN_ENDED)


# --- cadres ---------------------------------------------------------------------------------------

CADRE_HEADER = ["干部编号", "姓名", "层级", "单位", "职务", "监管所"]
VISIT_HEADER = ["记录编号", "督导日期", "干部编号", "干部姓名", "干部单位", "主体编码", "主体名称", "监管所", "督导方式"]


def _register(engine) -> None:
    assert _run(engine, "主体.csv", _csv(BIZ_HEADER, _businesses())).committed
    cadres = [["GB0001", "张伟", "区", "区市场监管局", "科长", ""], ["", "张伟", "乡", "明水街道", "", "明水所"],
              ["", "李娜", "乡", "刁镇街道办事处", "", "刁镇所"]]
    report = _run(engine, "干部.csv", _csv(CADRE_HEADER, cadres))
    assert report.committed, [f.line() for f in report.errors]


def _cadre_of_visits(engine) -> dict[str, tuple[str, str]]:
    with Session(engine) as s:
        rows = s.exec(select(m.Visit.record_no, m.Cadre.name, m.Cadre.unit)
                      .join(m.Cadre, m.Cadre.id == m.Visit.cadre_id)).all()
    return {no: (name, unit) for no, name, unit in rows}


def test_visits_find_their_cadre_by_code_name_and_unit_or_a_unique_name(db):
    _register(db)
    visits = [["DD1", "2023-03-01", "GB0001", "", "", "91370181MA3C000001", "", "", "现场"],
              ["DD2", "2023-03-02", "", "张伟", "明水街道", "91370181MA3C000001", "", "", "现场"],
              ["DD3", "2023-03-03", "", "李娜", "", "91370181MA3C000003", "", "", "电话"],
              ["DD4", "2023-03-04", "", "李娜", "", "91370181MA3C000003", "", "", "现场"],
              ["DD5", "2023-03-05", "", "张伟", "明水街道办事处", "91370181MA3C000002", "", "", "现场"]]
    report = _run(db, "督导.csv", _csv(VISIT_HEADER, visits))
    assert report.committed, [f.line() for f in report.errors]
    assert _cadre_of_visits(db) == {"DD1": ("张伟", "区市场监管局"), "DD2": ("张伟", "明水街道"),
                                    "DD3": ("李娜", "刁镇街道办事处"), "DD4": ("李娜", "刁镇街道办事处"),
                                    "DD5": ("张伟", "明水街道")}


def test_an_ambiguous_or_unknown_cadre_name_is_an_error_naming_the_candidates(db):
    _register(db)
    before = snapshot(db)
    visits = [["DD1", "2023-03-01", "", "张伟", "", "91370181MA3C000001", "", "", "现场"],
              ["DD2", "2023-03-02", "", "张伟", "", "91370181MA3C000001", "", "", "现场"],
              ["DD3", "2023-03-03", "", "李那", "", "91370181MA3C000003", "", "", "现场"],
              ["DD4", "2023-03-04", "", "张伟", "区教育局", "91370181MA3C000003", "", "", "现场"]]
    report = _run(db, "督导.csv", _csv(VISIT_HEADER, visits))
    assert [f.line() for f in report.errors] == [
        "督导.csv › CSV!D2（干部姓名）：姓名“张伟”对应2名包保干部：张伟（区市场监管局）、张伟（明水街道），"
        "请填写干部编号或单位（原值：张伟）",
        "督导.csv › CSV!D3（干部姓名）：姓名“张伟”对应2名包保干部：张伟（区市场监管局）、张伟（明水街道），"
        "请填写干部编号或单位（原值：张伟）",
        "督导.csv › CSV!D4（干部姓名）：未找到该包保干部，请先导入包保干部表；最接近的有：李娜（原值：李那）",
        "督导.csv › CSV!D5（干部姓名）：未找到单位为“区教育局”的包保干部“张伟”，该姓名的干部在：区市场监管局、明水街道"
        "（原值：张伟）",
    ]
    assert snapshot(db) == before


def test_an_assignment_names_its_cadre_by_name_alone(db):
    _register(db)
    header = ["干部编号", "干部姓名", "干部单位", "主体编码", "主体名称", "监管所", "开始日期"]
    report = _run(db, "关系.csv", _csv(header, [["", "李娜", "", "91370181MA3C000003", "", "", "2023-01-01"]]))
    assert report.committed, [f.line() for f in report.errors]
    with Session(db) as s:
        got = s.exec(select(m.Cadre.name, m.Business.code).join(m.Assignment, m.Assignment.cadre_id == m.Cadre.id)
                     .join(m.Business, m.Business.id == m.Assignment.business_id)).all()
    assert [tuple(r) for r in got] == [("李娜", "91370181MA3C000003")]
