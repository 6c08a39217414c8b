"""Task lists (任务清单 / 任务进度 / 任务明细), 风险隐患 reports and KPIs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from db.models.base import Lineage

# --- task lists (任务清单 / 任务进度 / 任务明细) ----------------------------------------------


class TaskIndicator(Lineage, table=True):
    __tablename__ = "task_indicator"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)  # canonical short name, e.g. 示范创建
    name: str  # header text as the bureau writes it
    unit: str = "家"
    sort_order: int = 0


class TaskList(Lineage, table=True):
    """任务清单 of a year as a whole: the window its targets are worked in and the clause that states it.

    The 2022 list is worked in 章市监管发〔2022〕9号's 专项整治及监管提升阶段, 2022-03-01 … 11-30 (三(二)). A year
    without a row is paced over the calendar year."""

    __tablename__ = "task_list"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    window_start: dt.date
    window_due: dt.date
    phase: str | None = None  # 专项整治及监管提升阶段
    source_doc: str | None = None  # 章市监管发〔2022〕9号
    source_clause: str | None = None  # 三(二)


class StationTarget(Lineage, table=True):
    """任务清单 cell: a station's yearly target for one indicator."""

    __tablename__ = "station_target"
    id: int | None = Field(default=None, primary_key=True)
    year: int
    station_id: int = Field(foreign_key="station.id", index=True)
    indicator_id: int = Field(foreign_key="task_indicator.id", index=True)
    target: float
    __table_args__ = (
        UniqueConstraint("year", "station_id", "indicator_id", name="uq_station_target"),
    )


class StationProgress(Lineage, table=True):
    """任务进度 cell: cumulative completed (累计完成) reported for a month."""

    __tablename__ = "station_progress"
    id: int | None = Field(default=None, primary_key=True)
    year: int
    month: int
    station_id: int = Field(foreign_key="station.id", index=True)
    indicator_id: int = Field(foreign_key="task_indicator.id", index=True)
    cumulative: float
    __table_args__ = (
        UniqueConstraint("year", "month", "station_id", "indicator_id", name="uq_station_progress"),
        Index("ix_station_progress_period", "year", "month"),
    )


class MonthlySubmission(Lineage, table=True):
    """A station's monthly report of one kind, dated the day it reached the office."""

    __tablename__ = "monthly_submission"
    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    year: int
    month: int
    kind: str  # 任务进度 / 风险隐患
    report_date: dt.date
    __table_args__ = (
        UniqueConstraint("station_id", "year", "month", "kind", name="uq_monthly_submission"),
        Index("ix_monthly_submission_period", "year", "month"),
    )


class TaskItem(Lineage, table=True):
    """任务明细: a site behind a count (a 示范 workshop, a camera-pilot site)."""

    __tablename__ = "task_item"
    id: int | None = Field(default=None, primary_key=True)
    year: int
    station_id: int = Field(foreign_key="station.id", index=True)
    indicator_id: int = Field(foreign_key="task_indicator.id", index=True)
    name: str
    business_name: str | None = None
    planned_month: int | None = None
    status: str = "计划"
    completed_date: dt.date | None = None
    video_online: bool | None = None  # camera-pilot sites only
    business_id: int | None = Field(default=None, foreign_key="business.id", index=True)  # the 小作坊 it names
    __table_args__ = (
        UniqueConstraint("year", "station_id", "indicator_id", "name", name="uq_task_item"),
    )


# --- 风险隐患排查整治 (seeds/001: each station reports monthly by the 23rd) --------------------


class HazardReport(Lineage, table=True):
    """风险隐患排查整治表: a station's counts for one month, as reported (the figures every rate uses)."""

    __tablename__ = "hazard_report"
    id: int | None = Field(default=None, primary_key=True)
    year: int
    month: int
    station_id: int = Field(foreign_key="station.id", index=True)
    entities_checked: int = 0  # 检查主体数
    hazards_found: int = 0  # 发现隐患数 (found in the month)
    hazards_rectified: int = 0  # 整改隐患数 (of those found in the month, rectified by the report)
    cases_opened: int = 0  # 立案数
    report_date: dt.date | None = None  # the month's first report; a date written in the file replaces it
    __table_args__ = (
        UniqueConstraint("year", "month", "station_id", name="uq_hazard_report"),
        Index("ix_hazard_report_period", "year", "month"),
    )


class Hazard(Lineage, table=True):
    """隐患清单: one hazard found at a business, open until rectified (清单制 + 销号制, like Problem).

    `status` is what was recorded (未整改 / 已整改 / 逾期); whether a hazard is open or overdue on a given day is
    derived from rectified_date and deadline (db.queries.hazards.hazard_open_counts), so a list never goes stale."""

    __tablename__ = "hazard"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # 隐患编号, else station|found date|business|description (normalised)
    code: str | None = None  # 隐患编号 as written
    year: int  # the report (month reported) the hazard was listed in
    month: int
    station_id: int = Field(foreign_key="station.id", index=True)
    business_name: str
    business_id: int | None = Field(default=None, foreign_key="business.id", index=True)  # when it matches
    description: str
    found_date: dt.date
    deadline: dt.date | None = None  # 整改期限
    status: str = "未整改"
    rectified_date: dt.date | None = None
    __table_args__ = (Index("ix_hazard_station_period", "station_id", "year", "month"),)


# --- KPIs ---------------------------------------------------------------------------------


class Kpi(Lineage, table=True):
    __tablename__ = "kpi"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    unit: str  # % for rates (stored as fractions 0-1), else a count unit
    target: float
    direction: str = ">="
    pacing: str = "ramp"
    baseline: float | None = None
    window_start: dt.date | None = None  # the ramp's first day when the source states one; else 1 Jan
    due_date: dt.date | None = None
    jurisdiction: str
    year: int = Field(index=True)
    gauged: bool = True
    rule_text: str | None = None
    source_doc: str | None = None
    source_article: str | None = None
    computed_from: str | None = None  # e.g. "submissions": readings are computed, never imported
    __table_args__ = (UniqueConstraint("name", "jurisdiction", "year", name="uq_kpi"),)


class KpiReading(Lineage, table=True):
    """指标月报: the year-to-date value of a KPI at a month's end."""

    __tablename__ = "kpi_reading"
    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    year: int
    month: int
    value: float
    numerator: float | None = None
    denominator: float | None = None
    __table_args__ = (UniqueConstraint("kpi_id", "year", "month", name="uq_kpi_reading"),)
