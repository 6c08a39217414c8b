"""工作要点进展 entered by the office (services.plan_entry) on the hand-built plans of tests/services/test_plans.py, on SQLite and
PostgreSQL: other roles are refused, a bad status is refused with the importer's words and nothing is written, a good
save is one batch that moves the 工作要点 counts and data_version, and undoing it restores every row exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest
from sqlmodel import Session, select

from db import models as m
from db.authstore import auth_session
from db.changelog import row_to_dict
from db.engine import data_version, get_engine
from seed.importer import undo_batch
from services import entry, plan_entry, plans
from services.rules.viewer import NOBODY, SYSTEM, Viewer
from tests.services.test_plans import build_plans

D = dt.date
YEAR, MONTH = 2022, 6
TODAY = D(2022, 6, 15)
PLAN = "2022年工作要点"

OFFICE = Viewer(username="office", role="食安办", station_id=None)
LEADER = Viewer(username="leader", role="领导", station_id=None)
STATION = Viewer(username="mingshui", role="监管所", station_id=1)
ADMIN = Viewer(username="admin", role="管理员", station_id=None)
KIOSK = Viewer(username=None, role="kiosk", station_id=None)


@pytest.fixture
def engine(db_url):
    engine = get_engine(db_url)
    build_plans(engine)
    return engine


def task_ids(engine) -> dict[tuple[str, int], int]:
    """(plan title, number) → task id, for the counted 2022 plans and the reference ones alike."""
    with Session(engine) as s:
        rows = s.exec(select(m.PlanDocument.title, m.PlanDocument.year, m.PlanTask.number, m.PlanTask.id)
                      .join(m.PlanTask, m.PlanTask.plan_id == m.PlanDocument.id)).all()
    return {(f"{title}@{year}" if title != PLAN else title, number): tid for title, year, number, tid in rows}


def own_plan_id(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(m.PlanDocument.id).where(m.PlanDocument.title == PLAN)).one()


def snapshot(engine) -> dict:
    tables = (m.PlanTaskStatus, m.ImportBatch, m.ImportChange)

    def rows(s: Session, t) -> list[dict]:
        return sorted((row_to_dict(r) for r in s.exec(select(t)).all()), key=lambda d: d["id"])

    with Session(engine) as s:
        out = {t.__tablename__: rows(s, t) for t in tables}
    with auth_session(engine) as a:  # the audit log lives in the auth store
        out["audit_log"] = rows(a, m.AuditLog)
    out["data_version"] = data_version(engine)
    return out


def counts(engine) -> dict[str, int]:
    """The 工作要点 cards' figures (services.plans.totals) at 2022-06."""
    with Session(engine) as s:
        row = plans.totals(session=s, year=YEAR, month=MONTH, as_of=TODAY).iloc[0]
    return {k: int(row[k]) for k in ("n_tasks", "n_not_started", "n_in_progress", "n_done", "n_delayed")}


def save(engine, user, rows, *, month=MONTH, today=TODAY):
    return plan_entry.save_plan_status(engine=engine, viewer=replace(user, client="test"), year=YEAR, month=month, rows=rows, today=today)


def test_the_frame_carries_the_status_forward(engine):
    with Session(engine) as s:
        df = plan_entry.plan_status_frame(session=s, viewer=OFFICE, plan_id=own_plan_id(engine), year=YEAR,
                                          month=MONTH)
        every = plan_entry.plan_status_frame(session=s, viewer=OFFICE, plan_id=None, year=YEAR, month=MONTH)
    assert df["number"].tolist() == [1, 2, 3, 4, 5] and set(df["plan"]) == {PLAN}
    assert df["status"].tolist() == ["已完成", "进行中", "未开始", "已延期", "进行中"]
    assert df["status_month"].tolist() == [2, 3, pd.NA, 4, 6]
    assert df["delay_reason"].tolist() == ["", "", "", "资金未到位", ""]
    assert df["notes"].tolist() == ["2月进展", "3月进展", "", "4月进展", "6月进展"]
    assert df["lead_units"].tolist()[:2] == ["区卫健委", "区商务局、区民政局"]
    assert len(every) == 6  # the demo copy's task too; reference plans never


@pytest.mark.parametrize("who", [LEADER, STATION, ADMIN, KIOSK, NOBODY, SYSTEM])
def test_other_roles_are_refused_and_nothing_is_written(engine, who):
    before = snapshot(engine)
    t2 = task_ids(engine)[(PLAN, 2)]
    with Session(engine) as s, pytest.raises(PermissionError, match="只有食安办可以更新工作要点进展"):
        plan_entry.plan_status_frame(session=s, viewer=who, plan_id=None, year=YEAR, month=MONTH)
    with pytest.raises(PermissionError, match="只有食安办可以更新工作要点进展"):
        save(engine, who, {t2: {"status": "已完成"}})
    assert snapshot(engine) == before
    assert plan_entry.can_edit(OFFICE) and not plan_entry.can_edit(who)


def test_a_bad_status_is_refused_with_the_importers_words_and_nothing_is_written(engine):
    ids = task_ids(engine)
    before = snapshot(engine)
    result = save(engine, OFFICE, {ids[(PLAN, 2)]: {"status": "完成了"}, ids[(PLAN, 3)]: {"status": "已完成"},
                                   ids[(PLAN, 5)]: {"status": " "}})
    assert not result.ok and result.batch_id is None
    assert result.errors == [
        "2022年工作要点 第2项：状态：应为以下之一：未开始、进行中、已完成、已延期（填写：完成了）",
        "2022年工作要点 第5项：状态：不能为空",
    ]
    assert result.message == "共2处错误：未写入任何数据，请修改后重新保存"
    # a reference plan's task is not the office's to report; nor is a month still to come
    ref = ids[("2024年某区工作要点@2024", 1)]
    assert save(engine, OFFICE, {ref: {"status": "已完成"}}).errors == [
        f"未找到2022年计入统计的该工作要点（编号 {ref}）"]
    assert save(engine, OFFICE, {ids[(PLAN, 3)]: {"status": "已完成"}}, month=7).errors == ["2022年7月尚未开始，不能填报"]
    assert snapshot(engine) == before


def test_a_valid_save_moves_the_counts_and_undo_restores_exactly(engine):
    ids = task_ids(engine)
    before, version = snapshot(engine), data_version(engine)
    assert counts(engine) == {"n_tasks": 6, "n_not_started": 1, "n_in_progress": 3, "n_done": 1, "n_delayed": 1}
    result = save(engine, OFFICE, {
        ids[(PLAN, 1)]: {"status": "已完成", "delay_reason": "", "notes": "2月进展"},  # as shown: left alone
        ids[(PLAN, 2)]: {"status": "已完成", "notes": "已验收"},  # carried from March: a new June row
        ids[(PLAN, 3)]: {"status": " 进行中 "},  # never reported
        ids[(PLAN, 5)]: {"status": "已延期", "delay_reason": "场地调整"},  # June's row updated
    })
    assert result.ok and not result.errors, result.errors
    assert (result.counts.new, result.counts.updated, result.counts.unchanged) == (2, 1, 1)
    assert result.message == f"已保存为批次 #{result.batch_id}：新增2项，更新1项"
    assert counts(engine) == {"n_tasks": 6, "n_not_started": 0, "n_in_progress": 2, "n_done": 2, "n_delayed": 2}
    assert data_version(engine) == version + 1
    with Session(engine) as s:
        batch = s.get(m.ImportBatch, result.batch_id)
        assert (batch.kind, batch.file_name, batch.user, batch.year, batch.month) == (
            "工作要点进展", "数据填报（工作要点进展 2022年6月）", "office", 2022, 6)
        assert batch.file_name.startswith(entry.ENTRY_PREFIX)
        june = {r.task_id: (r.status, r.delay_reason, r.notes, r.batch_id) for r in s.exec(
            select(m.PlanTaskStatus).where(m.PlanTaskStatus.year == YEAR, m.PlanTaskStatus.month == MONTH))}
        assert june == {ids[(PLAN, 2)]: ("已完成", None, "已验收", batch.id),
                        ids[(PLAN, 3)]: ("进行中", None, None, batch.id),
                        ids[(PLAN, 5)]: ("已延期", "场地调整", "6月进展", batch.id)}
        with auth_session(s) as a:  # the audit log lives in the auth store
            [audit] = a.exec(select(m.AuditLog).where(m.AuditLog.action == "编辑")).all()
        assert (audit.username, audit.role, audit.client, audit.target) == ("office", "食安办", "test", batch.file_name)
        assert audit.detail["kind"] == "工作要点进展" and audit.detail["updated"] == 1

    # the same values again: nothing to write
    again = save(engine, OFFICE, {ids[(PLAN, 2)]: {"status": "已完成", "notes": "已验收"}})
    assert again.ok and not again.changed and again.message == entry.MSG_NO_CHANGE

    with Session(engine) as s:
        undo_batch(s, result.batch_id)
        s.commit()
    restored = snapshot(engine)
    assert restored["plan_task_status"] == before["plan_task_status"]
    assert counts(engine) == {"n_tasks": 6, "n_not_started": 1, "n_in_progress": 3, "n_done": 1, "n_delayed": 1}
    assert restored["data_version"] == version + 2
