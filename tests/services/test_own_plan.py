"""章丘区's own 2022 work plan (seeds/004) as the importer loads it from seed/data: its six 重点任务 with the units of
四(一), its phases, its 配档表 with statuses shown; deadlines read from the text; the reference plans never counted;
and the briefing's overdue line never saying 无逾期 while a task is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from db import models as m
from db.engine import get_engine
from reports.briefing_sections import NO_OVERDUE, plan_section
from seed.importer import import_paths
from seed.plans import deadline_in
from services import plans, reference_plans
from services.metrics import tasks as task_metrics
from services.rules.plan_status import shown_status
from tests.seed.fixtures import SEED_DATA

D = dt.date
OCT = {"year": 2022, "month": 10, "as_of": D(2022, 10, 31)}
UNITS = "食品生产监管科（统筹）、各监管所（落实）"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from sqlalchemy import text
    from sqlmodel import SQLModel

    eng = get_engine(f"sqlite:///{tmp_path_factory.mktemp('own') / 'seed.db'}")
    SQLModel.metadata.create_all(eng)
    with eng.begin() as c:
        c.execute(text("INSERT INTO data_version (id, version) VALUES (1, 0)"))
    report = import_paths(sorted(SEED_DATA.glob("*.xlsx")), engine=eng)
    assert report.exit_code == 0, [f.line() for f in report.errors]
    yield eng
    eng.dispose()


@pytest.mark.parametrize(("text", "date", "kind"), [
    ("2022年12月底前完成", D(2022, 12, 31), "日期"),
    ("4月~6月", D(2022, 6, 30), "日期"),
    ("2022年4月~6月", D(2022, 6, 30), "日期"),
    ("2022年3月至11月底", D(2022, 11, 30), "日期"),
    ("全年开展监督抽检", D(2022, 12, 31), "全年"),
    ("长期坚持", None, "长期"),
    ("持续推进“清洁厨房”建设", None, "长期"),
    ("开展常态化监管", None, "长期"),
    ("强化日常监管，提高问题发现率。", None, "未定"),  # no silent 12-31
])
def test_deadline_from_the_text(text, date, kind):
    got = deadline_in(text, 2022)
    assert (got.date, got.kind) == (date, kind)


def test_status_shown():
    ref = D(2022, 10, 31)
    assert shown_status("已延期", D(2022, 6, 30), ref) == "逾期未完成"  # past its deadline: not 已延期 any more
    assert shown_status("已延期", D(2022, 11, 30), ref) == "已延期"
    assert shown_status("进行中", D(2022, 10, 31), ref) == "进行中"  # the deadline day itself is not past
    assert shown_status("已完成", D(2022, 6, 30), ref) == "已完成"
    assert shown_status(None, None, ref) == "未开始"  # 长期 / 未定: never overdue
    assert shown_status("进行中", None, ref) == "进行中"


def test_six_tasks_of_the_own_plan_with_units_and_phase(seeded):
    df = plans.plan_tasks(session=Session(seeded), **OCT)
    assert list(df["label"]) == ["二(一)", "二(二)", "二(三)", "二(四)", "二(五)", "二(六)"]
    assert set(df["plan"]) == {"关于落实三年行动计划深入开展食品小作坊监管提升的意见"}
    assert set(df["jurisdiction"]) == {"章丘区"}
    assert list(df["title"])[2] == "突出智慧监管，创新实施远程视频监管系统"
    assert set(df["units"]) == {UNITS} and set(df["lead_units"]) == {"食品生产监管科"}
    assert set(df["deadline"]) == {D(2022, 11, 30)} and set(df["deadline_label"]) == {"2022年11月30日（依据：三(二)）"}
    assert not df["overdue"].any()
    with Session(seeded) as s:
        doc = s.exec(select(m.PlanDocument).where(m.PlanDocument.jurisdiction == "章丘区")).one()
        assert (doc.issuer, doc.doc_number, doc.year, doc.is_reference) == (
            "济南市章丘区市场监督管理局", "章市监管发〔2022〕9号", 2022, False)
        task = s.exec(select(m.PlanTask).where(m.PlanTask.plan_id == doc.id, m.PlanTask.number == 4)).one()
        assert task.text.startswith("突出标准化监管，健全长效机制。要建立无证黑窝点常态化摸排机制")
        assert task.src_sheet == "重点任务" and task.src_row == 7  # lineage: the sheet's 4th task row


def test_phases_of_the_own_plan(seeded):
    got = [(p.label, p.name, p.start, p.end) for p in plans.phases(session=Session(seeded), year=2022)]
    assert got == [("三(一)", "动员部署阶段", D(2022, 2, 1), D(2022, 2, 28)),
                   ("三(二)", "专项整治及监管提升阶段", D(2022, 3, 1), D(2022, 11, 30)),
                   ("三(三)", "督导考核阶段", D(2022, 12, 1), D(2022, 12, 31))]
    assert plans.phases(session=Session(seeded), year=2024) == []  # reference plans have none counted


def test_reference_plans_never_counted(seeded):
    t = plans.totals(session=Session(seeded), **OCT).iloc[0]
    assert (t["n_plans"], t["n_tasks"]) == (1, 6)  # 章丘's own plan only, not the 105 reference points
    assert plans.totals(session=Session(seeded), year=2024, month=10, as_of=D(2024, 10, 31)).iloc[0]["n_tasks"] == 0
    assert plans.overdue(session=Session(seeded), year=2024, month=12, as_of=D(2024, 12, 31)).empty
    units = set(plans.units(session=Session(seeded), year=2022)["unit"])
    assert units == {"食品生产监管科", "各监管所"}
    ref = reference_plans.reference_plans(session=Session(seeded))
    assert "参考：南开区2024年工作要点" in set(ref["label"]) and set(ref["year"]) == {2024}
    assert int(ref["n_tasks"].sum()) == 105


def test_schedule_rows_of_the_own_plan_and_their_status(seeded):
    df = task_metrics.schedule(session=Session(seeded), year=2022, as_of=D(2022, 10, 31))
    with Session(seeded) as s:
        own = s.exec(select(m.PlanDocument.id).where(m.PlanDocument.jurisdiction == "章丘区")).one()
    assert set(df["plan_id"]) == {own}
    status = dict(zip(df["time_text"], df["status"], strict=True))
    # Nothing recorded 已完成: every ended window is 逾期未完成 — never "已到期" nor green.
    assert status["2022年4月~6月"] == "逾期未完成"
    assert status["2022年10月~11月"] == "进行中" and status["2022年12月底前"] == "未开始"
    assert int(df["overdue"].sum()) == 5


def test_no_overdue_line_claims_none_while_a_task_is_overdue(seeded):
    with Session(seeded) as s:
        task = s.exec(select(m.PlanTask).where(m.PlanTask.label == "二(三)")).one()
        s.add(m.PlanTaskStatus(task_id=task.id, year=2022, month=11, status="已延期", delay_reason="设备未到货"))
        s.commit()
    kw = {"year": 2022, "month": 12, "as_of": D(2022, 12, 31)}
    overdue = plans.overdue(session=Session(seeded), **kw)
    assert list(overdue["label"]) == ["二(一)", "二(二)", "二(三)", "二(四)", "二(五)", "二(六)"]
    assert set(overdue["shown_status"]) == {"逾期未完成"}
    text = "\n".join(_plan_lines(seeded, **kw))
    assert NO_OVERDUE not in text and "逾期未完成6项" in text
    # In October nothing of the plan was due yet (deadline 11-30); the 配档表's 8月~9月 window is overdue, so the
    # briefing still never says 无逾期.
    assert NO_OVERDUE not in "\n".join(_plan_lines(seeded, **OCT))


def _plan_lines(engine, *, year: int, month: int, as_of: dt.date) -> list[str]:
    """The briefing's 工作要点与配档表 lines for the seeded own plan (own plan and 配档表 with their shown status)."""
    from types import SimpleNamespace

    with Session(engine) as s:
        own = plans.plan_tasks(session=s, year=year, month=month, as_of=as_of)
        sched = task_metrics.schedule(session=s, year=year, as_of=as_of, month=month)
    f = SimpleNamespace(as_of=as_of, district_name="章丘区", own_plan=own.assign(shown=own["shown_status"]),
                        schedule=sched.assign(shown=sched["status"]))
    return plan_section(f, year=year, month=month)
