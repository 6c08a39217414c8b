"""Every page from app.py: no exception, and the exact figures a person reads on them."""

from __future__ import annotations

import pytest

from tests.pages.conftest import fresh_app, open_tab

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

PAGES = ["app_pages/overview.py", "app_pages/baobao.py", "app_pages/tasks.py", "app_pages/plans.py", "app_pages/kpis.py", "app_pages/map.py"]


def texts(at) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption]
    out += [f"{m.label}={m.value}" for m in at.metric]
    return out


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_database(demo_url, monkeypatch, page):
    at = fresh_app(demo_url, monkeypatch).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("示例数据" in w.value for w in at.warning)


def test_overview_demo_totals(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch).run()
    values = [m.value for m in at.metric if m.label == "累计完成"]
    assert [v.split("/")[1] for v in values] == ["126家", "27家", "42家", "20次"]
    t = texts(at)
    # Paced in 004's window 2022-03-01 … 11-30, its clause beside it (issue 15).
    assert "时序进度89.1%（2022年3月1日至11月30日已过245/275天；依据：章市监管发〔2022〕9号 三\\(二\\)）" in t
    # the months' 检查主体数 added up are checks (家次), never "家" beside 2,931 businesses
    [checked] = [m for m in at.metric if m.label == "检查主体（今年累计）"]
    assert checked.value.endswith("家次") and "每月各计一次" in checked.proto.help


def test_overview_small_database(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    assert not at.exception
    t = texts(at)
    assert "累计完成=98/126家" in t
    assert ":orange[●] 略有滞后｜低于时序进度5.5个百分点" in t
    assert "逾期未整改问题（各来源）=1个" in t and "问题整改率（包保督导，累计）=0.0%" in t
    assert any(x.endswith("  \n1/1个C、D级主体") for x in t)  # under the card's target line
    # The KPI gauge's caption: a level KPI against its target, its baseline and source.
    assert ":orange[●] 略有滞后｜低于目标5.0个百分点｜无基线｜依据：测试" in t
    assert not at.warning  # real rows only: no 示例数据 banner
    assert ":red[●] 双山所：示范创建 −14.1个百分点" in t  # 需要督办 (tests/pages/test_overview_act.py)


def test_tasks_page_small_database(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    at.switch_page("app_pages/tasks.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    row = table[table["监管所"] == "明水所"].iloc[0]
    assert (row["目标"], row["累计完成"], row["进度差（百分点）"], row["状态"]) == (100, 80, -3.3, "● 略有滞后")
    assert round(row["完成率"], 1) == 80.0
    duban = next(d.value for d in at.dataframe if "监管所" in d.value and "应完成率" in d.value
                 and isinstance(d.value["完成率"].iloc[0], str))
    assert duban.iloc[0].to_dict() == {"监管所": "双山所", "任务项": "示范创建", "目标": 26.0, "累计完成": 18.0,
                                       "完成率": "69.2%", "应完成率": "83.3%", "进度差（百分点）": -14.1,
                                       "状态": "● 明显滞后"}


def test_baobao_page_small_database(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    at.switch_page("app_pages/baobao.py").run()
    assert not at.exception
    t = texts(at)
    assert "逾期未整改问题（各来源）=1个" in t and "问题整改率（包保督导问题）=0.0%" in t
    assert "1/1个高风险（C、D级）主体" in t and not any("县级" in x or "乡级" in x for x in t)
    assert "督导完成率=33.3%" in t  # 店A of three
    assert "共2个主体本季度尚未督导" in t  # the first tab; the others are drawn when opened
    # why it may differ from what 督导完成率 leaves undone (visited, but not as the rule asks)
    assert any(x.startswith("此处只列本季度没有任何督导记录的主体。已督导但未达督导规则") for x in t)
    assert "共1个问题逾期未整改" in texts(open_tab(at, "逾期未整改问题"))


def test_kpi_page_small_database(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    at.switch_page("app_pages/kpis.py").run()
    assert not at.exception
    assert "目标 ≥95.0%（全年保持）｜本年累计 90.0%｜低于目标5.0个百分点｜无基线｜取自指标月报填报" in texts(at)


def test_period_is_kept_in_the_url(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch)
    at.query_params["month"] = "9月"  # the URL holds the option as shown: ?year=2022年&month=9月
    at.run()
    assert not at.exception
    assert at.selectbox(key="month").value == 9
    assert "累计完成=70/126家" in texts(at)  # 双山所 has no report up to September: 70 + 0
