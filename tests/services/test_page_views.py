"""The pages' Streamlit-free tables (services.overview, tasks_view, baobao_view, submissions_view, entry_forms)
and services.catalog, on the small hand-built database of tests/pages/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from db.engine import dispose_engines, get_engine
from services import (
    baobao_view,
    catalog,
    entry,
    entry_forms,
    kpi_entry,
    metrics,
    overview,
    submissions,
    submissions_view,
    tasks_view,
)
from services.rules.viewer import Viewer
from tests.pages.conftest import small_url  # noqa: F401  (the fixture)

OCT31 = dt.date(2022, 10, 31)
PERIOD = {"year": 2022, "month": 10, "as_of": OCT31}
OFFICE = Viewer(role="食安办")


@pytest.fixture
def session(small_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", small_url)
    dispose_engines()
    with Session(get_engine(small_url)) as s:
        yield s
    dispose_engines()


def test_catalog(session):
    assert catalog.stations()["station"].tolist() == ["明水所", "双山所"]
    assert list(catalog.stations().columns) == catalog.STATION_COLUMNS
    assert 2022 in catalog.years()
    assert catalog.is_demo() is False
    assert isinstance(catalog.district_name(), str) and catalog.data_version() >= 0


def test_overview(session):
    lags = metrics.station_lag(session=session, **PERIOD)
    worst = overview.worst_stations(lags)
    assert list(worst.columns) == ["监管所", "状态", "最差指标", "最差指标进度差", "平均进度差", "明显滞后指标数",
                                   "略有滞后指标数"]
    assert worst.iloc[0]["监管所"] == "双山所" and worst.iloc[0]["状态"] == "red"
    assert worst.iloc[0]["最差指标"] == lags.iloc[0]["worst_indicator"]
    rows = submissions.submission_status(session=session, viewer=OFFICE, **PERIOD)
    line = overview.submission_line(rows, "任务进度")
    assert line.startswith("任务进度：") and "共2个所" in line
    assert overview.submission_line(rows.iloc[0:0], "任务进度") is None
    assert all(n > 0 for _, n, _ in overview.open_hazards(metrics.hazards(session=session, **PERIOD)))


def test_tasks_view(session):
    progress = metrics.task_progress(session=session, **PERIOD)
    duban = tasks_view.duban(progress)
    assert list(duban.columns) == ["监管所", "任务项", "目标", "累计完成", "完成率", "应完成率", "进度差（百分点）", "状态"]
    # red before amber, each most behind first: 双山所 red (−14.1), then 明水所 amber (−3.3)
    assert duban[["监管所", "状态"]].values.tolist() == [["双山所", "red"], ["明水所", "amber"]]
    assert duban["进度差（百分点）"].tolist() == [-14.1, -3.3]
    rows = tasks_view.station_rows(progress, "明水所")
    assert list(rows.columns) == ["任务项", "目标", "累计完成", "完成率", "应完成率", "进度差（百分点）", "状态"]
    assert rows.iloc[0][["目标", "累计完成", "完成率", "状态"]].tolist() == [100, 80, "80.0%", "amber"]
    # the picker lists the red station first, named with the 任务项 that makes it red
    assert tasks_view.stations_worst_first(progress) == ["双山所", "明水所"]
    assert tasks_view.station_labels(progress) == {
        "双山所": "双山所：明显滞后，最差任务项示范创建（完成率69.2%，低于时序进度14.1个百分点）",
        "明水所": "明水所：略有滞后，最差任务项示范创建（完成率80.0%，低于时序进度3.3个百分点）"}
    assert tasks_view.station_default(progress, None) == 0
    sid = {n: int(progress.loc[progress["station"] == n, "station_id"].iloc[0]) for n in ("明水所", "双山所")}
    assert (tasks_view.station_default(progress, sid["双山所"]), tasks_view.station_default(progress, sid["明水所"])) == (0, 1)
    assert tasks_view.worst_rows(progress)["station"].tolist()[0] == "双山所"
    hz = metrics.hazards(session=session, **PERIOD)
    totals = metrics.hazard_totals(session=session, **PERIOD)
    table = tasks_view.hazard_rows(hz, totals, month=10)
    assert list(table.columns)[:5] == ["监管所", "状态", "未整改隐患（合计）", "其中逾期", "10月上报"] and len(table) == len(hz) + 1
    assert set(tasks_view.HAZARD_COUNTS) <= set(table.columns)


def test_baobao_view(session):
    head = metrics.baobao(session=session, by="station", **PERIOD)
    r = baobao_view.scope_figures(head, station_id=1)
    assert r["n_business"] == 3
    groups = baobao_view.group_rows(metrics.baobao(session=session, by="township", **PERIOD), by="township")
    assert list(groups.columns)[:2] == ["监管所", "镇街"]
    assert baobao_view.rate(1, 0) is None and baobao_view.rate(1, 2) == 0.5
    assert baobao_view.rule_text(baobao_view.pd.DataFrame({"note": [None]})) == baobao_view.DEFAULT_RULE
    od = baobao_view.overdue_rows(metrics.overdue_problems(session=session, **PERIOD))
    assert len(od) == 1 and od.iloc[0]["整改期限"] == "2022年10月10日"
    aging = baobao_view.aging_rows(metrics.problem_aging(session=session, **PERIOD))
    assert list(aging.columns) == ["监管所", "7天内", "8–30天", "31–90天", "90天以上", "未整改问题合计"]


def test_submissions_view(session):
    grid = submissions.submission_grid(session=session, viewer=OFFICE, **PERIOD)
    month = submissions_view.month_rows(grid, 10)
    assert len(month) == 2 and month.index.tolist() == [0, 1]
    table = submissions_view.month_table(month)
    assert list(table.columns) == ["监管所", "截止日期", "上报日期", "状态", "逾期天数"]
    assert table["状态"].map(lambda v: v.split(" ", 1)[1] in submissions.STATUSES).all()
    assert submissions_view.month_download(month)["状态"].tolist() == month["status"].tolist()  # words, no chips
    tl = metrics.report_timeliness(session=session, **PERIOD)
    assert list(submissions_view.timeliness_table(tl).columns) == [
        "月份", "截止日期", "应报（个所）", "按时上报", "当月按时上报率", "累计按时上报率"]
    assert list(submissions_view.rate_chart_rows(tl).columns) == ["月份", "m", "累计按时上报率"]
    assert submissions_view.grid_table(grid).columns[0] == "监管所"


def test_entry_forms(session):
    sid = int(catalog.stations()["station_id"].iloc[0])
    frame = entry.entry_frame(viewer=OFFICE, station_id=sid, year=2022, month=10)
    view = entry_forms.progress_view(frame, {0: {entry_forms.COL_VALUE: 50}})
    assert list(view.columns) == ["任务项", "单位", "年度目标", "上月累计", "本月累计", "本月新增", "提示", "说明"]
    assert view.iloc[0]["本月累计"] == "80"  # the editor starts from the stored figure, as text
    assert view.iloc[0]["本月新增"] == str(50 - int(view.iloc[0]["上月累计"]))
    assert view.iloc[0]["提示"] == "低于上月，须填写说明"
    rows, reasons = entry_forms.progress_rows(frame, view)
    assert list(rows.values()) == ["80"] and list(reasons.values()) == [""]
    kpis = kpi_entry.kpi_entry_frame(viewer=OFFICE, year=2022, month=10)
    kv = entry_forms.kpi_view(kpis)
    assert list(kv.columns) == ["指标", "单位", "目标", "上月累计", "本月累计", "分子", "分母"]
    assert entry_forms.as_typed(96.5, "%") == "96.5%" and entry_forms.as_typed(None, "%") is None
    assert entry_forms.as_typed("九十", "%") == "九十" and entry_forms.cell(float("nan")) == ""
    hz = entry.hazard_entry_frame(viewer=OFFICE, station_id=sid, year=2022, month=10)
    assert list(entry_forms.hazard_view(hz).columns) == ["项目", "单位", "1月至上月合计", "本月数", "隐患清单核对数"]


def test_pure_page_tables_on_hand_built_frames():
    import pandas as pd

    from services import kpis_view

    ref = pd.DataFrame({"name": ["抽检合格率", "抽检批次"], "target": [0.96, 4.0], "unit": ["%", "批次/千人"],
                        "jurisdiction": ["金山区", "南开区"], "year": [2024, 2024], "rule_text": [None, "每千人"],
                        "source_doc": ["金山2024", None], "source_article": ["三(一)", None]})
    rows = kpis_view.reference_rows(ref)
    assert rows["目标"].tolist() == ["96.0%", "4批次/千人"]
    assert rows["来源"].tolist() == ["金山2024 三(一)", ""] and rows["年度"].tolist() == ["2024", "2024"]
    trend = pd.DataFrame({"month": [8, 9, 10, 11]})
    assert kpis_view.trend_to(trend, 10)["month"].tolist() == [8, 9, 10]

    progress = pd.DataFrame({"indicator": ["示范创建", "视频监管试点", "示范创建"]})
    assert len(tasks_view.for_indicator(progress, tasks_view.ALL_INDICATORS)) == 3
    assert len(tasks_view.for_indicator(progress, None)) == 3
    assert tasks_view.for_indicator(progress, "示范创建").index.tolist() == [0, 2]

    od = pd.DataFrame({"business": ["甲", "乙", "丙"], "station": ["明水所"] * 3, "description": ["x"] * 3,
                       "source": ["包保督导"] * 3,
                       "deadline": [dt.date(2022, 9, 1)] * 3, "days_overdue": [5, 40, 12],
                       "found_date": [dt.date(2022, 8, 1)] * 3, "cadre": ["张"] * 3, "status": ["未整改"] * 3})
    assert baobao_view.overdue_rows(od)["主体"].tolist() == ["乙", "丙", "甲"]  # longest overdue first
