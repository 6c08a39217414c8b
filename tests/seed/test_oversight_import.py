"""主体责任 and 抽检 through the importer (issue 20), and 执法 problems without a visit in 问题: the templates filled in,
the bureau's own sheets, export → re-import as a no-op, a 不合格 batch's one problem (closed by a later 完成日期, gone
when the batch passes, back on undo), refusals naming the cell with nothing written."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlmodel import Session, select

from db import models as m
from db.changes import undo_batch
from db.engine import dispose_engines, get_engine
from seed.export import export_bytes, export_frame
from seed.importer import import_files
from seed.importer.kinds import KINDS
from seed.templates import FIRST_ROW, HEADER_ROW, template_bytes
from tests import dbs
from tests.seed.fixtures import counts, snapshot, with_stations, xlsx

D = dt.date
TODAY = D(2022, 10, 31)
CODE = "91370181MA3C000001"


def sheet(kind: str, rows: list[dict[str, object]], title: str = "2022年") -> bytes:
    labels = [c.label for c in KINDS[kind].columns]
    return xlsx([[title + kind], labels, *[[r.get(label) for label in labels] for r in rows]], title=kind)


def _base(url: str) -> None:
    """Stations, three businesses, a cadre and one visit at 某某食品有限公司."""
    dbs.build_schema(url)
    engine = with_stations(get_engine(url))
    files = [
        ("主体.xlsx", sheet("包保主体", [
            {"统一社会信用代码": CODE, "主体名称": "某某食品有限公司", "业态": "生产", "包保分级": "B", "风险等级": "C",
             "监管所": "明水所"},
            {"许可证编号": "JY13701810000001", "主体名称": "某某饭店", "业态": "餐饮", "包保分级": "C", "风险等级": "B",
             "监管所": "双山所"},
            {"主体名称": "张记小吃", "业态": "小餐饮", "包保分级": "D", "风险等级": "A", "监管所": "刁镇所"}], "")),
        ("干部.xlsx", sheet("包保干部", [{"干部编号": "GB0001", "姓名": "张某", "层级": "镇(街道)级",
                                         "单位": "明水街道办事处"}], "")),
        ("督导.xlsx", sheet("督导记录", [{"记录编号": "DD2022000001", "督导日期": D(2022, 10, 15), "干部编号": "GB0001",
                                         "主体编码": CODE, "督导方式": "现场"}], "")),
    ]
    report = import_files(files, engine=engine, today=TODAY)
    assert report.exit_code == 0, [f.line() for f in report.findings]


@pytest.fixture
def db(tmp_path, tmp_path_factory):
    yield get_engine(dbs.copy_of("oversight", _base, tmp_path_factory, tmp_path, "oversight.db"))
    dispose_engines()


def ok(engine, *files, **kw):
    report = import_files(list(files), engine=engine, today=TODAY, **kw)
    assert report.exit_code == 0, [f.line() for f in report.findings]
    return report


def refused(engine, name, data) -> list[str]:
    before = snapshot(engine)
    report = import_files([(name, data)], engine=engine, today=TODAY)
    assert report.exit_code == 1 and not report.committed
    assert snapshot(engine) == before
    return [f.line() for f in report.errors]


def filled(kind: str, engine, rows: list[dict[str, object]]) -> bytes:
    with Session(engine) as s:
        wb = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, session=s, year=2022)))
    ws = wb.worksheets[0]
    col = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    for i, cells in enumerate(rows):
        for label, value in cells.items():
            ws.cell(FIRST_ROW + i, col[label]).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return dict(s.exec(select(m.Business.name, m.Business.id)).all())


def duties(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.Business.name, m.BusinessDuty).join(m.BusinessDuty)).all()
    return {name: (d.director_name, d.director_trained, d.director_assessed, d.officer_name, d.officer_trained,
                   d.officer_assessed) for name, d in rows}


def checks(engine) -> list[tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.Business.name, m.DutyCheck).join(m.DutyCheck)).all()
    return sorted(((name, c.year, c.month, c.daily, c.weekly, c.monthly, c.source, c.visit_id is not None)
                   for name, c in rows), key=lambda r: (r[1], r[2], r[0]))


def problems(engine) -> list[m.Problem]:
    with Session(engine) as s:
        return list(s.exec(select(m.Problem).order_by(m.Problem.id)).all())


# --- 主体责任 --------------------------------------------------------------------------------------

DUTY_ROWS = [
    {"主体名称": "某某食品有限公司", "统一社会信用代码": CODE, "食品安全总监": "王某", "总监是否培训": "是", "总监是否考核": "是",
     "食品安全员": "李某、赵某", "安全员是否培训": "是", "安全员是否考核": "否", "月份": "2022年10月", "日管控": "是",
     "周排查": "是", "月调度": "否", "记录来源": "包保督导", "督导记录编号": "DD2022000001"},
    {"主体名称": "某某饭店", "监管所": "双山所", "食品安全员": "孙某", "月份": "2022-09", "日管控": "否"},
    {"主体名称": "张记小吃", "监管所": "刁镇所", "食品安全总监": "周某", "总监是否培训": "否"},
]


def test_duty_template_fills_in_and_blank_staff_cells_keep_what_is_stored(db):
    report = ok(db, ("主体责任.xlsx", filled("主体责任", db, DUTY_ROWS)))
    assert report.files[0].kinds == ["主体责任"] and counts(report) == (3, 0, 0)
    assert duties(db) == {"某某食品有限公司": ("王某", True, True, "李某、赵某", True, False),
                          "某某饭店": (None, None, None, "孙某", None, None),
                          "张记小吃": ("周某", False, None, None, None, None)}
    assert checks(db) == [("某某饭店", 2022, 9, False, None, None, "企业自查", False),
                          ("某某食品有限公司", 2022, 10, True, True, False, "包保督导", True)]
    with Session(db) as s:  # lineage: the batch, sheet and row of every row written
        duty = s.exec(select(m.BusinessDuty).where(m.BusinessDuty.officer_name == "孙某")).one()
        check = s.exec(select(m.DutyCheck).where(m.DutyCheck.month == 9)).one()
    assert (duty.batch_id, duty.src_row, check.batch_id, check.src_row) == (report.files[0].batch_id, 4,
                                                                           report.files[0].batch_id, 4)
    assert counts(ok(db, ("主体责任.xlsx", filled("主体责任", db, DUTY_ROWS)))) == (0, 0, 3)
    again = [DUTY_ROWS[0], {**DUTY_ROWS[1], "食品安全员": None, "安全员是否培训": "是"}, DUTY_ROWS[2]]
    assert counts(ok(db, ("主体责任.xlsx", filled("主体责任", db, again)))) == (0, 1, 2)
    assert duties(db)["某某饭店"] == (None, None, None, "孙某", True, None)


def test_the_bureaus_duty_sheet_with_a_title_group_headers_and_ticks(db):
    rows = [["章丘区2022年10月企业主体责任落实情况统计表"],
            ["序号", "企业名称", "所属监管所", "食品安全总监", None, None, "食品安全员", None, None, "日管控周排查月调度", None,
             None, "月份"],
            [None, None, None, "姓名", "是否经过培训", "考核情况", "姓名", "是否经过培训", "考核情况", "日管控记录", "周排查记录",
             "月调度记录", None],
            [1, "某某食品有限公司", "明水", "王某", "√", "√", "李某", "√", "×", "√", "√", "×", "10月"],
            [2, "某某饭店", "双山所", None, None, None, "孙某", "是", "是", "×", None, None, "10月"]]
    merges = ["A1:M1", "D2:F2", "G2:I2", "J2:L2", "A2:A3", "B2:B3", "C2:C3", "M2:M3"]
    report = ok(db, ("主体责任落实情况.xlsx", xlsx(rows, merges=merges, title="10月")))
    assert report.files[0].kinds == ["主体责任"] and counts(report) == (2, 0, 0)
    assert duties(db) == {"某某食品有限公司": ("王某", True, True, "李某", True, False),
                          "某某饭店": (None, None, None, "孙某", True, True)}
    assert checks(db) == [("某某食品有限公司", 2022, 10, True, True, False, "企业自查", False),
                          ("某某饭店", 2022, 10, False, None, None, "企业自查", False)]


def test_duty_refusals_name_the_cell(db):
    rows = [{"主体名称": "不存在的公司", "监管所": "明水所", "食品安全员": "某某"},
            {"主体名称": "某某饭店", "统一社会信用代码": "JY0000", "食品安全员": "某某"},
            {"主体名称": "张记小吃", "月份": "2022年11月", "日管控": "是"},
            {"主体名称": "张记小吃", "周排查": "否"}]
    assert refused(db, "主体责任.xlsx", sheet("主体责任", rows)) == [
        "主体责任.xlsx › 主体责任!A3（主体名称）：包保主体台账中没有该主体，请先导入包保主体表（原值：不存在的公司）",
        "主体责任.xlsx › 主体责任!B4（统一社会信用代码）：包保主体台账中没有该主体，请先导入包保主体表（原值：JY0000）",
        "主体责任.xlsx › 主体责任!J5（月份）：月份2022年11月晚于本月（2022年10月）（原值：2022年11月）",
        "主体责任.xlsx › 主体责任!L6（周排查）：填写了日管控、周排查、月调度或督导记录，需同时填写月份"]


# --- 抽检 ---------------------------------------------------------------------------------------

FAILED = {"抽样单编号": "DBJ22370181000001", "抽样日期": D(2022, 5, 10), "监管所": "明水所", "被抽样单位": "某某食品有限公司",
          "统一社会信用代码": CODE, "食品大类": "粮食加工品", "样品名称": "小麦粉", "任务类别": "监督抽检", "检验结论": "不合格",
          "报告日期": D(2022, 5, 25), "不合格项目": "脱氧雪腐镰刀菌烯醇", "核查处置期限": D(2022, 6, 24), "处置结果": "责令整改"}
PASSED = {"抽样日期": D(2022, 6, 1), "监管所": "双山所", "被抽样单位": "某某饭店", "食品大类": "餐饮食品", "样品名称": "馒头",
          "检验结论": "合格"}
UNMATCHED = {"抽样单编号": "DBJ22370181000003", "抽样日期": D(2022, 6, 2), "监管所": "刁镇所", "被抽样单位": "刁镇某超市",
             "食品大类": "饮料", "样品名称": "矿泉水", "任务类别": "你点我检"}
DISPOSAL = ("不合格项目", "核查处置期限", "核查处置完成日期", "处置结果")


def samples(engine) -> list[tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.Sample).order_by(m.Sample.sample_date)).all()
    return [(r.key, r.business_name, r.business_id, r.kind, r.result, r.report_date, r.failed_item) for r in rows]


def test_sample_template_a_failed_batch_makes_one_problem(db):
    report = ok(db, ("抽检.xlsx", filled("抽检", db, [FAILED, PASSED, UNMATCHED])))
    assert report.files[0].kinds == ["抽检"] and counts(report) == (3, 0, 0)
    assert [(f.cell, f.message) for f in report.warnings] == [
        ("D5", "包保主体台账中没有该单位，按写法保存、不关联主体（共1行）")]
    biz = ids(db)
    assert samples(db) == [
        ("DBJ22370181000001", "某某食品有限公司", biz["某某食品有限公司"], "监督抽检", "不合格", D(2022, 5, 25), "脱氧雪腐镰刀菌烯醇"),
        ("2022-06-01|某某饭店|馒头", "某某饭店", biz["某某饭店"], "监督抽检", "合格", None, None),
        ("DBJ22370181000003", "刁镇某超市", None, "你点我检", "检验中", None, None)]
    [p] = problems(db)
    with Session(db) as s:
        sample_id = s.exec(select(m.Sample.id).where(m.Sample.result == "不合格")).one()
    assert (p.source, p.sample_id, p.visit_id, p.business_id, p.found_date, p.deadline, p.closed_date, p.status,
            p.outcome, p.description, p.seq, p.src_row) == (
        "抽检", sample_id, None, biz["某某食品有限公司"], D(2022, 5, 25), D(2022, 6, 24), None, "待整改", "责令整改",
        "抽检不合格：小麦粉（脱氧雪腐镰刀菌烯醇）", 1, 3)


def test_a_later_date_done_closes_the_problem_a_pass_removes_it_and_undo_restores(db):
    first = ok(db, ("抽检.xlsx", sheet("抽检", [FAILED, PASSED])))
    done = ok(db, ("抽检.xlsx", sheet("抽检", [{**FAILED, "核查处置完成日期": D(2022, 6, 10)}, PASSED])))
    assert counts(done) == (0, 1, 1)
    [p] = problems(db)
    assert (p.status, p.closed_date, p.src_row, p.batch_id) == ("已整改", D(2022, 6, 10), 3, done.files[0].batch_id)
    passed = ok(db, ("抽检.xlsx", sheet("抽检", [{**{k: v for k, v in FAILED.items() if k not in DISPOSAL},
                                                   "检验结论": "合格"}, PASSED])))
    assert counts(passed) == (0, 1, 1) and problems(db) == []
    for report, left in ((passed, [("已整改", D(2022, 6, 10))]), (done, [("待整改", None)]), (first, [])):
        with Session(db) as s:
            undo_batch(s, report.files[0].batch_id)
            s.commit()
        assert [(p.status, p.closed_date) for p in problems(db)] == left
    assert samples(db) == []


def test_the_bureaus_sample_list_with_its_own_words(db):
    rows = [["章丘区2022年食品安全监督抽检台账"],
            ["序号", "抽样单号", "抽检日期", "所属监管所", "被抽检单位", "社会信用代码", "食品类别", "食品名称", "抽检类型", "检验结果",
             "不合格项", "处置期限", "处置完成日期", "核查处置情况", "备注"],
            [1, "DBJ22370181000011", D(2022, 7, 1), "明水", "某某食品有限公司", CODE, "粮食加工品", "挂面", "监督", "不符合",
             "铅", D(2022, 8, 1), D(2022, 7, 20), "立案", None],
            [2, "DBJ22370181000012", D(2022, 7, 2), "双山所", "某某饭店", None, "餐饮食品", "油条", "专项", "合格", None, None,
             None, None, None]]
    report = ok(db, ("抽检台账.xlsx", xlsx(rows, merges=["A1:O1"])))
    assert report.files[0].kinds == ["抽检"] and counts(report) == (2, 0, 0)
    biz = ids(db)
    assert samples(db) == [
        ("DBJ22370181000011", "某某食品有限公司", biz["某某食品有限公司"], "监督抽检", "不合格", None, "铅"),
        ("DBJ22370181000012", "某某饭店", biz["某某饭店"], "专项抽检", "合格", None, None)]
    [p] = problems(db)
    assert (p.found_date, p.deadline, p.closed_date, p.status, p.outcome) == (
        D(2022, 7, 1), D(2022, 8, 1), D(2022, 7, 20), "已整改", "立案查处")


def test_sample_refusals_name_the_cell(db):
    rows = [{**FAILED, "不合格项目": None, "核查处置完成日期": D(2022, 5, 1)},
            {**FAILED, "抽样单编号": "DBJ2", "被抽样单位": "刁镇某超市", "统一社会信用代码": None, "监管所": "刁镇所"},
            {**PASSED, "报告日期": D(2022, 11, 5), "处置结果": "责令整改"}]
    assert refused(db, "抽检.xlsx", sheet("抽检", rows)) == [
        "抽检.xlsx › 抽检!J5（报告日期）：报告日期2022-11-05晚于今天（2022-10-31）（原值：2022-11-05）",
        "抽检.xlsx › 抽检!K3（不合格项目）：检验结论为不合格，需填写不合格项目",
        "抽检.xlsx › 抽检!M3（核查处置完成日期）：核查处置完成日期早于抽样日期（2022-05-10）（原值：2022-05-01）",
        "抽检.xlsx › 抽检!D4（被抽样单位）：不合格批次的被抽样单位须在包保主体台账中（核查处置问题需要关联主体），"
        "请填写统一社会信用代码或先导入包保主体表（原值：刁镇某超市）",
        "抽检.xlsx › 抽检!N5（处置结果）：检验结论为“合格”，不应填写处置结果（原值：责令整改）"]


# --- 问题 without a visit (执法) -------------------------------------------------------------------

ENFORCEMENT = {"序号": 1, "问题描述": "超范围经营", "整改期限": D(2022, 10, 30), "主体名称": "某某饭店", "监管所": "双山所",
               "发现日期": D(2022, 10, 8)}


def test_an_enforcement_problem_needs_no_visit(db):
    rows = [{"记录编号": "DD2022000001", "序号": 1, "问题描述": "进货查验记录不全"}, ENFORCEMENT]
    report = ok(db, ("问题.xlsx", sheet("问题", rows)))
    assert counts(report) == (2, 0, 0)
    visit_problem, enforced = problems(db)
    biz = ids(db)
    assert (visit_problem.source, visit_problem.business_id, visit_problem.found_date) == (
        "包保督导", biz["某某食品有限公司"], D(2022, 10, 15))
    assert (enforced.visit_id, enforced.business_id, enforced.found_date, enforced.source, enforced.status,
            enforced.deadline, enforced.src_row) == (None, biz["某某饭店"], D(2022, 10, 8), "执法", "待整改", D(2022, 10, 30), 4)
    # a 执法 list of the bureau's own: no 记录编号 column, a 问题来源 column says what it is
    own = [["2022年执法检查发现问题清单"], ["序号", "企业名称", "所属监管所", "检查日期", "存在问题", "整改时限", "问题来源"],
           [1, "张记小吃", "刁镇", D(2022, 9, 1), "未公示健康证", D(2022, 9, 15), "执法"]]
    report = ok(db, ("执法问题.xlsx", xlsx(own, merges=["A1:G1"])))
    assert report.files[0].kinds == ["问题"] and counts(report) == (1, 0, 0)
    bad = [{**ENFORCEMENT, "问题来源": "包保督导"}, {**ENFORCEMENT, "序号": 2, "发现日期": None}]
    assert refused(db, "问题.xlsx", sheet("问题", bad)) == [
        "问题.xlsx › 问题!G3（问题来源）：问题来源为包保督导的问题需填写记录编号（原值：包保督导）",
        "问题.xlsx › 问题!K4（发现日期）：没有记录编号的问题需填写发现日期"]


# --- export and back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_reimport_as_no_ops(db, fmt):
    ok(db, ("主体责任.xlsx", sheet("主体责任", DUTY_ROWS)), ("抽检.xlsx", sheet("抽检", [FAILED, PASSED, UNMATCHED])),
       ("问题.xlsx", sheet("问题", [{"记录编号": "DD2022000001", "序号": 1, "问题描述": "进货查验记录不全"}, ENFORCEMENT])))
    with Session(db) as s:
        frame = export_frame("问题", session=s)
    assert list(frame["问题来源"]) == ["包保督导", "执法"]  # the 抽检 problem travels with its batch
    for kind, n in (("主体责任", 3), ("抽检", 3), ("问题", 2)):
        with Session(db) as s:
            data = export_bytes(kind, session=s, fmt=fmt)
        report = ok(db, (f"{kind}（导出）.{fmt}", data))
        assert report.files[0].kinds == [kind] and counts(report) == (0, 0, n), kind
        assert not report.committed
