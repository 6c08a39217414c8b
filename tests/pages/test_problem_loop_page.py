"""The 包保 page shows the problems found by others (issue 20, item 3) on the database of
tests/services/test_problem_loop.py: the list with its counts by source and its source filter, the 督办 list naming
the packaging cadres, and a cadre's businesses with what others found there."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from db.engine import dispose_engines, get_engine, set_setting
from db.migrate import upgrade
from tests import dbs
from tests.pages.conftest import fresh_app, open_tab
from tests.services.test_problem_loop import ALL_ROWS, SHOWN, ZHANG_LI, add_rows

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in tests/services/test_problem_loop.py

BAOBAO = "app_pages/baobao.py"
OTHERS = "其他渠道发现的问题（包保干部须知）"
CAPTION = "包保督导1项、风险隐患3项、执法2项、抽检1项；其中逾期未整改3项"


def build(url: str) -> None:
    upgrade(url)
    with Session(get_engine(url)) as s:
        add_rows(s)
        set_setting(s, "as_of", "2022-10-31")
        s.commit()
    dispose_engines()


@pytest.fixture
def url(tmp_path, tmp_path_factory):
    return dbs.copy_of("problem_loop_page", build, tmp_path_factory, tmp_path, "loop.db")


def page(url, monkeypatch, user="leader"):
    at = fresh_app(url, monkeypatch, user=user).run()
    at.switch_page(BAOBAO).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def others_table(at):
    return next(d.value for d in at.dataframe if {"问题来源", "处置结果", "包保干部"} <= set(d.value.columns))


def test_the_baobao_page_lists_problems_found_by_others(url, monkeypatch):
    at = page(url, monkeypatch)
    assert any(t.label == OTHERS for t in at.tabs)
    assert not any("问题来源" in d.value.columns for d in at.dataframe)  # a closed tab draws nothing
    open_tab(at, OTHERS)
    captions = [c.value for c in at.caption]
    assert any(c.startswith(CAPTION + "。") for c in captions)
    assert others_table(at)[SHOWN].values.tolist() == ALL_ROWS
    pick = at.selectbox(key="bb_others_source")
    assert pick.placeholder.startswith("请选择") and pick.options == ["包保督导", "风险隐患", "执法", "抽检"]
    pick.set_value("抽检").run()
    assert not at.exception
    assert others_table(at)[SHOWN].values.tolist() == [ALL_ROWS[5]]
    # the 督办 list: a 执法 problem at 店A names 店A's two cadres, who must act on it
    open_tab(at, "逾期未整改问题")
    overdue = next(d.value for d in at.dataframe if "逾期天数" in d.value.columns)
    assert overdue[["主体", "问题", "包保干部"]].values.tolist()[:2] == [["店A", "去年执法问题", ZHANG_LI],
                                                                  ["店A", "未公示许可证", ZHANG_LI]]
    # 按干部查看 opens on 张某: 店A and 店B, with what others found there
    open_tab(at, "按干部查看")
    captions = [c.value for c in at.caption]
    detail = next(d.value for d in at.dataframe if "其他渠道发现问题" in d.value.columns)
    assert detail[["主体", "其他渠道发现问题", "其中未整改"]].values.tolist() == [["店A", 3, 1], ["店B", 2, 2]]
    assert "其他渠道在该干部包保主体发现的问题（今年以来）：共5项，逾期未整改2项" in captions


def test_a_station_account_sees_its_own_stations_problems(url, monkeypatch):
    at = open_tab(page(url, monkeypatch, user="mingshui"), OTHERS)
    assert others_table(at)[SHOWN].values.tolist() == [ALL_ROWS[i] for i in (0, 2, 3, 4, 5)]
    assert any(c.value.startswith("包保督导1项、风险隐患1项、执法2项、抽检1项；其中逾期未整改2项") for c in at.caption)
