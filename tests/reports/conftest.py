"""A small hand-built database for the meeting pack, and the pack generated from it once per module."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from db.engine import dispose_engines, get_engine, set_setting
from db.models import MemberUnit, PlanDocument, PlanTask, PlanTaskStatus, TaskUnit
from tests import dbs
from tests.pages import conftest as pages

D = dt.date
FORMULA_UNIT = "=SUM(A1)"  # a member unit whose name a spreadsheet would read as a formula


def build_small(url: str) -> None:
    """tests/pages/conftest.py's small database (98 of 126 done at 2022-10) and one 2022 plan of two tasks.

    By hand, at 2022-10 (as_of 2022-10-31): time progress 304/365 = 83.3%; 明水所 80/100 = 80.0% (lag −3.3,
    amber), 双山所 18/26 = 69.2% (lag −14.1, red), district 98/126 = 77.8% (lag −5.5). KPI 90% against 95% → lag
    −5.0. 包保: 3 businesses all assigned, 1 of 3 visited this quarter (33.3%), quarter progress 31/92 = 33.7%, one
    overdue problem. Plan: task 1 led by "=SUM(A1)", due 2022-09-30, 进行中 → overdue 31 days; task 2 led by
    区卫健委, due 2022-06-30, 已完成. So 2 tasks, 1 done, 1 overdue (=SUM(A1)).
    """
    pages.build_small(url)
    engine = get_engine(url)
    with Session(engine) as s:
        formula, health = MemberUnit(name=FORMULA_UNIT), MemberUnit(name="区卫健委")
        plan = PlanDocument(title="2022年工作要点", issuer="章丘区市场监督管理局", jurisdiction="章丘区", year=2022)
        s.add_all([formula, health, plan])
        s.flush()
        t1 = PlanTask(plan_id=plan.id, number=1, title="落实进货查验制度", text="正文", deadline=D(2022, 9, 30),
                       deadline_kind="日期")
        t2 = PlanTask(plan_id=plan.id, number=2, title="开展校园食品安全检查", text="正文", deadline=D(2022, 6, 30),
                       deadline_kind="日期")
        s.add_all([t1, t2])
        s.flush()
        s.add(TaskUnit(task_id=t1.id, unit_id=formula.id, role="牵头", clause="（牵头）", clause_no=1))
        s.add(TaskUnit(task_id=t2.id, unit_id=health.id, role="牵头", clause="（牵头）", clause_no=1))
        s.add(PlanTaskStatus(task_id=t1.id, year=2022, month=9, status="进行中"))
        s.add(PlanTaskStatus(task_id=t2.id, year=2022, month=6, status="已完成"))
        set_setting(s, "as_of", "2022-10-31")
        s.commit()
    dispose_engines()


@pytest.fixture(scope="module")
def pack_db(tmp_path_factory):
    url = dbs.new_url(tmp_path_factory.mktemp("pack"), "small.db")
    build_small(url)
    yield get_engine(url)
    dispose_engines()
