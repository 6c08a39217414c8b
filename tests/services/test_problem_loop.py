"""The problem loop (issue 20, item 3): problems found by 执法, 抽检, a 风险隐患 report or another cadre's visit, listed
for the cadres packaging the business; the 督办 list names who must act; 整改 counts once.

One database for the module, built here (2022-10-31):
  明水所: 店A (张某 乡 and 李某 县), 店B (张某), 店E (no cadre), 店F (张某 until 2022-06-30); 双山所: 店C (赵某).
  王某 (乡, 双山所) packages nothing.
  Problems: 店A 抽检 (8-01, due 8-31, closed 8-20, 责令整改), 店A 执法 (9-10, due 9-30, open), 店A 执法 of 2021 (open),
  店B 执法 (10-20, due 11-20, open), 店B 张某's visit (10-05, due 10-10, open), 店B 赵某's visit (10-06, due 10-30,
  open), 店C 王某's visit 风险隐患 冷库温度不达标 (9-01, due 9-15, closed 9-14), 店E 执法 (9-01, due 10-01, open),
  店F 执法 (5-01, due 5-31, closed 5-20).
  Hazards: 店C 冷库温度不达标 9-01 (the same as 王某's problem), 店C 灭蝇设施缺失 (10-08, due 10-15, open),
  店A 排水沟堵塞 (7-01, due 7-31, rectified 7-10), 店E (open) and one matched to no business.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from services import access, metrics
from services import baobao_view as bv
from services.rules.viewer import SYSTEM, Viewer
from tests import dbs
from tests.db.factories import Factory

D = dt.date
PERIOD = {"year": 2022, "month": 10, "as_of": D(2022, 10, 31)}
ZHANG_LI = "张某、李某"  # 店A's two cadres, listed once, names joined
BOTH_LEVELS = "镇(街道)级、区级"


def build(url: str) -> None:
    dbs.build_schema(url)
    with Session(get_engine(url)) as s:
        add_rows(s)
        s.commit()
    dispose_engines()


def add_rows(s: Session) -> None:
    """The module's rows (its docstring), added to a session with the schema in place."""
    f = Factory(s)
    ms, ss = f.station("明水所"), f.station("双山所")
    town = f.township("明水街道", ms)
    zhang, li = f.cadre("张某", "乡", ms), f.cadre("李某", "县")
    zhao, wang = f.cadre("赵某", "乡", ss), f.cadre("王某", "乡", ss)
    a, b = f.business("店A", ms, township=town), f.business("店B", ms, township=town)
    c, e, fb = f.business("店C", ss), f.business("店E", ms), f.business("店F", ms)
    for cadre, biz in ((zhang, a), (li, a), (zhang, b), (zhao, c)):
        f.assign(cadre, biz)
    f.assign(zhang, fb, end=D(2022, 6, 30))
    batch = f.sample(a, D(2022, 8, 1), result="不合格", failed_item="镉（以Cd计）")
    f.problem_at(a, D(2022, 8, 1), source="抽检", sample=batch, deadline=D(2022, 8, 31), status="已整改",
                 closed=D(2022, 8, 20), outcome="责令整改", description="小麦粉镉（以Cd计）不合格")
    f.problem_at(a, D(2022, 9, 10), deadline=D(2022, 9, 30), description="未公示许可证")
    f.problem_at(a, D(2021, 12, 1), deadline=D(2021, 12, 31), description="去年执法问题")
    f.problem_at(b, D(2022, 10, 20), deadline=D(2022, 11, 20), description="超范围经营")
    f.problem(f.visit(zhang, b, D(2022, 10, 5)), deadline=D(2022, 10, 10), description="进货查验记录不全")
    f.problem(f.visit(zhao, b, D(2022, 10, 6)), deadline=D(2022, 10, 30), description="餐具消毒记录缺失")
    cold = f.problem(f.visit(wang, c, D(2022, 9, 1)), deadline=D(2022, 9, 15), status="已整改",
                     closed=D(2022, 9, 14), description="冷库温度不达标")
    cold.source = "风险隐患"
    f.problem_at(e, D(2022, 9, 1), deadline=D(2022, 10, 1), description="无包保主体问题")
    f.problem_at(fb, D(2022, 5, 1), deadline=D(2022, 5, 31), status="已整改", closed=D(2022, 5, 20))
    f.hazard(ss, D(2022, 9, 1), business=c, deadline=D(2022, 9, 15), status="已整改", rectified=D(2022, 9, 14),
             description="冷库温度不达标")
    f.hazard(ss, D(2022, 10, 8), business=c, deadline=D(2022, 10, 15), description="灭蝇设施缺失")
    f.hazard(ms, D(2022, 7, 1), business=a, deadline=D(2022, 7, 31), status="已整改", rectified=D(2022, 7, 10),
             description="排水沟堵塞")
    f.hazard(ms, D(2022, 9, 2), business=e, deadline=D(2022, 9, 30))
    f.hazard(ms, D(2022, 9, 3), deadline=D(2022, 9, 30))  # matched to no business


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    url = dbs.template_url("problem_loop", build, tmp_path_factory)
    with Session(get_engine(url)) as s:
        yield s
    dispose_engines()


def ids(session: Session, model, *names: str) -> list[int]:
    return [session.exec(select(model.id).where(model.name == n)).one() for n in names]


# The others' list as the page shows it (bv.others_rows), every station: overdue first, then open, then closed.
ALL_ROWS = [
    # 状态, 包保干部, 干部层级, 主体, 监管所, 问题来源, 问题, 发现日期, 整改期限, 整改日期, 处置结果
    ["逾期", ZHANG_LI, BOTH_LEVELS, "店A", "明水所", "执法", "未公示许可证", "2022年9月10日", "2022年9月30日", "", ""],
    ["逾期", "赵某", "镇(街道)级", "店C", "双山所", "风险隐患", "灭蝇设施缺失", "2022年10月8日", "2022年10月15日", "", ""],
    ["逾期", "张某", "镇(街道)级", "店B", "明水所", "包保督导", "餐具消毒记录缺失", "2022年10月6日", "2022年10月30日", "",
     ""],
    ["未整改", "张某", "镇(街道)级", "店B", "明水所", "执法", "超范围经营", "2022年10月20日", "2022年11月20日", "", ""],
    ["已整改", ZHANG_LI, BOTH_LEVELS, "店A", "明水所", "风险隐患", "排水沟堵塞", "2022年7月1日", "2022年7月31日",
     "2022年7月10日", ""],
    ["已整改", ZHANG_LI, BOTH_LEVELS, "店A", "明水所", "抽检", "小麦粉镉（以Cd计）不合格", "2022年8月1日", "2022年8月31日",
     "2022年8月20日", "责令整改"],
    ["已整改", "赵某", "镇(街道)级", "店C", "双山所", "风险隐患", "冷库温度不达标", "2022年9月1日", "2022年9月15日",
     "2022年9月14日", ""],
]
SHOWN = ["状态", "包保干部", "干部层级", "主体", "监管所", "问题来源", "问题", "发现日期", "整改期限", "整改日期", "处置结果"]


def shown(rows: pd.DataFrame) -> list[list[str]]:
    return bv.others_rows(rows)[SHOWN].values.tolist()


def test_the_list_of_problems_found_by_others(session):
    rows = access.others_problems(session=session, viewer=SYSTEM, **PERIOD)
    assert shown(rows) == ALL_ROWS
    assert not rows.attrs["truncated"]
    # 店B's own cadre's finding, 店E (no cadre), 店F (assignment ended), last year's and the unmatched hazard: out
    assert {"进货查验记录不全", "无包保主体问题", "去年执法问题", "隐患"}.isdisjoint(rows["description"])
    assert rows["kind"].tolist() == ["problem", "hazard", "problem", "problem", "hazard", "problem", "problem"]


def test_counts_by_source_and_the_caption(session):
    counts = metrics.others_problem_counts(session=session, **PERIOD)
    assert counts.values.tolist() == [["包保督导", 1, 1, 1], ["风险隐患", 3, 1, 1], ["执法", 2, 2, 1], ["抽检", 1, 0, 0]]
    assert bv.others_caption(counts) == "包保督导1项、风险隐患3项、执法2项、抽检1项；其中逾期未整改3项"
    ss = ids(session, m.Station, "双山所")[0]
    assert bv.others_caption(metrics.others_problem_counts(session=session, station_id=ss, **PERIOD)) == \
        "风险隐患2项；其中逾期未整改1项"
    assert bv.others_caption(metrics.others_problem_counts(session=session, year=2022, month=1,
                                                           as_of=D(2022, 10, 31))) == "今年以来其他渠道未在包保主体发现问题"


def test_filters_by_station_cadre_and_source_and_the_cut(session):
    ss = ids(session, m.Station, "双山所")[0]
    li, zhao = ids(session, m.Cadre, "李某", "赵某")
    assert shown(access.others_problems(session=session, viewer=SYSTEM, station_id=ss, **PERIOD)) == \
        [ALL_ROWS[1], ALL_ROWS[6]]
    assert shown(access.others_problems(session=session, viewer=SYSTEM, cadre_id=li, **PERIOD)) == \
        [ALL_ROWS[0], ALL_ROWS[4], ALL_ROWS[5]]
    assert shown(access.others_problems(session=session, viewer=SYSTEM, cadre_id=zhao, **PERIOD)) == \
        [ALL_ROWS[1], ALL_ROWS[6]]
    assert shown(access.others_problems(session=session, viewer=SYSTEM, source="风险隐患", **PERIOD)) == \
        [ALL_ROWS[1], ALL_ROWS[4], ALL_ROWS[6]]
    cut = access.others_problems(session=session, viewer=SYSTEM, limit=2, **PERIOD)
    assert cut.attrs["truncated"] and shown(cut) == ALL_ROWS[:2]


def test_a_station_account_sees_its_own_station_only(session):
    ms, ss = ids(session, m.Station, "明水所", "双山所")
    mingshui = Viewer(username="ms", role="监管所", station_id=ms, station_name="明水所")
    own = access.others_problems(session=session, viewer=mingshui, **PERIOD)
    assert shown(own) == [ALL_ROWS[i] for i in (0, 2, 3, 4, 5)]
    with pytest.raises(PermissionError):
        access.others_problems(session=session, viewer=mingshui, station_id=ss, **PERIOD)
    zhao = ids(session, m.Cadre, "赵某")[0]  # 双山所's cadre, tied to no business of 明水所
    with pytest.raises(PermissionError):
        access.others_problems(session=session, viewer=mingshui, cadre_id=zhao, **PERIOD)
    with pytest.raises(PermissionError):
        access.others_problems(session=session, viewer=Viewer(), **PERIOD)


def test_the_duban_list_names_the_packaging_cadres(session):
    od = access.overdue_problems(session=session, viewer=SYSTEM, **PERIOD)
    view = bv.overdue_rows(od)
    assert view[["主体", "问题来源", "问题", "逾期天数", "包保干部"]].values.tolist() == [
        ["店A", "执法", "去年执法问题", 304, ZHANG_LI],  # no visit: the cadres packaging 店A
        ["店A", "执法", "未公示许可证", 31, ZHANG_LI],
        ["店E", "执法", "无包保主体问题", 30, bv.NO_CADRE],
        ["店B", "包保督导", "进货查验记录不全", 21, "张某"],  # the visit's cadre
        ["店B", "包保督导", "餐具消毒记录缺失", 1, "赵某"],
    ]


def test_a_closed_sampling_problem_counts_once(session):
    """The 抽检 不合格 batch at 店A has one Problem, closed on 8-20: never open or overdue on the 包保 page, listed
    once (已整改) among the others' problems, and not on the 督办 list."""
    assert session.exec(select(m.Problem).where(m.Problem.sample_id.is_not(None))).all().__len__() == 1
    stations = metrics.baobao(session=session, by="station", **PERIOD)
    total = metrics.baobao_total(stations, **PERIOD).iloc[0]
    # open: 店A 执法 ×2, 店B 执法, 店B's two visit problems, 店E 执法; overdue: all but 店B 执法 (due 11-20)
    assert (total["n_prob_open"], total["n_prob_overdue"]) == (6, 5)
    assert (total["n_prob_ytd"], total["n_prob_ytd_closed"]) == (2, 0)  # 包保督导 problems only: 店B's two
    rows = access.others_problems(session=session, viewer=SYSTEM, **PERIOD)
    sampled = rows[rows["source"] == "抽检"]
    assert sampled[["business", "shown", "outcome"]].values.tolist() == [["店A", "已整改", "责令整改"]]
    assert "抽检" not in set(access.overdue_problems(session=session, viewer=SYSTEM, **PERIOD)["source"])


def test_a_hazard_duplicating_a_visit_problem_appears_once(session):
    rows = access.others_problems(session=session, viewer=SYSTEM, **PERIOD)
    cold = rows[rows["description"] == "冷库温度不达标"]
    assert cold[["kind", "source", "shown"]].values.tolist() == [["problem", "风险隐患", "已整改"]]
    counts = metrics.others_problem_counts(session=session, **PERIOD).set_index("source")
    assert counts.loc["风险隐患", "n"] == 3  # 冷库 once, 灭蝇, 排水沟 — the duplicate hazard not again


def test_the_cadre_detail_counts_problems_found_by_others(session):
    zhang = ids(session, m.Cadre, "张某")[0]
    detail = access.cadre_detail(session=session, viewer=SYSTEM, cadre_id=zhang, **PERIOD)
    view = bv.cadre_detail_rows(detail)
    assert view[["主体", "其他渠道发现问题", "其中未整改"]].values.tolist() == [["店A", 3, 1], ["店B", 2, 2]]
