"""The sentence builder: each pacing kind said against what it is measured by, baselines and sources named."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from services import narrative
from services.rules.pacing import Window

D = dt.date
OCT31 = D(2022, 10, 31)


def kpi(**kw) -> dict:
    row = {"name": "不合格食品核查处置率", "unit": "%", "target": 1.0, "direction": ">=", "pacing": "level",
           "baseline": None, "window_start": None, "due_date": None, "year": 2022, "actual": 0.968,
           "rate": 0.968, "expected_rate": 1.0, "lag_pp": -3.2, "status": "amber", "source_doc": None,
           "source_article": None, "is_demo": False}
    return {**row, **kw}


def test_level_kpi_is_said_against_its_target_never_the_time_schedule():
    s = narrative.kpi_sentence(kpi(), as_of=OCT31)
    assert s == "不合格食品核查处置率96.8%，低于目标3.2个百分点（无基线）"
    assert "时序进度" not in s
    assert narrative.comparison(kpi(lag_pp=1.04)) == "高于目标1.0个百分点"


def test_ramp_kpi_is_said_against_the_time_schedule():
    row = kpi(name="监督抽检批次", unit="批次", target=5505.0, pacing="ramp", actual=4240.0, rate=4240 / 5505,
              expected_rate=304 / 365, lag_pp=(4240 / 5505 - 304 / 365) * 100)
    assert narrative.kpi_sentence(row, as_of=OCT31) == (
        "监督抽检批次完成4,240批次，完成率77.0%，低于时序进度6.3个百分点（无基线）")


def test_once_kpi_is_said_by_its_due_date():
    row = kpi(name="新增区级实训中心", unit="个", target=1.0, pacing="once", due_date=D(2022, 12, 31), actual=0.0,
              rate=0.0, expected_rate=0.0, lag_pp=0.0, status="green")
    assert narrative.kpi_sentence(row, as_of=OCT31) == "新增区级实训中心12月31日前完成1个，尚未到期（无基线）"
    late = {**row, "status": "red"}
    assert narrative.comparison(late, as_of=D(2023, 1, 5)) == "12月31日前完成1个，已到期未完成"
    done = {**row, "actual": 1.0, "rate": 1.0}
    assert narrative.comparison(done, as_of=OCT31) == "12月31日前完成1个，已完成"


def test_baseline_is_shown_where_the_source_gives_one():
    assert narrative.baseline_text(kpi(baseline=0.85)) == "基线85.0%"
    assert narrative.baseline_text(kpi(unit="家", baseline=12.0)) == "基线12家"
    assert narrative.baseline_text(kpi()) == "无基线"


def test_demo_targets_are_labelled_with_their_source():
    row = kpi(is_demo=True, source_doc="2024年食品抽检和特殊食品安全监管工作要点（昌乐县）", source_article="一、1")
    assert narrative.kpi_source(row) == "示例目标，参照2024年食品抽检和特殊食品安全监管工作要点（昌乐县） 一、1"
    two = kpi(is_demo=True, source_doc="2024年宝山区食品生产环节安全监管工作要点；2024年食品抽检和特殊食品安全监管工作要点（昌乐县）",
              source_article="宝山区二、8；昌乐县二、6")
    assert narrative.kpi_source(two) == ("示例目标，参照2024年宝山区食品生产环节安全监管工作要点 二、8；"
                                         "2024年食品抽检和特殊食品安全监管工作要点（昌乐县） 二、6")
    own = kpi(source_doc="章市监管发〔2022〕9号", source_article="三(二)")
    assert narrative.kpi_source(own) == "依据：章市监管发〔2022〕9号 三(二)"
    assert narrative.kpi_caption(row, as_of=OCT31) == (
        "低于目标3.2个百分点｜无基线｜示例目标，参照2024年食品抽检和特殊食品安全监管工作要点（昌乐县） 一、1")
    # the gauges' captions (总览, the kiosk): each document short, by place, year, topic and kind, with its article —
    # 昌乐县 has five 2024 plans, each with its own 一、1
    assert narrative.kpi_source(row, brief=True) == "示例目标，参照昌乐县2024年抽检要点 一、1"
    assert narrative.kpi_source(two, brief=True) == "示例目标，参照宝山区2024年生产要点 二、8；昌乐县2024年抽检要点 二、6"
    assert narrative.kpi_caption(row, as_of=OCT31, brief=True) == (
        "低于目标3.2个百分点｜无基线｜示例目标，参照昌乐县2024年抽检要点 一、1")
    plans = ["2024年食品抽检和特殊食品安全监管工作要点（昌乐县）", "2024年餐饮服务食品安全工作要点（昌乐县）",
             "2024年食品流通安全监管工作要点（昌乐县）", "2024年食品生产安全监管工作要点（昌乐县）",
             "2024年食品安全协调工作要点（昌乐县）"]
    assert len({narrative.short_title(t) for t in plans}) == len(plans)
    assert narrative.short_title("金山区市场监督管理局关于开展2024年食品安全风险隐患排查整治专项行动的通知") == (
        "金山区2024年风险隐患通知")
    assert narrative.short_title("南开区2024年食品安全监督管理计划") == "南开区2024年食品安全计划"
    assert narrative.short_title("济南市章丘区市场监督管理局2022年食品安全重点工作任务") == "章丘区2022年重点工作"
    assert narrative.short_title("食品安全重点指标（取自公开工作要点，2024年）") == "2024年重点指标"  # no kind in a note
    assert narrative.short_title("章市监管发〔2022〕9号") == "章市监管发〔2022〕9号"  # neither place nor year: whole


def test_station_phrases_name_the_worst_indicator():
    lags = pd.DataFrame({
        "station": ["明水所", "双山所", "黄河所"], "worst_status": ["red", "amber", "green"],
        "worst_indicator": ["示范创建", "视频监管试点", "示范创建"], "worst_lag_pp": [-19.09, -4.25, 10.9],
    })
    assert narrative.station_risks(lags) == ["明水所：示范创建 −19.1个百分点", "双山所：视频监管试点 −4.3个百分点"]
    assert narrative.station_line(lags) == (
        "1个监管所有明显滞后的指标：明水所：示范创建 −19.1个百分点；略有滞后：双山所：视频监管试点 −4.3个百分点")
    assert narrative.signed_pp(4.25) == "+4.3个百分点"


def test_pace_basis_names_the_clause():
    w = Window(D(2022, 3, 1), D(2022, 11, 30), source_doc="章市监管发〔2022〕9号", source_clause="三(二)")
    assert narrative.basis(w) == "依据：章市监管发〔2022〕9号 三(二)"
    assert narrative.pace_basis(w, D(2022, 2, 28)).startswith("时序进度0.0%（2022年3月1日至11月30日已过0/275天")
