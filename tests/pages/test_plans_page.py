"""工作要点 page through app.py: the demo database's counts against SQL counted by hand, the member-unit view, and
the exact words on a small hand-built database."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import Session

from components import views
from db.engine import dispose_engines, get_engine
from tests.pages.conftest import fresh_app, open_tab
from tests.services.test_plans import COPY_ORIGIN, OTHER_ISSUER, A

pytestmark = pytest.mark.covered_on_pg  # its reads run on PostgreSQL in test_roles and the services' tests

ROOT = Path(__file__).resolve().parents[2]
TAB_KEY = "plan_tab"  # app_pages/plans.py: its lazy tabs


def plans_page() -> str:
    """The path app.py registers the 工作要点 page under."""
    path = "app_pages/plans.py"
    assert f'"{path}"' in (ROOT / "app.py").read_text(encoding="utf-8"), "app.py does not register the 工作要点 page"
    return path


def open_page(url: str, monkeypatch, *, as_of: str, unit: str | None = None):
    at = fresh_app(url, monkeypatch, as_of=as_of)
    if unit:
        at.query_params["unit"] = unit
    at.run()
    at.switch_page(plans_page()).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at, column: str, tab: str | None = None) -> pd.DataFrame:
    """The first table with this column in `tab`, else in whichever tab holds one: the page's tabs are lazy (only the
    open one is drawn), so each is opened in turn as a click would."""
    labels = [tab] if tab else [t.label for t in at.tabs]
    for label in labels:
        open_tab(at, label, key=TAB_KEY)
        found = [d.value for d in at.dataframe if column in d.value.columns]
        if found:
            return found[0]
    raise AssertionError(f"no table with a {column} column in any tab ({labels})")


def test_only_the_open_tab_is_drawn(demo_url, monkeypatch):
    at = open_page(demo_url, monkeypatch, as_of="2022-10-31")
    tabs = [t.label for t in at.tabs]
    assert tabs[0] == "要点清单" and len(tabs) >= 9
    shown = {c for d in at.dataframe for c in d.value.columns}
    assert "进展" in shown and "来源" not in shown  # the task list, not the by-plan summary of 按文件
    open_tab(at, "按文件", key=TAB_KEY)
    shown = {c for d in at.dataframe for c in d.value.columns}
    assert "来源" in shown and "进展" not in shown


# --- the demo database (2022-10, 7 示例 copies counted, 7 reference originals not) ----------------------------

# Each task's status: the row for the latest month ≤ 10 of 2022, else 未开始; counted plans only.
STATUS_SQL = """
SELECT t.id, d.title, t.number, t.deadline, COALESCE(s.status, '未开始') AS status
FROM plan_task t
JOIN plan_document d ON d.id = t.plan_id AND d.year = 2022 AND d.is_reference = false
LEFT JOIN plan_task_status s ON s.task_id = t.id AND s.year = 2022 AND s.month = (
    SELECT MAX(s2.month) FROM plan_task_status s2 WHERE s2.task_id = t.id AND s2.year = 2022 AND s2.month <= 10)
"""
UNIT_SQL = """
SELECT DISTINCT d.title, t.number
FROM plan_task t
JOIN plan_document d ON d.id = t.plan_id AND d.year = 2022 AND d.is_reference = false
JOIN task_unit tu ON tu.task_id = t.id
JOIN member_unit u ON u.id = tu.unit_id AND u.name = :unit
"""


def by_hand(url: str) -> pd.DataFrame:
    with Session(get_engine(url)) as s:
        rows = s.connection().execute(text(STATUS_SQL)).fetchall()
    dispose_engines()
    return pd.DataFrame(rows, columns=["id", "plan", "number", "deadline", "status"])


def test_demo_counts_match_sql(demo_url, monkeypatch):
    tasks = by_hand(demo_url)
    assert len(tasks) == 6  # 章丘's own 2022 plan (seeds/004 二(一)…(六)); the 105 reference points never counted
    n = tasks["status"].value_counts()
    deadline = pd.to_datetime(tasks["deadline"])  # text on SQLite, a date on PostgreSQL
    overdue = ((deadline < pd.Timestamp("2022-10-31")) & (tasks["status"] != "已完成")).sum()
    at = open_page(demo_url, monkeypatch, as_of="2022-10-31")
    assert metrics(at) == {"任务总数": "6项", "已完成": f"{n.get('已完成', 0)}项", "进行中": f"{n.get('进行中', 0)}项",
                           "已延期": f"{n.get('已延期', 0)}项", "逾期未完成": f"{overdue}项"}
    assert n.get("已延期", 0) > 0 and n.get("已完成", 0) > 0  # the demo's generated progress is there
    by_plan = table_with(at, "来源")
    assert list(by_plan["要点数"]) == [6] and list(by_plan["来源"]) == ["本区文件"]
    open_tab(at, "参考文件", key=TAB_KEY)
    labels = [e.label for e in at.expander if e.label.startswith("参考：")]
    assert "参考：南开区2024年工作要点：南开区2024年食品安全监督管理计划（23项）" in labels and len(labels) == 7
    listed = table_with(at, "进展")
    assert len(listed) == 6 and set(listed["完成时限"]) == {"2022年11月30日（依据：三(二)）"}
    # worst first: nothing is overdue on 10-31 (every deadline is 11-30), so the 已延期 open the list, 已完成 close it
    order = ["逾期未完成", "已延期", "进行中", "未开始", "已完成"]
    shown = listed["状态"].tolist()
    assert shown == sorted(shown, key=order.index) and shown[0] == "已延期" and shown[-1] == "已完成"
    assert shown.count("已延期") == n.get("已延期", 0)
    # the 详情 box under the list shows the first row's full text, as stored
    with Session(get_engine(demo_url)) as s:
        full = s.connection().execute(text("SELECT text FROM plan_task t JOIN plan_document d ON d.id = t.plan_id "
                                           "WHERE d.title = :plan AND t.number = :no"),
                                      {"plan": listed.iloc[0]["文件"], "no": int(listed.iloc[0]["序号"])}).scalar_one()
    dispose_engines()
    assert len(full) > 40 and at.selectbox(key="task-list-detail").index == 0
    assert any(md.value.replace("\\", "") == full.replace("\\", "") for md in at.markdown)
    assert len(table_with(at, "延期原因", tab="延期原因").query("状态 == '已延期'")) == n.get("已延期", 0)
    schedule = table_with(at, "填报状态", tab="配档表")
    assert len(schedule) == 7  # the 配档表 of 2022: seven rows


def test_demo_unit_view_shows_only_that_units_tasks(demo_url, monkeypatch):
    unit = "各监管所"
    with Session(get_engine(demo_url)) as s:
        expected = {(t, int(no)) for t, no in s.connection().execute(text(UNIT_SQL), {"unit": unit}).fetchall()}
    dispose_engines()
    assert len(expected) == 6
    at = open_page(demo_url, monkeypatch, as_of="2022-10-31")
    at.selectbox(key="unit").select(unit).run()
    assert not at.exception
    listed = table_with(at, "进展")
    assert {(r["文件"], int(r["序号"])) for _, r in listed.iterrows()} == expected
    assert len(listed) == 6 and set(listed["本单位职责"]) == {"落实"}
    assert metrics(at)["任务总数"] == "6项"
    assert f"成员单位视图：{unit}——只计它以任何身份参与的要点。" in [c.value for c in at.caption]


# --- a small database built by hand (tests/services/test_plans.py: 6 tasks at 2022-06-15) --------------------------


def test_small_database_exact_words(plans_url, monkeypatch):
    at = open_page(plans_url, monkeypatch, as_of="2022-06-15")
    assert metrics(at) == {"任务总数": "6项", "已完成": "1项", "进行中": "3项", "已延期": "1项", "逾期未完成": "2项"}
    captions = [c.value for c in at.caption]
    assert ("2022年6月｜状态取当月或此前最近一次填报，从未填报的计为未开始；完成时限已过（截至2022年6月15日）仍未完成的显示为"
            "逾期未完成（含已延期）；长期、未定期限的要点不计逾期。其他地区的参考文件不计入统计。") in captions
    assert not at.warning  # no 示例 activity in the register: no banner

    by_plan = table_with(at, "来源")
    assert by_plan.to_dict("records") == [
        {"文件": "2022年工作要点", "发文单位": "本区市场监管局", "要点数": 5, "未开始": 1, "进行中": 2, "已完成": 1, "已延期": 1,
         "逾期": 1, "30天内到期": 2, "完成率": 20.0, "来源": "本区文件"},
        {"文件": "2024年某区工作要点", "发文单位": OTHER_ISSUER, "要点数": 1, "未开始": 0, "进行中": 1, "已完成": 0,
         "已延期": 0, "逾期": 1, "30天内到期": 0, "完成率": 0.0, "来源": COPY_ORIGIN},
    ]
    by_unit = table_with(at, "类别")
    assert dict(zip(by_unit["牵头单位"], by_unit["要点数"], strict=True)) == {
        "区卫健委": 2, "区商务局": 2, "区民政局": 1, "区食安办": 1, "本区市场监管局": 1, OTHER_ISSUER: 1}

    overdue = table_with(at, "逾期天数")
    assert overdue[["文件", "序号", "牵头单位", "逾期天数", "状态"]].to_dict("records") == [
        {"文件": "2024年某区工作要点", "序号": 1, "牵头单位": OTHER_ISSUER, "逾期天数": 46, "状态": "逾期未完成"},
        {"文件": "2022年工作要点", "序号": 2, "牵头单位": "区商务局、区民政局", "逾期天数": 15, "状态": "逾期未完成"},
    ]
    assert [b.label for b in at.download_button] == ["下载逾期任务（Excel）"]
    upcoming = table_with(at, "剩余天数")
    # status first (已延期 before 进行中), then the nearest deadline
    assert list(zip(upcoming["序号"], upcoming["状态"], upcoming["剩余天数"], upcoming["完成时限"], strict=True)) == [
        (4, "已延期", 25, "2022年7月10日"), (5, "进行中", 0, "2022年6月15日")]
    delays = table_with(at, "延期原因", tab="延期原因").query("状态 == '已延期'")
    assert delays[["序号", "延期原因", "填报月份"]].to_dict("records") == [{"序号": 4, "延期原因": "资金未到位", "填报月份": "4月"}]
    open_tab(at, "参考文件", key=TAB_KEY)
    assert [e.label for e in at.expander if e.label.startswith("参考：")] == ["参考：某区2024年工作要点：2024年某区工作要点（2项）",
                                             "参考：他区2022年工作要点：2022年他区工作要点（1项）"]


def test_small_database_unit_view_from_the_url(plans_url, monkeypatch):
    at = open_page(plans_url, monkeypatch, as_of="2022-06-15", unit=A)
    assert at.selectbox(key="unit").value == A
    assert metrics(at) == {"任务总数": "3项", "已完成": "1项", "进行中": "1项", "已延期": "1项", "逾期未完成": "0项"}
    listed = table_with(at, "进展")
    # worst first: 4 (已延期), then 5 (进行中, due 6-15), then 1 (已完成)
    assert list(zip(listed["序号"], listed["状态"], listed["本单位职责"], listed["牵头单位"], strict=True)) == [
        (4, "已延期", "配合", "区商务局"), (5, "进行中", "牵头", "区卫健委、区食安办"), (1, "已完成", "牵头", "区卫健委")]
    open_tab(at, "逾期未完成", key=TAB_KEY)
    assert not at.download_button  # no overdue task of A's: nothing to download
    assert "没有逾期未完成的要点。" in [c.value for c in at.caption]


def test_overdue_workbook_keeps_text_and_dates():
    view = pd.DataFrame({"要点": ["=SUM(1,2)"], "完成时限": [dt.date(2022, 5, 31)], "逾期天数": [15]})
    ws = openpyxl.load_workbook(io.BytesIO(views.xlsx_bytes(view, sheet="逾期任务")))["逾期任务"]
    assert [c.value for c in ws[1]] == ["要点", "完成时限", "逾期天数"]
    assert ws["A2"].value == "=SUM(1,2)" and ws["A2"].data_type == "s"  # text, never a formula
    assert ws["B2"].value.date() == dt.date(2022, 5, 31) and ws["B2"].number_format == 'yyyy"年"m"月"d"日"'
    assert ws["C2"].value == 15
