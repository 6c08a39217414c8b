"""更新进展 on the 工作要点 page (AppTest, the hand-built plans of tests/services/test_plans.py at 2022-06-15): the office
edits a task's status and the page's counts follow; leaders and stations see no editor."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import dispose_engines, get_engine
from tests.pages.conftest import fresh_app, open_tab

PLANS = "app_pages/plans.py"
TAB = "更新进展"


def open_page(url, monkeypatch, user):
    at = fresh_app(url, monkeypatch, as_of="2022-06-15", user=user).run()
    at.switch_page(PLANS).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rows(url, model):
    with Session(get_engine(url)) as s:
        out = [r.model_dump() for r in s.exec(select(model)).all()]
    dispose_engines()
    return out


def own_plan_id(url) -> int:
    with Session(get_engine(url)) as s:
        plan_id = s.exec(select(m.PlanDocument.id).where(m.PlanDocument.title == "2022年工作要点")).one()
    dispose_engines()
    return plan_id


def metrics(at) -> dict[str, str]:
    return {x.label: x.value for x in at.metric}


def test_the_office_saves_a_status_and_the_counts_follow(plans_url, monkeypatch):
    at = open_page(plans_url, monkeypatch, "office")
    assert TAB in [t.label for t in at.tabs]
    assert metrics(at)["已完成"] == "1项" and metrics(at)["进行中"] == "3项"
    open_tab(at, "按文件", key="plan_tab")  # another tab open: the editor is still there (edits survive a switch)
    [editor] = at.data_editor
    assert editor.value[["序号", "状态", "延期原因", "填报月份"]].values.tolist() == [
        [1, "已完成", "", "2月"], [2, "进行中", "", "3月"], [3, "未开始", "", ""], [4, "已延期", "资金未到位", "4月"],
        [5, "进行中", "", "6月"]]
    key = f"plan-progress-{own_plan_id(plans_url)}-2022-6-0"
    at.session_state[key] = {"edited_rows": {1: {"状态": "已完成", "进展情况": "已验收"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert rows(plans_url, m.ImportBatch) == []  # nothing is saved before 保存
    at.button(key="plan-progress-save-0").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [batch] = rows(plans_url, m.ImportBatch)
    assert (batch["kind"], batch["file_name"], batch["user"]) == ("工作要点进展", "数据填报（工作要点进展 2022年6月）",
                                                                  "office")
    assert at.success[0].value.replace("\\", "").startswith(f"已保存为批次 #{batch['id']}：新增1项")
    # the cards count the new status at once, and the editor starts again from the stored values
    assert metrics(at)["已完成"] == "2项" and metrics(at)["进行中"] == "2项"
    assert at.data_editor[0].value.iloc[1][["状态", "进展情况", "填报月份"]].tolist() == ["已完成", "已验收", "6月"]


def test_an_unchanged_editor_writes_nothing(plans_url, monkeypatch):
    at = open_page(plans_url, monkeypatch, "office")
    at.button(key="plan-progress-save-0").click().run()
    assert not at.exception and not at.error
    assert at.info[0].value == "数据没有变化，未做任何更改"
    assert rows(plans_url, m.ImportBatch) == []


@pytest.mark.parametrize("user", ["leader", "admin"])
def test_others_see_no_editor(plans_url, monkeypatch, user):
    at = open_page(plans_url, monkeypatch, user)
    assert TAB not in [t.label for t in at.tabs]
    assert not at.data_editor
    assert metrics(at)["已完成"] == "1项"


def test_a_station_sees_no_editor(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, as_of="2022-10-31", user="mingshui").run()
    at.switch_page(PLANS).run()
    assert not at.exception
    assert TAB not in [t.label for t in at.tabs] and not at.data_editor


def test_the_editor_runs_on_the_demo_database(demo_url, monkeypatch):
    at = fresh_app(demo_url, monkeypatch, as_of="2022-10-31", user="office").run()
    at.switch_page(PLANS).run()
    assert not at.exception and not at.error
    assert TAB in [t.label for t in at.tabs] and len(at.data_editor) == 1
    assert len(at.data_editor[0].value) > 0
