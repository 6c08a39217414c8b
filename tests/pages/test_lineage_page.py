"""数据来源 on 任务清单 and 指标 (AppTest): the figures a person reads, each with where it came from."""

from __future__ import annotations

import pytest

from tests.pages.conftest import fresh_app, open_expanders

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests


def lineage_tables(at):
    return [d.value for d in at.dataframe if "来源" in d.value.columns and "数据项" in d.value.columns]


def on_station(at, name: str):
    """The tasks page on this station (the picker opens on the worst one)."""
    at.selectbox(key="task_station").set_value(name).run()
    assert not at.exception
    return open_expanders(at)


def test_tasks_page_shows_where_each_figure_came_from(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    at.switch_page("app_pages/tasks.py").run()
    on_station(at, "明水所")
    [table] = lineage_tables(at)
    # 明水所: the hand-built rows carry no batch; October's 80 is the month's own report
    assert table.to_dict("records") == [
        {"任务项": "示范创建", "数据项": "目标", "数值": "100", "月份": "", "来源": "未记录来源（早于导入记录的数据）"},
        {"任务项": "示范创建", "数据项": "累计完成", "数值": "80", "月份": "2022年10月",
         "来源": "未记录来源（早于导入记录的数据）"},
    ]


def test_kpi_page_shows_where_the_value_came_from(small_url, monkeypatch):
    at = fresh_app(small_url, monkeypatch).run()
    at.switch_page("app_pages/kpis.py").run()
    assert not at.exception
    # collapsed, the 数据来源 list is not read at all; opening it reads and shows it
    assert [e.label for e in at.expander] == ["数据来源"] and lineage_tables(at) == []
    [table] = lineage_tables(open_expanders(at))
    assert table[["数据项", "数值", "月份"]].to_dict("records") == [
        {"数据项": "目标", "数值": "95.0%", "月份": ""},
        {"数据项": "本年累计", "数值": "90.0%", "月份": "2022年10月"},
    ]


def test_demo_figures_say_they_are_generated(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch).run()
    at.switch_page("app_pages/tasks.py").run()
    on_station(at, "明水所")
    [table] = lineage_tables(at)
    progress = table[table["数据项"] == "累计完成"]
    assert len(progress) == 4 and set(progress["月份"]) <= {"2022年10月", "2022年9月"}
    assert set(progress["来源"]) == {"示例数据（系统生成，无导入批次）"}
    # the real targets came from the bureau's task list (seeds/004), imported as a batch: its file, sheet and row
    targets = table[table["数据项"] == "目标"]
    assert targets["数值"].tolist() == ["20", "3", "5", "2"]  # 明水所 in the 2022 任务清单
    assert all(s.startswith("批次 #") and "：2022年度各监管所食品小作坊提升任务清单.xlsx，工作表“Sheet1”第3行；" in s
               for s in targets["来源"])
