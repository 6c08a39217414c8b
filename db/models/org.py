"""Organisation (districts, stations, townships, member units) and the work plans that name them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from db.models.base import Lineage

# --- organisation -------------------------------------------------------------------------


class District(Lineage, table=True):
    __tablename__ = "district"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    code: str | None = None
    population: int | None = None  # 常住人口 (persons)
    population_year: int | None = None
    population_source: str | None = None


class Station(Lineage, table=True):
    """监管所."""

    __tablename__ = "station"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    name: str = Field(unique=True)  # canonical, e.g. 明水所
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sort_order: int = 0
    lat: float | None = None
    lon: float | None = None
    coord_precision: str = "近似"  # 近似 / 精确
    coord_note: str | None = None


class Township(Lineage, table=True):
    """镇街, served by one station."""

    __tablename__ = "township"
    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    name: str = Field(unique=True)
    code: str | None = None


class MemberUnit(Lineage, table=True):
    """食安委成员单位 (or the issuing bureau when a plan names no unit)."""

    __tablename__ = "member_unit"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


# --- work plans ---------------------------------------------------------------------------


class PlanDocument(Lineage, table=True):
    __tablename__ = "plan_document"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    issuer: str
    jurisdiction: str
    year: int = Field(index=True)
    doc_number: str | None = None  # 文号, e.g. 章市监管发〔2022〕9号
    origin_note: str | None = None  # e.g. 内容取自天津市南开区2024年公开文件，作参考，不计入统计
    is_reference: bool = False  # another jurisdiction's plan, kept for reference: never counted
    source_plan_id: int | None = Field(default=None, foreign_key="plan_document.id")
    __table_args__ = (UniqueConstraint("title", "jurisdiction", "year", name="uq_plan_document"),)


class PlanTask(Lineage, table=True):
    """工作要点: one numbered point of a plan."""

    __tablename__ = "plan_task"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan_document.id", index=True)
    section: str | None = None
    number: int
    title: str
    text: str
    label: str | None = None  # the document's own numbering, e.g. 二(一)
    deadline: dt.date | None = None  # None for 长期 / 未定
    deadline_kind: str = "未定"  # DEADLINE_KINDS: 日期 (written, or a phase's end) / 全年 / 长期 / 未定
    deadline_basis: str | None = None  # where a date not written in the task comes from, e.g. 三(二)
    phase_id: int | None = Field(default=None, foreign_key="plan_phase.id")
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_task"),)


class PlanPhase(Lineage, table=True):
    """A phase of a plan's timetable (004 三(一)…(三)): the window the plan's work is paced by."""

    __tablename__ = "plan_phase"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan_document.id", index=True)
    number: int  # order within the plan, from 1
    label: str  # as the document numbers it, e.g. 三(二)
    name: str  # e.g. 专项整治及监管提升阶段
    time_text: str  # as written, e.g. 2022年3月至11月底
    start_date: dt.date
    end_date: dt.date
    text: str | None = None
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_phase"),)


class TaskUnit(Lineage, table=True):
    """One unit named by one responsibility clause of a task, with its role."""

    __tablename__ = "task_unit"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="plan_task.id", index=True)
    unit_id: int = Field(foreign_key="member_unit.id", index=True)
    role: str  # 牵头 / 负责 / 分别负责 / 配合
    clause: str  # the clause as written, e.g. （区卫健委牵头，区食安委相关成员单位配合）
    clause_no: int  # order of the clause within the task, from 1
    __table_args__ = (UniqueConstraint("task_id", "clause_no", "unit_id", name="uq_task_unit"),)


class PlanTaskStatus(Lineage, table=True):
    """工作要点进展: the status of a task in a month, kept apart from the plan text."""

    __tablename__ = "plan_task_status"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="plan_task.id", index=True)
    year: int
    month: int
    status: str
    delay_reason: str | None = None
    notes: str | None = None
    __table_args__ = (UniqueConstraint("task_id", "year", "month", name="uq_plan_task_status"),)


class ScheduleMilestone(Lineage, table=True):
    """配档表 row."""

    __tablename__ = "schedule_milestone"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan_document.id")  # the plan it is an 附件 of
    row_order: int
    time_text: str
    start_date: dt.date
    end_date: dt.date
    focus: str
    measures: str | None = None
    note: str | None = None
    status: str | None = None  # recorded status from the sheet (PLAN_STATUSES); a later schedule_status overrides it
    __table_args__ = (UniqueConstraint("year", "row_order", name="uq_schedule_milestone"),)


class ScheduleStatus(Lineage, table=True):
    """配档表进展: a row's recorded status in a month (carried forward), kept apart from the document's text."""

    __tablename__ = "schedule_status"
    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="schedule_milestone.id", index=True)
    year: int
    month: int
    status: str
    delay_reason: str | None = None
    notes: str | None = None
    __table_args__ = (UniqueConstraint("milestone_id", "year", "month", name="uq_schedule_status"),)
