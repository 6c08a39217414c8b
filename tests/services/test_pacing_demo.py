"""Pacing on the demo database (built from seed/data through the importer): the 任务清单's window comes from the
注 line of 附件1 (章市监管发〔2022〕9号 三(二)), and the canonical case holds through metrics."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from services import metrics, narrative
from services.rules import fmt

OCT31 = dt.date(2022, 10, 31)


@pytest.fixture(scope="module")
def demo(demo_template):
    with Session(get_engine(demo_template)) as s:
        yield s
    dispose_engines()


def test_the_window_is_imported_with_its_lineage(demo):
    tl = demo.exec(select(m.TaskList).where(m.TaskList.year == 2022)).one()
    assert (tl.window_start, tl.window_due, tl.phase) == (dt.date(2022, 3, 1), dt.date(2022, 11, 30), "专项整治及监管提升阶段")
    assert (tl.source_doc, tl.source_clause) == ("章市监管发〔2022〕9号", "三(二)")
    assert tl.batch_id is not None and tl.src_row == 22  # the 注 line under 总计 in 附件1
    assert not tl.is_demo  # the document's own window, not a generated figure


def test_canonical_case_on_the_demo_database(demo):
    tot = metrics.task_totals(session=demo, year=2022, month=10, as_of=OCT31)
    row = tot[tot["indicator"] == "示范创建"].iloc[0]
    assert (row.actual, row.target) == (98, 126)
    assert fmt.pct(row.time_progress) == "89.1%" and round(row.expected, 1) == 112.3
    assert round(row.lag_pp, 1) == -11.3 and row.status == "red"
    window = metrics.task_window(session=demo, year=2022)
    lines = narrative.task_lines(tot, year=2022, month=10, as_of=OCT31, window=window)
    assert lines[0] == "时序进度89.1%（2022年3月1日至11月30日已过245/275天；依据：章市监管发〔2022〕9号 三(二)）"
    assert lines[1] == "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度11.3个百分点"


def test_stations_take_their_worst_indicators_status(demo):
    lags = metrics.station_lag(session=demo, year=2022, month=10, as_of=OCT31)
    assert lags["worst_status"].value_counts().to_dict() == {"red": 13, "green": 5}
    mingshui = lags[lags["station"] == "明水所"].iloc[0]
    # Its mean lag is near zero (−1.6) but 示范创建 (14 of 20 against 89.1%) is 19.1 points behind: red, named.
    assert (mingshui.worst_status, mingshui.worst_indicator) == ("red", "示范创建")
    assert round(mingshui.worst_lag_pp, 1) == -19.1 and round(mingshui.mean_lag_pp, 1) == -1.6
    assert narrative.station_phrase(mingshui.to_dict()) == "明水所：示范创建 −19.1个百分点"
    # Most at risk first: every red station before every green one, the worst lag first among the red.
    assert lags["worst_status"].tolist() == ["red"] * 13 + ["green"] * 5
    red = lags[lags["worst_status"] == "red"]["worst_lag_pp"].tolist()
    assert red == sorted(red)


def test_kpi_sentences_on_the_demo_database(demo):
    g = metrics.kpi_gauges(session=demo, year=2022, month=10, as_of=OCT31).set_index("name")
    level = g.loc["不合格食品核查处置率"].to_dict() | {"name": "不合格食品核查处置率"}
    assert narrative.comparison(level) == "低于目标5.9个百分点"
    once = g.loc["新增区级实训中心"].to_dict() | {"name": "新增区级实训中心"}
    assert narrative.kpi_sentence(once, as_of=OCT31) == "新增区级实训中心12月31日前完成1个，尚未到期（无基线）"
    ramp = g.loc["监督抽检批次"].to_dict() | {"name": "监督抽检批次"}
    assert narrative.kpi_source(ramp) == "示例目标，参照2024年食品抽检和特殊食品安全监管工作要点（昌乐县） 一、1"
    assert g["status"].value_counts().to_dict() == {"amber": 6, "green": 5, "red": 2}
