"""Worst first (issue 16): every table of stations on 任务清单, 包保督导 and 上报监测 opens with the most severe status,
then the largest lag, on the demo database (2022-10-31); the red 任务项 is named; 任务项 is never labelled 指标."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.pages.conftest import open_tab
from tests.pages.test_hazard_pages import OVERVIEW, SUBMISSIONS, TASKS, open_page, sql

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

BAOBAO = "app_pages/baobao.py"
SEVERITY = ["● 明显滞后", "● 略有滞后", "● 未报", "● 达到进度"]


def table_with(at, *columns: str, without: tuple[str, ...] = ()) -> pd.DataFrame:
    found = [d.value for d in at.dataframe
             if set(columns) <= set(d.value.columns) and not set(without) & set(d.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def assert_worst_first(table: pd.DataFrame, status: str, lag: str, order: list[str]) -> None:
    """Statuses in `order`, and within one status the lag ascending (most behind first)."""
    ranks = table[status].map(order.index).tolist()
    assert ranks == sorted(ranks), table[[status, lag]]
    for _, group in table.groupby(status, sort=False):
        assert group[lag].tolist() == sorted(group[lag].tolist()), group


def test_tasks_page_opens_on_the_worst_station(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, TASKS)
    # 普集所: 抱团发展活动 0 of 1 done (−89.1 points, the largest lag; 枣园所, 龙山所, 文祖所 and 曹范所 have one as
    # large, and come after it in the bureau's order)
    [(target, done)] = sql(demo_url, "SELECT t.target, p.cumulative FROM station_target t "
                           "JOIN station s ON s.id = t.station_id JOIN task_indicator i ON i.id = t.indicator_id "
                           "JOIN station_progress p ON p.station_id = t.station_id AND p.indicator_id = t.indicator_id "
                           "AND p.year = 2022 AND p.month = 10 "
                           "WHERE s.name = '普集所' AND i.code = '抱团发展活动' AND t.year = 2022")
    assert (target, done) == (1, 0)
    progress = table_with(at, "监管所", "任务项", "进度差（百分点）")
    assert "指标" not in progress.columns
    assert progress.iloc[0][["监管所", "任务项", "进度差（百分点）", "状态"]].tolist() == ["普集所", "抱团发展活动", -89.1,
                                                                               "● 明显滞后"]
    stations = list(dict.fromkeys(progress["监管所"]))
    assert stations[:5] == ["普集所", "枣园所", "龙山所", "文祖所", "曹范所"]
    # the 13 red stations (each has a red 任务项) before the 5 on pace
    first_status = progress.drop_duplicates("监管所")["状态"].tolist()
    assert first_status == ["● 明显滞后"] * 13 + ["● 达到进度"] * 5
    duban = table_with(at, "监管所", "任务项", "应完成率", without=("本月上报",))
    assert_worst_first(duban, "状态", "进度差（百分点）", SEVERITY)
    assert duban.iloc[0][["监管所", "任务项"]].tolist() == ["普集所", "抱团发展活动"]
    # the station picker lists the worst first and names the 任务项 that makes each red
    picker = at.selectbox(key="task_station")
    assert picker.value == "普集所" and picker.options == stations  # the options are the names: a URL holds one
    assert "普集所：明显滞后，最差任务项抱团发展活动（完成率0.0%，低于时序进度89.1个百分点）" in [c.value for c in at.caption]
    assert table_with(at, "任务项", "完成率", "应完成率", without=("监管所",)).iloc[0]["任务项"] == "抱团发展活动"
    assert at.segmented_control(key="task_indicator").label == "任务项"
    # 风险隐患 by station: the most overdue hazards first (官庄所: 5 open, all past their 整改期限)
    hz = table_with(at, "监管所", "未整改隐患（合计）", "其中逾期")
    per_station = dict(sql(demo_url, "SELECT s.name, COUNT(*) FROM hazard h JOIN station s ON s.id = h.station_id "
                                     "WHERE h.found_date <= '2022-10-31' AND NOT (h.status = '已整改' "
                                     "AND h.rectified_date IS NOT NULL AND h.rectified_date <= '2022-10-31') "
                                     "GROUP BY s.name"))
    assert hz.iloc[0][["监管所", "状态", "未整改隐患（合计）", "其中逾期"]].tolist() == ["官庄所", "● 有逾期隐患", 5, 5]
    assert per_station["官庄所"] == 5
    stations_hz = hz.iloc[:-1]
    assert dict(zip(stations_hz["监管所"], stations_hz["未整改隐患（合计）"], strict=True)) == {
        n: per_station.get(n, 0) for n in stations_hz["监管所"]}
    assert stations_hz["状态"].tolist() == ["● 有逾期隐患"] * 14 + ["● 有待整改隐患"] + ["● 已全部整改"] * 3
    assert hz.iloc[-1]["监管所"] == "全区"


def test_a_station_account_opens_on_its_own_station(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, TASKS, user="mingshui")
    assert at.selectbox(key="task_station").value == "明水所"
    rows = table_with(at, "任务项", "完成率", "应完成率", without=("监管所",))
    assert rows["任务项"].tolist()[:2] == ["示范创建", "视频监管试点"]  # 14/20 (−19.1), then 4/5 (−9.1)


def test_baobao_page_opens_on_the_station_most_behind(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, BAOBAO)
    table = table_with(at, "监管所", "督导完成率", "进度差（百分点）")
    assert_worst_first(table, "状态", "进度差（百分点）", SEVERITY)
    first = table.iloc[0]
    # 绣惠所: 52 of its 182 businesses visited as required, 28.6% against 33.7% of the quarter gone (below 90%: red)
    assert first["监管所"] == "绣惠所" and first["状态"] == "● 明显滞后"
    assert round(first["督导完成率"], 1) == 28.6 and first["进度差（百分点）"] == -5.1
    assert "季度时间进度33.7%" in " ".join(c.value for c in at.caption)
    assert table["状态"].tolist().count("● 明显滞后") == 1 and table["状态"].tolist().count("● 略有滞后") == 4
    aging = table_with(open_tab(at, "整改时长"), "90天以上", "未整改问题合计")
    assert aging["90天以上"].tolist() == sorted(aging["90天以上"], reverse=True)


def test_submissions_page_opens_on_the_missing_report(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, SUBMISSIONS, user="office")
    month = table_with(at, "监管所", "截止日期", "上报日期")
    assert month.iloc[:3][["监管所", "状态", "逾期天数"]].values.tolist() == [
        ["枣园所", "● 未报", "7天"], ["文祖所", "● 逾期", "2天"], ["绣惠所", "● 逾期", "1天"]]
    assert set(month.iloc[3:]["状态"]) == {"● 按时"}
    grid = table_with(at, "监管所", "10月")
    assert grid.iloc[0]["监管所"] == "双山所" and (grid.iloc[0] == "● 未报").sum() == 1  # 8月 未报, 9月 逾期


def test_overview_and_tasks_name_the_same_worst_station(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, OVERVIEW)
    red_lines = [line for m in at.markdown for line in m.value.split("\n\n")
                 if line.startswith(":red[")]  # 需要督办 (a block of paragraphs a column), worst first
    assert red_lines[0].endswith("普集所：抱团发展活动 −89.1个百分点")
    tasks = open_page(demo_url, monkeypatch, TASKS)
    first = table_with(tasks, "监管所", "累计完成").iloc[0]
    assert first["监管所"] == "普集所"
