"""The 食品小作坊 kinds through the importer (seeds/004 二(二)–(六)): the 小作坊 名录 writes a 包保主体 and its workshop
detail (never a second copy of the business), 摸排 and 评选, as the templates and as a bureau writes them; bad cells
named and nothing written; exports re-import as no-ops; 任务明细 links its items to the workshops."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from db import models as m
from seed.export import export_bytes
from seed.importer import import_files
from seed.importer.handlers.workshops import MSG_NEW_NEEDS_GRADES
from seed.importer.kinds import KINDS
from seed.templates import FIRST_ROW, HEADER_ROW, template_bytes
from tests.seed.fixtures import counts, snapshot, xlsx

D = dt.date
TODAY = D(2022, 10, 31)
NORM_LABELS = [label for _f, label in m.NORMS]


@pytest.fixture
def db(stations_engine):
    return stations_engine


def run(engine, *files, **kw):
    kw.setdefault("today", TODAY)
    return import_files(list(files), engine=engine, **kw)


def ok(engine, *files, **kw):
    report = run(engine, *files, **kw)
    assert report.exit_code == 0, [f.line() for f in report.findings]
    return report


def refused(engine, name, data) -> list[str]:
    before = snapshot(engine)
    report = run(engine, (name, data))
    assert report.exit_code == 1 and not report.committed
    assert snapshot(engine) == before
    return [f.line() for f in report.errors]


_TEMPLATES: dict[tuple[str, int | None], bytes] = {}


def _template(kind: str, engine, year: int | None) -> bytes:
    """A template per kind and year, made once (every copy of the test database lists the same stations)."""
    if (kind, year) not in _TEMPLATES:
        with Session(engine) as s:
            _TEMPLATES[(kind, year)] = template_bytes(kind, session=s, year=year)
    return _TEMPLATES[(kind, year)]


def filled(kind: str, engine, rows: list[dict[str, object]], **period) -> bytes:
    """The fill-in template with cells written as a person would: header → value per input row."""
    wb = openpyxl.load_workbook(io.BytesIO(_template(kind, engine, period.get("year"))))
    ws = wb.worksheets[0]
    col = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    for i, cells in enumerate(rows):
        for label, value in cells.items():
            ws.cell(FIRST_ROW + i, col[label]).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet(kind: str, rows: list[dict[str, object]], title: str = "2022年") -> bytes:
    """A small workbook as the template lays it out (title, header, rows from row 3), without its 500 input rows."""
    labels = [c.label for c in KINDS[kind].columns]
    return xlsx([[title + kind], labels, *[[r.get(label) for label in labels] for r in rows]], title=kind)


def workshops(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.exec(select(m.Business, m.Workshop).join(m.Workshop, m.Workshop.business_id == m.Business.id)).all()
    return {b.name: (b.code, b.sector, b.tier, b.risk_level, w) for b, w in rows}


def n_businesses(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(m.Business)).one()


FULL = {"小作坊名称": "明水老王熏肉作坊", "登记证号": "XZF3701810001", "监管所": "明水所", "镇街": "明水街道",
        "地址": "明水街道东村1号", "包保分级": "C", "风险等级": "B", "品类": "熟肉制品", "是否在产": "是", "是否冷链": "是",
        "冷库数量": 2, "是否高风险": "是", "是否远程视频监管": "是", "视频是否在线": "否", "是否示范": "是",
        "监管档案": "已建", "监管档案建档日期": D(2022, 3, 20), "风险防控档案": "未建",
        **dict.fromkeys(NORM_LABELS, "达标"), "包装标示规范": "不达标", "第三方评价日期": D(2022, 9, 15),
        "第三方评价结果": "基本合格", "评价发现问题数": 1}
PLAIN = {"小作坊名称": "双山张记煎饼坊", "监管所": "双山", "地址": "双山街道西路5号", "包保分级": "D", "风险等级": "A",
         "升级日期": D(2022, 6, 1), "新许可证号": "SC10737018100099"}


def test_templates_fill_in_and_import(db):
    report = ok(db, ("小作坊.xlsx", filled("小作坊", db, [FULL, PLAIN])))
    assert report.files[0].kinds == ["小作坊"] and counts(report) == (2, 0, 0)
    got = workshops(db)
    code, sector, tier, risk, w = got["明水老王熏肉作坊"]
    assert (code, sector, tier, risk) == ("XZF3701810001", "小作坊", "C", "B")
    assert (w.category, w.producing, w.cold_chain, w.cold_rooms, w.high_risk, w.video, w.video_online,
            w.demo_site) == ("熟肉制品", True, True, 2, True, True, False, True)
    assert (w.archive_supervision, w.archive_supervision_date, w.archive_risk, w.archive_risk_date) == (
        True, D(2022, 3, 20), False, None)
    assert [getattr(w, f) for f, _l in m.NORMS] == [True] * 9 + [False]
    assert (w.review_date, w.review_result, w.review_problems) == (D(2022, 9, 15), "基本合格", 1)
    code, _s, tier, risk, w = got["双山张记煎饼坊"]
    assert (code, tier, risk, w.producing, w.cold_chain, w.upgraded_date, w.new_licence, w.norm_license) == (
        None, "D", "A", True, False, D(2022, 6, 1), "SC10737018100099", None)
    with Session(db) as s:
        b = s.exec(select(m.Business).where(m.Business.name == "双山张记煎饼坊")).one()
        assert b.key == "双山张记煎饼坊|双山所|双山街道西路5号" and b.status == "在营"
    # the same file again changes nothing; a changed cell updates the row, never a second business
    assert counts(ok(db, ("小作坊.xlsx", filled("小作坊", db, [FULL, PLAIN])))) == (0, 0, 2)
    again = ok(db, ("小作坊.xlsx", filled("小作坊", db, [{**FULL, "冷库数量": 3}, PLAIN])))
    assert counts(again) == (0, 1, 1) and n_businesses(db) == 2
    assert workshops(db)["明水老王熏肉作坊"][4].cold_rooms == 3

    sweep = filled("摸排", db, [{"摸排日期": D(2022, 5, 12), "监管所": "明水所", "镇街": "明水街道", "地点": "明水街道东村北200米",
                                 "类型": "黑作坊", "处理结果": "取缔"},
                                {"摸排日期": D(2022, 6, 3), "监管所": "刁镇所", "地点": "刁镇某村", "处理结果": "查处"}],
                   year=2022)
    report = ok(db, ("摸排.xlsx", sweep))
    assert report.files[0].kinds == ["摸排"] and counts(report) == (2, 0, 0)
    assert [f.message for f in report.warnings] == ["处理结果为查处，未填写案件编号"]
    with Session(db) as s:
        rows = s.exec(select(m.WorkshopSweep, m.Station.name).join(m.Station).order_by(m.WorkshopSweep.sweep_date)).all()
    assert [(r.sweep_date, st, r.place, r.kind, r.outcome, r.case_no, r.township_id is not None) for r, st in rows] == [
        (D(2022, 5, 12), "明水所", "明水街道东村北200米", "黑作坊", "取缔", None, True),
        (D(2022, 6, 3), "刁镇所", "刁镇某村", "黑作坊", "查处", None, False)]
    assert rows[0][0].key == "2022-05-12|明水所|明水街道东村北200米"

    award = filled("评选", db, [{"评选": "出彩小作坊", "小作坊名称": "明水老王熏肉作坊", "监管所": "明水所", "阶段": "获评"},
                                {"年度": 2022, "评选": "老字号", "小作坊名称": "双山张记煎饼坊", "监管所": "双山所"}],
                   year=2022)
    report = ok(db, ("评选.xlsx", award))
    assert report.files[0].kinds == ["评选"] and counts(report) == (2, 0, 0)
    with Session(db) as s:
        rows = s.exec(select(m.WorkshopAward, m.Business.name).join(m.Business).order_by(m.WorkshopAward.award)).all()
    assert [(a.year, a.award, name, a.stage) for a, name in rows] == [
        (2022, "出彩小作坊", "明水老王熏肉作坊", "获评"), (2022, "老字号", "双山张记煎饼坊", "推荐")]


def test_a_workshop_of_the_business_register_is_completed_not_copied(db):
    with Session(db) as s:
        sid = s.exec(select(m.Station.id).where(m.Station.name == "明水所")).one()
        s.add(m.Business(key="明水李家豆腐坊|明水所|明水街道南街8号", name="明水李家豆腐坊", sector="小作坊", tier="B",
                         risk_level="C", station_id=sid, address="明水街道南街8号"))
        s.commit()
    # blank grades keep the register's; a code the register lacks is filled in; no address: found by name
    report = ok(db, ("名录.xlsx", sheet("小作坊", [{"小作坊名称": "明水李家豆腐坊", "登记证号": "XZF3701810002",
                                                         "监管所": "明水", "品类": "豆制品"}])))
    assert counts(report) == (1, 0, 0) and n_businesses(db) == 1
    code, _s, tier, risk, w = workshops(db)["明水李家豆腐坊"]
    assert (code, tier, risk, w.category) == ("XZF3701810002", "B", "C", "豆制品")
    with Session(db) as s:
        assert s.exec(select(m.Business.address)).one() == "明水街道南街8号"


# --- as a bureau writes them ----------------------------------------------------------------------

BUREAU_TOP = ["序号", "小作坊名称", "小作坊登记证号", "所属监管所", "生产地址", "生产品类", "冷链", "冷库数",
              "两个档案", None, *["十个管理规范"] + [None] * 9, "法定代表人"]
BUREAU_SUB = [None] * 8 + ["监管档案", "风险防控档案", *NORM_LABELS, None]


def test_the_bureaus_register_with_a_title_group_headers_and_synonyms(db):
    rows = [["章丘区2022年食品小作坊名录"], BUREAU_TOP, BUREAU_SUB,
            [1, "明水老王熏肉作坊", "XZF3701810001", "明水", "明水街道东村1号", "熟肉制品", "是", 2, "已建立", "否",
             *["√"] * 9, "×", "王某"]]
    # the merges: title; 两个档案 and 十个管理规范 over their columns; the single columns down both header rows
    merges = ["A1:U1", "I2:J2", "K2:T2", *[f"{c}2:{c}3" for c in "ABCDEFGHU"]]
    with Session(db) as s:  # already in the 包保主体 register, by its code: its grades stand
        sid = s.exec(select(m.Station.id).where(m.Station.name == "明水所")).one()
        s.add(m.Business(key="XZF3701810001", code="XZF3701810001", name="明水老王熏肉作坊", sector="小作坊", tier="A",
                         risk_level="D", station_id=sid))
        s.commit()
    report = ok(db, ("章丘区2022年食品小作坊名录.xlsx", xlsx(rows, merges=merges, title="名录")))
    assert report.files[0].kinds == ["小作坊"] and counts(report) == (1, 0, 0)
    assert [f.line() for f in report.warnings] == [
        "章丘区2022年食品小作坊名录.xlsx › 名录!A2（序号）：“序号”列未导入：序号、备注等说明列",
        "章丘区2022年食品小作坊名录.xlsx › 名录!U2（法定代表人）：“法定代表人”列未导入：不是本表的字段",
        "章丘区2022年食品小作坊名录.xlsx › 名录!D4（所属监管所）：“明水”按“明水所”导入（共1行）"]
    code, _s, tier, risk, w = workshops(db)["明水老王熏肉作坊"]
    assert (code, tier, risk, n_businesses(db)) == ("XZF3701810001", "A", "D", 1)
    assert (w.category, w.cold_chain, w.cold_rooms, w.archive_supervision, w.archive_risk) == (
        "熟肉制品", True, 2, True, False)
    assert [getattr(w, f) for f, _l in m.NORMS] == [True] * 9 + [False]


def test_the_bureaus_sweep_list_with_its_own_words(db):
    rows = [["章丘区2022年无证黑窝点摸排台账"], ["序号", "排查日期", "所属监管所", "镇街", "窝点地址", "窝点类型", "处置结果", "立案编号", "备注"],
            [1, D(2022, 4, 8), "明水所", "明水街道", "明水街道某村西", "黑作坊", "立案查处", "章市监立〔2022〕12号", None],
            [2, D(2022, 4, 9), "双山所", None, "双山街道某院", "无证黑工厂", "移送", None, "移送公安"],
            [3, D(2022, 4, 9), "刁镇所", None, "刁镇某村", None, "未发现问题", None, None]]
    report = ok(db, ("摸排台账.xlsx", xlsx(rows, merges=["A1:I1"])))
    assert report.files[0].kinds == ["摸排"] and counts(report) == (3, 0, 0)
    with Session(db) as s:
        got = s.exec(select(m.WorkshopSweep.place, m.WorkshopSweep.kind, m.WorkshopSweep.outcome, m.WorkshopSweep.case_no)
                     .order_by(m.WorkshopSweep.id)).all()
    assert got == [("明水街道某村西", "黑作坊", "查处", "章市监立〔2022〕12号"), ("双山街道某院", "黑工厂", "移交", None),
                   ("刁镇某村", "黑作坊", "无问题", None)]
    # the title's year bounds the dates
    late = [rows[0], rows[1], [1, D(2021, 12, 30), "明水所", None, "某处", None, "无问题", None, None]]
    assert refused(db, "摸排台账.xlsx", xlsx(late)) == [
        "摸排台账.xlsx › Sheet1!B3（排查日期）：摸排日期2021-12-30不在本表年度（2022年）内（原值：2021-12-30）"]


def test_the_bureaus_award_list_with_a_title_and_its_own_words(db):
    ok(db, ("小作坊.xlsx", filled("小作坊", db, [FULL, PLAIN])))
    rows = [["章丘区2022年“出彩小作坊”“老字号”评选推荐汇总表"], ["序号", "评选类别", "小作坊名称", "所属监管所", "评选结果", "推荐理由"],
            [1, "出彩小作坊", "明水老王熏肉作坊", "明水", "已获评", "传统工艺"],
            [2, "老字号", "双山张记煎饼坊", "双山所", "入围", None]]
    report = ok(db, ("评选汇总.xlsx", xlsx(rows, merges=["A1:F1"])))
    assert report.files[0].kinds == ["评选"] and counts(report) == (2, 0, 0)
    assert any("“推荐理由”列未导入" in f.line() for f in report.warnings)
    with Session(db) as s:
        got = s.exec(select(m.WorkshopAward.year, m.WorkshopAward.award, m.Business.name, m.WorkshopAward.stage)
                     .join(m.Business, m.Business.id == m.WorkshopAward.business_id)
                     .order_by(m.WorkshopAward.id)).all()
    assert got == [(2022, "出彩小作坊", "明水老王熏肉作坊", "获评"), (2022, "老字号", "双山张记煎饼坊", "入围")]


# --- export and back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_reimport_as_no_ops(db, fmt):
    ok(db, ("小作坊.xlsx", sheet("小作坊", [FULL, PLAIN, {**PLAIN, "小作坊名称": "刁镇无址作坊", "监管所": "刁镇所",
                                                              "地址": None, "升级日期": None, "新许可证号": None}])))
    ok(db, ("摸排.xlsx", sheet("摸排", [{"摸排日期": D(2022, 5, 12), "监管所": "明水所", "地点": "东村北",
                                              "处理结果": "查处", "案件编号": "A-1"}])))
    ok(db, ("评选.xlsx", sheet("评选", [{"评选": "出彩小作坊", "小作坊名称": "明水老王熏肉作坊", "监管所": "明水所",
                                              "阶段": "入围"}])))
    for kind, n in (("小作坊", 3), ("摸排", 1), ("评选", 1)):
        with Session(db) as s:
            data = export_bytes(kind, session=s, fmt=fmt)
        report = ok(db, (f"{kind}（导出）.{fmt}", data))
        assert report.files[0].kinds == [kind] and counts(report) == (0, 0, n), kind
        assert not report.committed
    assert n_businesses(db) == 3


# --- bad input: the cell named, nothing written ---------------------------------------------------------


def test_bad_rows_are_named_and_nothing_is_written(db):
    bad = [{**FULL, "包保分级": None, "是否冷链": "否"},
           {**PLAIN, "是否远程视频监管": "否", "视频是否在线": "是", "升级日期": None, "退出日期": D(2022, 9, 1),
            "风险防控档案": "未建", "风险防控档案建档日期": D(2022, 3, 1)},
           {**PLAIN, "地址": "双山街道西路5号"}]
    assert refused(db, "小作坊.xlsx", sheet("小作坊", bad)) == [
        "小作坊.xlsx › 小作坊!K3（冷库数量）：填写了冷库数量，“是否冷链”应为“是”（原值：2）",
        "小作坊.xlsx › 小作坊!N4（视频是否在线）：填写了视频是否在线，“是否远程视频监管”应为“是”（原值：是）",
        "小作坊.xlsx › 小作坊!Q4（新许可证号）：填写了新许可证号，需同时填写升级日期（原值：SC10737018100099）",
        "小作坊.xlsx › 小作坊!U4（风险防控档案建档日期）：风险防控档案为“未建”，不应填写建档日期（原值：2022-03-01）",
        "小作坊.xlsx › 小作坊!AI4（退出日期）：填写了退出日期，需同时填写退出原因（原值：2022-09-01）",
        f"小作坊.xlsx › 小作坊!F3（包保分级）：{MSG_NEW_NEEDS_GRADES}",
        "小作坊.xlsx › 小作坊!A5（小作坊名称）：小作坊（登记证号或名称+监管所+地址）与第4行重复（原值：双山张记煎饼坊）",
    ]
    sweep = sheet("摸排", [{"摸排日期": D(2022, 5, 12), "监管所": "明水所", "地点": "东村", "处理结果": "罚款"}])
    assert refused(db, "摸排.xlsx", sweep) == [
        "摸排.xlsx › 摸排!F3（处理结果）：应为以下之一：查处、取缔、移交、无问题（原值：罚款）"]
    ok(db, ("小作坊.xlsx", sheet("小作坊", [FULL])))
    award = sheet("评选", [{"评选": "出彩小作坊", "小作坊名称": "老王熏肉作坊", "监管所": "明水所"},
                                {"评选": "老字号", "小作坊名称": "明水老王熏肉作坊", "监管所": "双山所"}])
    assert refused(db, "评选.xlsx", award) == [
        "评选.xlsx › 评选!C3（小作坊名称）：明水所没有该小作坊，请先导入小作坊名录；最接近的有：明水老王熏肉作坊（原值：老王熏肉作坊）",
        "评选.xlsx › 评选!C4（小作坊名称）：双山所没有该小作坊，请先导入小作坊名录（原值：明水老王熏肉作坊）"]


# --- 任务明细 names a workshop ----------------------------------------------------------------------------


def test_task_items_link_to_the_workshop_they_name(db):
    items = [["年度", "监管所", "指标", "名称", "主体名称"],
             [2022, "明水所", "示范创建", "明水老王熏肉作坊", None],
             [2022, "明水所", "视频监管试点", "老王作坊视频点", "明水老王熏肉作坊"],
             [2022, "双山所", "示范创建", "明水老王熏肉作坊", None],  # another station's: no link
             [2022, "明水所", "示范创建", "某未登记作坊", None]]
    with Session(db) as s:
        s.add_all([m.TaskIndicator(code=code, name=code, unit="家", sort_order=i)
                   for i, code in enumerate(("示范创建", "视频监管试点"), start=1)])
        s.commit()
    # an item imported before its workshop is linked when the 名录 comes
    ok(db, ("早.xlsx", xlsx([items[0], [2022, "双山所", "示范创建", "煎饼示范点", "双山张记煎饼坊"]], title="任务明细")))
    # one import with both files: the 名录 is applied first, whatever the files' order
    ok(db, ("明细.xlsx", xlsx(items, title="任务明细")), ("小作坊.xlsx", sheet("小作坊", [FULL, PLAIN])))
    with Session(db) as s:
        ids = dict(s.exec(select(m.Business.name, m.Business.id)).all())
        got = s.exec(select(m.TaskItem.name, m.Station.name, m.TaskItem.business_id).join(m.Station)
                     .order_by(m.TaskItem.id)).all()
    bid = ids["明水老王熏肉作坊"]
    assert got == [("煎饼示范点", "双山所", ids["双山张记煎饼坊"]), ("明水老王熏肉作坊", "明水所", bid),
                   ("老王作坊视频点", "明水所", bid), ("明水老王熏肉作坊", "双山所", None), ("某未登记作坊", "明水所", None)]


def test_an_item_naming_two_namesake_workshops_is_linked_to_neither_and_says_so(db):
    """Two 小作坊 of 明水所 bear one name (different addresses): an item naming it stays unlinked, as before, but the
    import says so at its cell, whichever of the two files comes first."""
    with Session(db) as s:
        s.add(m.TaskIndicator(code="示范创建", name="示范创建", unit="家", sort_order=1))
        s.commit()
    twin = {**PLAIN, "小作坊名称": "明水老王熏肉作坊", "监管所": "明水所", "地址": "明水街道西村9号", "升级日期": None,
            "新许可证号": None}
    items = [["年度", "监管所", "指标", "名称", "主体名称"],
             [2022, "明水所", "示范创建", "熏肉示范点", "明水老王熏肉作坊"],
             [2022, "明水所", "示范创建", "明水老王熏肉作坊", None]]
    note = ("该监管所有2个同名小作坊，此项未关联到其中任何一家，不计入小作坊页“名录中列明”的家数；"
            "请在小作坊名录中把名称区分开（如加注村名）后重新导入")
    # the items first: the 名录 that brings the namesakes names each item it could not link
    ok(db, ("明细.xlsx", xlsx(items, title="任务明细")))
    report = ok(db, ("小作坊.xlsx", sheet("小作坊", [FULL, twin])))
    assert [f.line() for f in report.warnings] == [
        f"小作坊.xlsx › 小作坊：已导入的2022年任务明细“熏肉示范点”（明水所）：{note}（原值：明水老王熏肉作坊）",
        f"小作坊.xlsx › 小作坊：已导入的2022年任务明细“明水老王熏肉作坊”（明水所）：{note}（原值：明水老王熏肉作坊）"]
    # the items again, after the 名录: each at its own cell (主体名称, else 名称)
    report = ok(db, ("明细.xlsx", xlsx(items, title="任务明细")))
    assert [f.line() for f in report.warnings] == [
        f"明细.xlsx › 任务明细!E2（主体名称）：{note}（原值：明水老王熏肉作坊）",
        f"明细.xlsx › 任务明细!D3（名称）：{note}（原值：明水老王熏肉作坊）"]
    with Session(db) as s:
        assert s.exec(select(m.TaskItem.business_id)).all() == [None, None]
