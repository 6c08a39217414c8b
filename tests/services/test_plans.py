"""工作要点 figures on a small database built by hand: grouping by lead unit, carried-forward status, overdue,
reference plans left out, and a member unit's own view."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session

from db.engine import get_engine
from db.models import MemberUnit, PlanDocument, PlanTask, PlanTaskStatus, TaskUnit
from services import plans, reference_plans

D = dt.date
ISSUER = "本区市场监管局"
OTHER_ISSUER = "某区市场监督管理局"
COPY_ORIGIN = "内容取自某区2024年公开文件，年份为示例"
A, B, C, E, F = "区卫健委", "区教育局", "区商务局", "区食安办", "区城管委"
DD = "区民政局"
JUNE = {"year": 2022, "month": 6, "as_of": D(2022, 6, 15)}  # ref = 2022-06-15, before June's end


def build_plans(engine) -> None:
    """Two counted 2022 plans (6 tasks), a 2022 and a 2024 reference plan, and a 2021 plan.

    At 2022-06 with as_of 2022-06-15 (ref 06-15), by hand:
      own plan (issuer 本区市场监管局, no origin note):
        1 牵头 A, 配合 B          deadline 03-31  进行中(1月) → 已完成(2月)        carried: 已完成 from 2月
        2 负责 C and D           deadline 05-31  进行中(3月)                      进行中, overdue 15 days
        3 no units               deadline 12-31 (default)  no 2022 status (已完成 in 2021 only)  未开始, 199 days
        4 分别负责 C, 配合 A       deadline 07-10  已延期(4月, 资金未到位) → 已完成(7月)  已延期, due in 25 days
        5 牵头 A; 牵头 E; 负责 C  deadline 06-15  进行中(6月)                      进行中, due today (0 days)
      demo copy (issuer 某区市场监督管理局, origin 内容取自某区…年份为示例), of the 2024 reference plan:
        1 no units               deadline 04-30  进行中(5月)                      进行中, overdue 46 days
    Totals: 6 tasks — 未开始 1, 进行中 3, 已完成 1, 已延期 1; overdue 2; due within 30 days 2.
    By lead unit: A {1, 5}, C {2, 4}, D {2}, E {5}, 本区市场监管局 {3}, 某区市场监督管理局 {copy 1}: 8 > 6.
    """
    with Session(engine) as s:
        unit = {}
        for name in (A, B, C, DD, E, F):
            unit[name] = MemberUnit(name=name)
            s.add(unit[name])
        ref24 = PlanDocument(title="2024年某区工作要点", issuer=OTHER_ISSUER, jurisdiction="某区", year=2024,
                             origin_note="内容取自某区2024年公开文件，作参考，不计入统计", is_reference=True)
        ref22 = PlanDocument(title="2022年他区工作要点", issuer="他区市场监督管理局", jurisdiction="他区", year=2022,
                             origin_note="内容取自他区2022年公开文件，作参考，不计入统计", is_reference=True)
        old = PlanDocument(title="2021年工作要点", issuer=ISSUER, jurisdiction="本区", year=2021)
        own = PlanDocument(title="2022年工作要点", issuer=ISSUER, jurisdiction="本区", year=2022)
        s.add_all([ref24, ref22, old, own])
        s.flush()
        copy = PlanDocument(title="2024年某区工作要点", issuer=OTHER_ISSUER, jurisdiction="某区", year=2022,
                            origin_note=COPY_ORIGIN, is_demo=True, source_plan_id=ref24.id)
        s.add(copy)
        s.flush()

        def task(plan, number, deadline, default=False, is_demo=False):
            t = PlanTask(plan_id=plan.id, number=number, title=f"{plan.year}要点{number}", text=f"要点{number}正文",
                         deadline=deadline, deadline_kind="全年" if default else "日期", is_demo=is_demo)
            s.add(t)
            s.flush()
            return t

        def units(t, clause_no, role, *names):
            for name in names:
                s.add(TaskUnit(task_id=t.id, unit_id=unit[name].id, role=role, clause=f"（{role}）",
                               clause_no=clause_no))

        def status(t, month, value, year=2022, reason=None):
            s.add(PlanTaskStatus(task_id=t.id, year=year, month=month, status=value, delay_reason=reason,
                                 notes=f"{month}月进展"))

        t1 = task(own, 1, D(2022, 3, 31))
        units(t1, 1, "牵头", A)
        units(t1, 1, "配合", B)
        status(t1, 1, "进行中")
        status(t1, 2, "已完成")
        t2 = task(own, 2, D(2022, 5, 31))
        units(t2, 1, "负责", C, DD)
        status(t2, 3, "进行中")
        t3 = task(own, 3, D(2022, 12, 31), default=True)
        status(t3, 12, "已完成", year=2021)  # another year's report: not carried into 2022
        t4 = task(own, 4, D(2022, 7, 10))
        units(t4, 1, "分别负责", C)
        units(t4, 2, "配合", A)
        status(t4, 4, "已延期", reason="资金未到位")
        status(t4, 7, "已完成")  # after the selected month: not seen in June
        t5 = task(own, 5, D(2022, 6, 15))
        units(t5, 1, "牵头", A)
        units(t5, 2, "牵头", E)
        units(t5, 3, "负责", C)
        status(t5, 6, "进行中")
        c1 = task(copy, 1, D(2022, 4, 30), is_demo=True)
        status(c1, 5, "进行中")
        # Rows that must never be counted in 2022: reference plans (even of 2022) and another year's plan.
        for plan in (ref24, ref22, old):
            r = task(plan, 1, D(plan.year, 1, 31))
            units(r, 1, "牵头", F)
            status(r, 1, "已延期", year=2022, reason="参考文件")
        task(ref24, 2, D(2024, 12, 31), default=True)
        s.commit()


@pytest.fixture
def db_with_two_plans(engine):
    build_plans(engine)
    return engine


def run(engine, fn, **kw):
    with Session(engine) as s:
        return getattr(plans, fn)(session=s, **kw)


def counts(df: pd.DataFrame, key: str) -> dict:
    cols = ["n_tasks", "n_not_started", "n_in_progress", "n_done", "n_delayed", "n_overdue", "n_due_30d"]
    return {row[key]: tuple(int(row[c]) for c in cols) for _, row in df.iterrows()}


def test_totals_count_each_task_once(db_with_two_plans):
    t = run(db_with_two_plans, "totals", **JUNE).iloc[0]
    assert (t["n_plans"], t["n_tasks"], t["n_not_started"], t["n_in_progress"], t["n_done"], t["n_delayed"],
            t["n_overdue"], t["n_due_30d"]) == (2, 6, 1, 3, 1, 1, 2, 2)
    assert t["next_deadline"] == D(2022, 6, 15) and t["ref"] == D(2022, 6, 15)
    assert t["done_rate"] == pytest.approx(1 / 6)


def test_plan_summary_counts_by_plan_with_origin(db_with_two_plans):
    df = run(db_with_two_plans, "plan_summary", **JUNE)
    assert list(df["plan"]) == ["2022年工作要点", "2024年某区工作要点"]
    assert list(df["origin"]) == ["本区文件", COPY_ORIGIN]
    assert list(df["is_demo"]) == [False, True]
    assert counts(df, "plan") == {"2022年工作要点": (5, 1, 2, 1, 1, 1, 2), "2024年某区工作要点": (1, 0, 1, 0, 0, 1, 0)}


def test_unit_summary_follows_the_grouping_rule(db_with_two_plans):
    df = run(db_with_two_plans, "unit_summary", **JUNE)
    #                  tasks 未开始 进行中 已完成 已延期 overdue due30
    assert counts(df, "unit") == {
        A: (2, 0, 1, 1, 0, 0, 1),  # 1 (牵头, B 配合 is not counted) and 5 (牵头 with E; C 负责 is not counted)
        C: (2, 0, 1, 0, 1, 1, 1),  # 2 (负责 with D) and 4 (分别负责; A 配合 is not counted)
        DD: (1, 0, 1, 0, 0, 1, 0),
        E: (1, 0, 1, 0, 0, 0, 1),
        ISSUER: (1, 1, 0, 0, 0, 0, 0),  # task 3 names no unit
        OTHER_ISSUER: (1, 0, 1, 0, 0, 1, 0),
    }
    assert B not in set(df["unit"]) and F not in set(df["unit"])
    kinds = dict(zip(df["unit"], df["kind"], strict=True))
    assert kinds[ISSUER] == kinds[OTHER_ISSUER] == "发文单位" and kinds[A] == "成员单位"
    assert df["n_tasks"].sum() == 8  # task 2 under C and D, task 5 under A and E: more than the 6 tasks
    assert list(df["unit"][:2]) == sorted([A, C])  # most tasks first


def test_plan_tasks_carry_status_forward_and_flag_overdue(db_with_two_plans):
    df = run(db_with_two_plans, "plan_tasks", **JUNE)
    assert len(df) == 6
    rows = {(r.plan, r.number): r for r in df.itertuples()}
    own, copy = "2022年工作要点", "2024年某区工作要点"
    got = {k: (r.status, None if pd.isna(r.status_month) else int(r.status_month), bool(r.overdue),
               int(r.days_to_deadline), r.lead_units, r.co_units) for k, r in rows.items()}
    assert got == {
        (own, 1): ("已完成", 2, False, -76, A, B),
        (own, 2): ("进行中", 3, True, -15, f"{C}、{DD}", ""),
        (own, 3): ("未开始", None, False, 199, ISSUER, ""),
        (own, 4): ("已延期", 4, False, 25, C, A),
        (own, 5): ("进行中", 6, False, 0, f"{A}、{E}", ""),
        (copy, 1): ("进行中", 5, True, -46, OTHER_ISSUER, ""),
    }
    assert rows[(own, 4)].delay_reason == "资金未到位"
    assert (rows[(own, 3)].deadline_kind, rows[(own, 3)].deadline_label) == ("全年", "全年")
    assert (rows[(own, 1)].deadline_kind, rows[(own, 1)].deadline_label) == ("日期", "2022年3月31日")
    # Shown: 逾期未完成 for the overdue ones (task 2, and the copy's 1), else the recorded status.
    assert rows[(own, 2)].shown_status == "逾期未完成" and rows[(own, 4)].shown_status == "已延期"
    assert rows[(copy, 1)].origin == COPY_ORIGIN and rows[(copy, 1)].is_demo
    assert set(df["role"]) == {""}  # no unit chosen: no role column to fill


def test_status_in_an_earlier_and_a_later_month(db_with_two_plans):
    jan = run(db_with_two_plans, "totals", year=2022, month=1, as_of=D(2022, 6, 15)).iloc[0]
    # January: only task 1 had reported (进行中); nothing was due yet (ref 01-31).
    assert (jan["n_tasks"], jan["n_not_started"], jan["n_in_progress"], jan["n_overdue"]) == (6, 5, 1, 0)
    july = run(db_with_two_plans, "plan_tasks", year=2022, month=7, as_of=D(2022, 7, 31))
    status = {(r.plan, r.number): r.status for r in july.itertuples()}
    assert status[("2022年工作要点", 4)] == "已完成" and status[("2024年某区工作要点", 1)] == "进行中"
    assert run(db_with_two_plans, "delays", year=2022, month=7, as_of=D(2022, 7, 31)).empty


def test_overdue_uses_the_earlier_of_month_end_and_as_of(db_with_two_plans):
    # as_of 06-30: task 5 (deadline 06-15, still 进行中) is now past its deadline too.
    t = run(db_with_two_plans, "totals", year=2022, month=6, as_of=D(2022, 6, 30)).iloc[0]
    assert t["n_overdue"] == 3
    df = run(db_with_two_plans, "overdue", **JUNE)
    assert list(zip(df["plan"], df["number"], df["overdue_days"], strict=True)) == [
        ("2024年某区工作要点", 1, 46), ("2022年工作要点", 2, 15)]  # longest overdue first


def test_upcoming_and_delays(db_with_two_plans):
    up = run(db_with_two_plans, "upcoming", days=30, **JUNE)
    assert list(zip(up["number"], up["days_to_deadline"], strict=True)) == [(5, 0), (4, 25)]
    assert run(db_with_two_plans, "upcoming", days=200, **JUNE)["number"].tolist() == [5, 4, 3]  # 1 is done
    assert run(db_with_two_plans, "upcoming", days=30, limit=1, **JUNE).attrs["truncated"] is True
    delayed = run(db_with_two_plans, "delays", **JUNE)
    assert list(zip(delayed["number"], delayed["delay_reason"], strict=True)) == [(4, "资金未到位")]


def test_reference_plans_are_listed_not_counted(db_with_two_plans):
    with Session(db_with_two_plans) as s:
        ref = reference_plans.reference_plans(session=s)
        points = reference_plans.reference_tasks(session=s, plan_id=int(ref["plan_id"].iloc[0]))
    assert list(ref["plan"]) == ["2024年某区工作要点", "2022年他区工作要点"]
    assert list(ref["label"]) == ["参考：某区2024年工作要点", "参考：他区2022年工作要点"]
    assert list(ref["n_tasks"]) == [2, 1]
    assert list(points["deadline_label"]) == ["2024年1月31日", "全年"] and set(points["label"]) == {"参考：某区2024年工作要点"}
    assert ref["origin"].iloc[0] == "内容取自某区2024年公开文件，作参考，不计入统计"
    # The 2022 reference plan's task (牵头 F, 已延期) shows nowhere in 2022's figures.
    assert F not in set(run(db_with_two_plans, "units", year=2022)["unit"])
    assert "参考文件" not in set(run(db_with_two_plans, "plan_tasks", **JUNE)["delay_reason"].dropna())


def test_units_lists_every_named_unit_and_issuer(db_with_two_plans):
    df = run(db_with_two_plans, "units", year=2022)
    assert dict(zip(df["unit"], df["n_tasks"], strict=True)) == {
        A: 3, C: 3, B: 1, DD: 1, E: 1, ISSUER: 1, OTHER_ISSUER: 1}  # A: 1, 4 (配合), 5; C: 2, 4, 5 (负责)


def test_unit_filter_gives_a_member_unit_its_own_view(db_with_two_plans):
    mine = run(db_with_two_plans, "plan_tasks", unit=A, **JUNE)
    assert list(zip(mine["number"], mine["role"], strict=True)) == [(1, "牵头"), (4, "配合"), (5, "牵头")]
    t = run(db_with_two_plans, "totals", unit=A, **JUNE).iloc[0]
    assert (t["n_tasks"], t["n_done"], t["n_delayed"], t["n_in_progress"], t["n_overdue"], t["n_due_30d"]) == (
        3, 1, 1, 1, 0, 2)
    co = run(db_with_two_plans, "plan_tasks", unit=B, **JUNE)
    assert list(zip(co["number"], co["role"], co["lead_units"], strict=True)) == [(1, "配合", A)]
    issuer = run(db_with_two_plans, "plan_tasks", unit=ISSUER, **JUNE)
    assert list(zip(issuer["number"], issuer["role"], strict=True)) == [(3, "发文单位")]
    c = run(db_with_two_plans, "plan_tasks", unit=C, **JUNE)
    assert list(zip(c["number"], c["role"], strict=True)) == [(2, "负责"), (4, "分别负责"), (5, "负责")]
    by_plan = run(db_with_two_plans, "plan_summary", unit=A, **JUNE)
    assert counts(by_plan, "plan") == {"2022年工作要点": (3, 0, 1, 1, 1, 0, 2)}
    # Within A's view the lead-unit table groups A's tasks by their own lead units: 1 and 5 under A, 4 under C.
    assert counts(run(db_with_two_plans, "unit_summary", unit=A, **JUNE), "unit") == {
        A: (2, 0, 1, 1, 0, 0, 1), E: (1, 0, 1, 0, 0, 0, 1), C: (1, 0, 0, 0, 1, 0, 1)}
    assert run(db_with_two_plans, "plan_tasks", unit="没有这个单位", **JUNE).empty


def test_a_year_without_plans_reads_zero(db_with_two_plans):
    t = run(db_with_two_plans, "totals", year=2023, month=3, as_of=D(2023, 3, 31)).iloc[0]
    assert t["n_tasks"] == 0 and t["n_plans"] == 0 and pd.isna(t["done_rate"])
    assert run(db_with_two_plans, "plan_summary", year=2023, month=3, as_of=D(2023, 3, 31)).empty
    assert run(db_with_two_plans, "plan_tasks", year=2023, month=3, as_of=D(2023, 3, 31)).empty


def test_same_figures_on_each_database(db_url):
    """The union, the carried-forward join and the counts read the same on SQLite and PostgreSQL."""
    engine = get_engine(db_url)
    build_plans(engine)
    t = run(engine, "totals", **JUNE).iloc[0]
    assert (t["n_tasks"], t["n_in_progress"], t["n_overdue"], t["n_due_30d"]) == (6, 3, 2, 2)
    assert run(engine, "unit_summary", **JUNE)["n_tasks"].sum() == 8
    mine = run(engine, "plan_tasks", unit=A, **JUNE)
    assert list(mine["role"]) == ["牵头", "配合", "牵头"]
    assert list(run(engine, "plan_tasks", **JUNE)["overdue"]) == [False, True, False, False, False, True]
