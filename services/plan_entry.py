"""工作要点进展 entered on the 工作要点 page by the office: a month's status, 延期原因 and 进展情况 per task, written the
way an import of 工作要点进展 writes them — the importer's words for a bad status, one ImportBatch with its change log
(so 导入记录 lists it and can undo it), an audit row 编辑 and data_version moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import engine as dbe
from db import models as m
from db.changelog import Writer
from seed.importer.kinds import ENUM_SYNONYMS
from seed.importer.values import squash
from services import plans
from services.entry import (
    ENTRY_PAGE,
    ENTRY_PREFIX,
    SHEET,
    SaveResult,
    _check_period,
    _finish,
    _line,
    _new_batch,
    _text,
)
from services.rules.pacing import month_end
from services.rules.permissions import ACT, STATION_ROLE, allows
from services.rules.viewer import Viewer
from services.unit import unit_of_work

PLAN_KIND = "工作要点进展"
MSG_PLAN_OFFICE_ONLY = "只有食安办可以更新工作要点进展"
MSG_PLAN_UNKNOWN = "未找到{year}年计入统计的该工作要点（编号 {task_id}）"
MSG_STATUS = "状态：应为以下之一：" + "、".join(m.PLAN_STATUSES)  # the importer's enum words (seed.importer.core)
MSG_BLANK = "状态：不能为空"  # the importer's word for a required cell left blank
TEXT_MAX = 2000  # characters of a 延期原因 or 进展情况: a paragraph, not a document

PLAN_ENTRY_COLUMNS = ["task_id", "plan_id", "plan", "number", "title", "lead_units", "deadline", "deadline_label", "status",
                      "status_month", "delay_reason", "notes", "is_demo"]


def can_edit(viewer: Viewer) -> bool:
    """May this viewer update 工作要点进展? The office's act: 数据填报 with no station (not a 监管所, leader, admin)."""
    return not viewer.system and allows(viewer, ENTRY_PAGE, ACT) and viewer.role != STATION_ROLE


def check_plan_user(viewer: Viewer) -> None:
    """PermissionError (in Chinese) unless the viewer is the office (an account: never the system)."""
    if not can_edit(viewer):
        raise PermissionError(MSG_PLAN_OFFICE_ONLY)


def plan_file_name(year: int, month: int) -> str:
    return f"{ENTRY_PREFIX}工作要点进展 {year}年{month}月）"


def _rows(session: Session, plan_id: int | None, year: int, month: int) -> pd.DataFrame:
    """The counted tasks of the year (one plan's, or all) with the status carried forward to `month`."""
    df = plans.plan_tasks(session=session, year=int(year), month=int(month), as_of=month_end(int(year), int(month)))
    if plan_id is not None:
        df = df[df["plan_id"] == int(plan_id)]
    df = df[PLAN_ENTRY_COLUMNS].reset_index(drop=True)
    for c in ("delay_reason", "notes"):
        df[c] = df[c].map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return df


@unit_of_work
def plan_status_frame(*, session: Session | None = None, viewer: Viewer, plan_id: int | None, year: int,
                      month: int) -> pd.DataFrame:
    """One row per counted task of the year (of one plan, or every plan for None): task_id, plan, number, title,
    lead_units, deadline, status for the month — the latest report of this month or before, as the dashboard
    carries it; 未开始 when never reported — status_month (<NA> never), delay_reason and notes ("" when none)."""
    check_plan_user(viewer)
    return _rows(session, plan_id, year, month)


def _status(raw: Any) -> str | None:
    """The status as the importer reads it (spaces and full-width forms ignored); None when not one of the four."""
    text = squash(raw) if raw is not None and not (isinstance(raw, float) and pd.isna(raw)) else ""
    text = ENUM_SYNONYMS.get("status", {}).get(text, text)
    return text if text in m.PLAN_STATUSES else None


def save_plan_status(
    *,
    engine: Engine | None = None,
    viewer: Viewer,
    year: int,
    month: int,
    rows: Mapping[int, Mapping[str, Any]],
    today: dt.date | None = None,
) -> SaveResult:
    """Save the month's 工作要点进展: `rows` maps task id → {"status", "delay_reason", "notes"} as typed (a key left
    out keeps the shown value). Only the office (PermissionError otherwise); the importer's rule — the status one of
    未开始 / 进行中 / 已完成 / 已延期 — and no month after `today`; problems come back as Chinese errors and nothing
    is written. A task whose values equal those shown (carried forward) is left alone; the changed ones are written
    for this month as one ImportBatch (kind 工作要点进展) through the importer's Writer, audited 编辑, data_version
    moved; 导入记录 (undo_batch) can undo it."""
    engine = engine or dbe.get_engine()  # a test or the CLI may hand in its own
    today = today or dbe.as_of(engine)
    result = SaveResult()
    with Session(engine) as session:
        try:
            check_plan_user(viewer)
            result.errors += _check_period(year, month, today)
            if result.errors:
                return result
            frame = _rows(session, None, int(year), int(month)).set_index("task_id")
            changes: list[tuple[int, dict[str, Any]]] = []
            for task_id, given in rows.items():
                task_id = int(task_id)
                if task_id not in frame.index:
                    result.errors.append(MSG_PLAN_UNKNOWN.format(year=year, task_id=task_id))
                    continue
                row = frame.loc[task_id]
                label = f"{row['plan']} 第{int(row['number'])}项"
                cells = dict(given)
                raw = cells.get("status", row["status"])
                status = _status(raw)
                if status is None:
                    result.errors.append(_line(label, MSG_STATUS, raw) if _text(raw) else _line(label, MSG_BLANK))
                    continue
                values = {"status": status}
                for f in ("delay_reason", "notes"):
                    text = _text(cells.get(f, row[f]))
                    if len(text) > TEXT_MAX:
                        result.errors.append(_line(label, f"{'延期原因' if f == 'delay_reason' else '进展情况'}"
                                                          f"超过{TEXT_MAX}个字符"))
                    values[f] = text or None
                shown = {"status": row["status"], "delay_reason": row["delay_reason"] or None,
                         "notes": row["notes"] or None}
                if values == shown:
                    result.counts.add("unchanged")
                else:
                    changes.append((task_id, values))
            if result.errors or not changes:
                session.rollback()
                return result
            batch = _new_batch(session, file_name=plan_file_name(year, month), kind=PLAN_KIND, year=year,
                               month=month, viewer=viewer, payload={"year": year, "month": month, "rows": changes})
            writer = Writer(session, batch)
            s = m.PlanTaskStatus
            writer.prefetch(s, ("task_id", "year", "month"), where=(s.year == year) & (s.month == month))
            for task_id, values in changes:
                _, state = writer.upsert(s, {"task_id": task_id, "year": year, "month": month}, values, sheet=SHEET)
                result.counts.add(state)
            _finish(session, batch, writer, result, viewer=viewer,
                    detail={"year": year, "month": month, "tasks": [t for t, _ in changes]})
            return result
        except BaseException:
            session.rollback()
            raise
