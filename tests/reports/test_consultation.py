"""季度风险会商 pack: the quarter's figures on a small hand-built database (2022 Q3, as of 2022-10-31, so the quarter
is read to 2022-09-30), the Word and Excel files, the command line, and the draft topics.

By hand, 2022 Q3 (7-1 … 9-30):
  抽检: 6 batches (7 recorded, one sampled in Q2), 3 不合格, 1 检验中 → 不合格率 3/5 = 60.0%.
    粮食加工品 3 batches 2 不合格 (66.7%), 肉制品 1/1 (100.0%), 餐饮食品 2 batches 0 不合格, 1 检验中 (0.0%).
    明水所 4 batches 3 不合格 (75.0%), 双山所 2 batches 0 不合格 1 检验中 (0.0%).
    不合格 list: 小麦粉 已处置 (closed 8-15), 挂面 逾期未处置 (due 9-10), 火腿肠 未登记核查处置.
  问题 found in Q3: 包保督导 2 (0 closed), 风险隐患 0, 执法 2 (1 closed), 抽检 2 (1 closed): 6 found, 4 open;
    by sector 生产 3 (1 closed), 销售 1, 餐饮 2 (1 closed).
  逾期 at 9-30: 明水所 2 problems (挂面's, who 张某 packaging; 孙某's visit problem), 双山所 2 problems (执法 days 61,
    风险隐患 found in Q2, days 92) + 2 hazards (one at 饭店乙 → 刘某, one at no known business → 双山所（无包保干部）).
  高风险 (C、D): 面粉厂 visited 现场 8-10; 超市甲 only by phone; 小作坊丙 on site in Q2 only → 2 unvisited (1 per station).
  主体责任 (生产/销售/餐饮 …: 面粉厂 A, 超市甲 B, 饭店乙 C): 面粉厂 no 总监; 饭店乙 no duty row → no 安全员 and no
    records; 超市甲's September 周排查 not kept → 1 without 总监, 1 without 安全员, 2 with records not all kept.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from docx import Document
from sqlmodel import Session

from cli import reports as reports_cli
from db.engine import dispose_engines, get_engine, set_setting
from db.migrate import upgrade
from reports import consultation as pack
from services import consultation
from services.rules import consultation as rules
from services.rules.viewer import SYSTEM, Viewer
from tests import dbs
from tests.db.factories import Factory

D = dt.date
TOPICS = [
    "粮食加工品不合格2批次，建议列为下季度重点抽检品类",
    "不合格食品2批次核查处置逾期或未登记，建议督促限期办结并上报处置结果",
    "逾期未整改问题隐患共6个（双山所4个、明水所2个），建议会商督办、明确整改时限",
    "本季度包保督导发现的问题尚有2个未整改，建议跟进督促销号",
    "2家高风险（C、D级）主体本季度未开展现场督导（明水所1家、双山所1家），建议下季度首月内完成现场督导",
    "1家A、B级企业未配备食品安全总监，1家企业未配备食品安全员，建议督促限期配齐",
    "2家企业本季度日管控、周排查、月调度记录不全，建议列为包保督导重点检查内容",
]


def build(url: str) -> None:
    upgrade(url)
    with Session(get_engine(url)) as s:
        f = Factory(s)
        ms, ss = f.station("明水所"), f.station("双山所")
        mill = f.business("面粉厂", ms, sector="生产", tier="A", risk_level="C")
        shop = f.business("超市甲", ms, sector="销售", tier="B", risk_level="D")
        diner = f.business("饭店乙", ss, sector="餐饮", tier="C", risk_level="B")
        works = f.business("小作坊丙", ss, sector="小作坊", tier="D", risk_level="C")
        zhang, liu, sun = f.cadre("张某", "乡", ms), f.cadre("刘某", "乡", ss), f.cadre("孙某", "县")
        for c, b in ((zhang, mill), (zhang, shop), (liu, diner), (liu, works)):
            f.assign(c, b)
        v1 = f.visit(sun, mill, D(2022, 8, 10), "现场")
        v2 = f.visit(zhang, shop, D(2022, 8, 12), "电话询问")
        f.visit(liu, works, D(2022, 6, 20), "现场")
        # 抽检
        s1 = f.sample(mill, D(2022, 7, 5), result="不合格", name="小麦粉", failed_item="脱氧雪腐镰刀菌烯醇",
                      report_date=D(2022, 7, 20))
        s2 = f.sample(mill, D(2022, 7, 6), result="不合格", name="挂面", failed_item="菌落总数",
                      report_date=D(2022, 7, 25))
        f.sample(shop, D(2022, 8, 1), name="大米")
        f.sample(shop, D(2022, 8, 2), result="不合格", category="肉制品", name="火腿肠", failed_item="亚硝酸盐",
                 report_date=D(2022, 8, 20))
        f.sample(diner, D(2022, 9, 1), category="餐饮食品", name="馒头")
        f.sample(diner, D(2022, 9, 25), result="检验中", category="餐饮食品", name="包子")
        f.sample(diner, D(2022, 6, 30), result="不合格", name="面条", failed_item="铅")  # Q2
        f.problem_at(mill, D(2022, 7, 20), source="抽检", sample=s1, deadline=D(2022, 8, 20), status="已整改",
                     closed=D(2022, 8, 15), outcome="下架召回", description="小麦粉不合格")
        f.problem_at(mill, D(2022, 7, 25), source="抽检", sample=s2, deadline=D(2022, 9, 10), description="挂面不合格")
        # problems of the other sources
        f.problem(v1, deadline=D(2022, 8, 31), description="进货查验记录不全")
        f.problem(v2, deadline=D(2022, 10, 15), description="索证索票不全")
        f.problem_at(diner, D(2022, 9, 5), deadline=D(2022, 9, 20), status="已整改", closed=D(2022, 9, 18))
        f.problem_at(diner, D(2022, 7, 10), deadline=D(2022, 7, 31), description="后厨卫生差")
        f.problem_at(works, D(2022, 6, 15), source="风险隐患", deadline=D(2022, 6, 30), description="无证生产")
        f.hazard(ss, D(2022, 8, 1), deadline=D(2022, 8, 31), business=diner, description="冷库温度超标")
        f.hazard(ms, D(2022, 8, 1), deadline=D(2022, 9, 15), status="已整改", rectified=D(2022, 9, 10))
        f.hazard(ss, D(2022, 9, 1), deadline=D(2022, 9, 20), description="流动摊贩聚集")
        # 主体责任
        f.duty(mill, director=None, officer="李四")
        f.duty(shop, director="王五", officer="赵六")
        for m in (7, 8, 9):
            f.duty_check(mill, m)
            f.duty_check(shop, m, weekly=m != 9)
        set_setting(s, "as_of", "2022-10-31")
        s.commit()
    dispose_engines()


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    return dbs.template_url("consultation", build, tmp_path_factory)


@pytest.fixture(scope="module")
def c(url):
    with Session(get_engine(url)) as s:
        return consultation.consultation(session=s, viewer=SYSTEM, year=2022, quarter=3)


def rows(df, *cols):
    return [tuple(r) for r in df[list(cols)].itertuples(index=False)]


def test_the_quarter_window_the_rules_and_who_may_read(url):
    w = rules.quarter_window(2022, 3, D(2022, 10, 31))
    assert (w.start, w.end, w.ref, w.months, w.label) == (D(2022, 7, 1), D(2022, 9, 30), D(2022, 9, 30), [7, 8, 9],
                                                         "2022年第3季度")
    q4 = rules.quarter_window(2022, 4, D(2022, 10, 31))
    assert (q4.ref, q4.months) == (D(2022, 10, 31), [10])
    assert rules.latest_quarter(D(2022, 10, 31)) == (2022, 4)
    with pytest.raises(ValueError, match="季度应为1–4，不是5"):
        rules.quarter_window(2022, 5, D(2022, 10, 31))
    with pytest.raises(ValueError, match="2023年第1季度尚未开始（数据截至2022年10月31日）"):
        rules.quarter_window(2023, 1, D(2022, 10, 31))
    assert rules.topics(rules.TopicFacts()) == ["本季度抽检、整改、督导和主体责任各项未见突出问题，建议按常规开展会商"]
    assert rules.who_acts(None, None, "明水所") == "明水所（无包保干部）"
    with Session(get_engine(url)) as s:
        for who in (Viewer(role="监管所", station_id=1), Viewer()):
            with pytest.raises(PermissionError, match="无权查看“会议材料”"):
                consultation.consultation(session=s, viewer=who, year=2022, quarter=3)
        assert consultation.consultation(session=s, viewer=Viewer(role="领导"), year=2022, quarter=3).topics == TOPICS
        with pytest.raises(ValueError, match="数据库中没有2021年"):
            consultation.consultation(session=s, viewer=SYSTEM, year=2021, quarter=2)


def test_samples_by_category_and_station_and_the_failed_list(c):
    assert rows(c.samples_by_category, "category", "n_batches", "n_failed", "n_pending") == [
        ("粮食加工品", 3, 2, 0), ("肉制品", 1, 1, 0), ("餐饮食品", 2, 0, 1)]
    assert [round(r, 3) for r in c.samples_by_category["failed_rate"]] == [0.667, 1.0, 0.0]
    assert rows(c.samples_by_station, "station", "n_batches", "n_failed", "n_pending", "failed_rate") == [
        ("明水所", 4, 3, 0, 0.75), ("双山所", 2, 0, 1, 0.0)]
    assert rows(c.failed, "sample_name", "failed_item", "disposal") == [
        ("小麦粉", "脱氧雪腐镰刀菌烯醇", "已处置"), ("挂面", "菌落总数", "逾期未处置"), ("火腿肠", "亚硝酸盐", "未登记核查处置")]


def test_problems_by_source_and_sector_and_what_is_overdue(c):
    assert rows(c.problems_by_source, "source", "n_found", "n_closed", "n_open") == [
        ("包保督导", 2, 0, 2), ("风险隐患", 0, 0, 0), ("执法", 2, 1, 1), ("抽检", 2, 1, 1)]
    assert rows(c.problems_by_sector, "sector", "n_found", "n_closed", "n_open") == [
        ("生产", 3, 1, 2), ("销售", 1, 0, 1), ("餐饮", 2, 1, 1)]
    assert rows(c.overdue_by_station, "station", "n_problems", "n_hazards", "n_total") == [
        ("明水所", 2, 0, 2), ("双山所", 2, 2, 4)]
    assert rows(c.overdue, "kind", "source", "station", "days_overdue", "who") == [
        ("问题", "包保督导", "明水所", 30, "孙某"), ("问题", "抽检", "明水所", 20, "张某"),
        ("问题", "风险隐患", "双山所", 92, "刘某"), ("问题", "执法", "双山所", 61, "刘某"),
        ("隐患", "隐患清单", "双山所", 30, "刘某"), ("隐患", "隐患清单", "双山所", 10, "双山所（无包保干部）")]


def test_high_risk_without_a_site_visit_and_duty_gaps(c):
    assert c.high_risk_label == "C、D级"
    assert rows(c.high_risk_by_station, "station", "n_high_risk", "n_unvisited") == [("明水所", 2, 1), ("双山所", 1, 1)]
    assert rows(c.unvisited, "station", "business", "cadres", "n_other_visits") == [
        ("明水所", "超市甲", "张某", 1), ("双山所", "小作坊丙", "刘某", 0)]
    assert rows(c.duty_by_station, "station", "n_enterprises", "n_director_required", "n_no_director", "n_no_officer",
                "n_records_gap") == [("明水所", 2, 2, 1, 0, 1), ("双山所", 1, 0, 0, 1, 1)]
    assert c.topics == TOPICS


def _paragraphs(data: bytes) -> tuple[list[str], object]:
    doc = Document(io.BytesIO(data))
    return [p.text.replace("\u2060", "").replace("\u200b", "") for p in doc.paragraphs], doc


def test_the_word_pack_has_its_sections_figures_and_topics(c, monkeypatch):
    text, doc = _paragraphs(pack.docx_bytes(c, now=dt.datetime(2022, 11, 1, tzinfo=dt.UTC)))
    assert text[:2] == ["2022年第3季度食品安全风险会商材料", "（数据截至2022年9月30日）"]
    assert not any("示例数据" in t for t in text)
    headings = ["一、抽检情况", "二、问题发现与整改", "三、逾期未整改", "四、高风险主体现场督导", "五、企业主体责任",
                "六、会商议题（建议）"]
    assert [t for t in text if t in headings] == headings
    for line in ("本季度（2022年7月1日至2022年9月30日）共抽检6批次，不合格3批次，不合格率60.0%（检验中1批次不计）。",
                 "不合格食品核查处置：已处置1批次，处置中0批次，逾期未处置1批次，未登记核查处置1批次。",
                 "本季度各渠道发现问题6个，截至2022年9月30日已整改2个、未整改4个。",
                 "截至2022年9月30日，逾期未整改问题4个（各来源）、隐患清单逾期隐患2个，共6个。",
                 "高风险（C、D级）在营主体3家，本季度已现场督导1家，未现场督导2家。"):
        assert line in text, line
    assert any(t.startswith("在营生产、销售、餐饮、单位食堂、集中交易市场企业3家：包保分级A、B级企业2家，其中1家未配备食品安全总监")
               for t in text)
    topics = text[text.index("六、会商议题（建议）") + 1:]
    assert topics[:len(TOPICS)] == [f"（{n}）{t}。" for n, t in zip("一二三四五六七", TOPICS, strict=True)]
    assert text[-2:] == ["章丘区食品安全委员会办公室", "2022年10月31日"]
    assert len(doc.tables) == 10
    overdue = doc.tables[6]
    assert [x.text for x in overdue.rows[0].cells][-2:] == ["逾期天数", "责任人"]
    assert [x.text.replace("\u2060", "") for x in overdue.rows[3].cells][-2:] == ["92", "刘某"]
    monkeypatch.setattr(pack, "DOC_ROWS", 4)  # long lists: their first rows in Word, whole in Excel
    text, doc = _paragraphs(pack.docx_bytes(c))
    assert len(doc.tables[6].rows) == 5 and "（共6条，此处列前4条，完整清单见Excel统计表）" in text


def test_the_workbook_has_a_sheet_per_section_with_numbers_as_numbers(c):
    wb = openpyxl.load_workbook(io.BytesIO(pack.xlsx_bytes(c)))
    assert wb.sheetnames == ["抽检情况", "问题发现与整改", "逾期未整改", "高风险主体现场督导", "企业主体责任", "会商议题"]
    cells = list(wb["抽检情况"].iter_rows(values_only=True))
    head = cells.index(("食品大类", "抽检批次", "不合格批次", "检验中", "不合格率（%）", None, None, None, None))
    assert cells[head + 1][:5] == ("粮食加工品", 3, 2, 0, 66.7) and cells[head + 2][:5] == ("肉制品", 1, 1, 0, 100)
    header = wb["抽检情况"].cell(row=head + 1, column=1)
    assert header.font.b and header.fill.fgColor.rgb.endswith("E6EBF1")
    duty = list(wb["企业主体责任"].iter_rows(values_only=True))
    assert duty[-2:] == [("明水所", 2, 2, 1, 0, 1), ("双山所", 1, 0, 0, 1, 1)]
    assert [r[0] for r in wb["会商议题"].iter_rows(values_only=True)][2:9] == [
        f"（{n}）{t}" for n, t in zip("一二三四五六七", TOPICS, strict=True)]


def test_the_command_line_writes_both_files_or_one_chinese_line(url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AS_OF", raising=False)
    out = tmp_path / "新目录"
    assert reports_cli.main(["风险会商", "--year", "2022", "--quarter", "3", "--out", str(out), "--db", url]) == 0
    names = ["2022年第3季度食品安全风险会商材料.docx", "2022年第3季度食品安全风险会商材料.xlsx"]
    assert capsys.readouterr().out.splitlines() == [str(out / n) for n in names]
    assert sorted(p.name for p in out.iterdir()) == names
    assert reports_cli.main(["风险会商", "--year", "2021", "--quarter", "2", "--out", str(tmp_path / "x"),
                             "--db", url]) == 2
    assert capsys.readouterr().err == "数据库中没有2021年的抽检、问题、督导、隐患或主体责任记录，未生成风险会商材料\n"
    assert reports_cli.main(["风险会商", "--year", "2023", "--quarter", "1", "--out", str(tmp_path / "x"),
                             "--db", url]) == 2
    assert "2023年第1季度尚未开始" in capsys.readouterr().err and not (tmp_path / "x").exists()
