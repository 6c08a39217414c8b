"""Every table of the dashboard: organisation, task lists, work plans, KPIs, 包保 register, rules and import history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

# Enumerations are plain strings checked by the importer; the values are the UI's words.
PLAN_STATUSES = ("未开始", "进行中", "已完成", "已延期")
MILESTONE_STATUSES = ("未开始", "进行中", "已到期")
ITEM_STATUSES = ("计划", "推进中", "已完成", "已验收")
ITEM_DONE = ("已完成", "已验收")
UNIT_ROLES = ("牵头", "负责", "分别负责", "配合")
CADRE_LEVELS = ("省", "市", "县", "乡", "村")
SECTORS = ("生产", "销售", "餐饮", "单位食堂", "小作坊", "小餐饮", "摊贩", "集中交易市场")
GRADES = ("A", "B", "C", "D")
VISIT_METHODS = ("现场", "集中督导", "集中汇报", "电话询问", "视频会议", "线上")
PROBLEM_STATUSES = ("待整改", "整改中", "已整改", "已销号")
PROBLEM_CLOSED = ("已整改", "已销号")
BUSINESS_STATUSES = ("在营", "停业", "注销")
PACING_KINDS = ("ramp", "level", "once")
DIRECTIONS = (">=", "<=")
SUBMISSION_KINDS = ("任务进度", "风险隐患")
HAZARD_STATUSES = ("未整改", "已整改", "逾期")
HAZARD_RECTIFIED = "已整改"


class Lineage(SQLModel):
    """Columns every imported or generated row carries: demo flag and where it came from."""

    is_demo: bool = Field(default=False, index=True)
    batch_id: int | None = Field(default=None, index=True)
    src_sheet: str | None = None
    src_row: int | None = None


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
    origin_note: str | None = None  # e.g. 内容取自…2024年公开文件，年份为示例
    is_reference: bool = False  # kept for reference, not counted (the 2024 originals)
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
    deadline: dt.date | None = None
    deadline_is_default: bool = False  # True when no date was written: the plan year's end
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_task"),)


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
    row_order: int
    time_text: str
    start_date: dt.date
    end_date: dt.date
    focus: str
    measures: str | None = None
    note: str | None = None
    status: str | None = None  # recorded status; None = derived from the window and AS_OF
    __table_args__ = (UniqueConstraint("year", "row_order", name="uq_schedule_milestone"),)


# --- task lists (任务清单 / 任务进度 / 任务明细) ----------------------------------------------


class TaskIndicator(Lineage, table=True):
    __tablename__ = "task_indicator"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)  # canonical short name, e.g. 示范创建
    name: str  # header text as the bureau writes it
    unit: str = "家"
    sort_order: int = 0


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
    derived from rectified_date and deadline (db.queries.hazard_open_counts), so a list never goes stale."""

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


# --- 包保督导 -------------------------------------------------------------------------------


class Business(Lineage, table=True):
    """包保主体."""

    __tablename__ = "business"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # natural key: code, else normalised name|station|address
    code: str | None = Field(default=None, index=True)  # 统一社会信用代码 or 许可证编号
    name: str
    sector: str = Field(index=True)
    subtype: str | None = None
    tier: str = Field(index=True)  # 包保分级 A-D (A = largest)
    risk_level: str = Field(index=True)  # 风险等级 A-D (A = lowest risk)
    station_id: int = Field(foreign_key="station.id", index=True)
    township_id: int | None = Field(default=None, foreign_key="township.id", index=True)
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    status: str = "在营"


class Cadre(Lineage, table=True):
    """包保干部."""

    __tablename__ = "cadre"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # 干部编号, else name|unit
    code: str | None = None
    name: str
    level: str = Field(index=True)  # 市 / 县 / 乡 / 村
    unit: str
    title: str | None = None
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)


class Assignment(Lineage, table=True):
    """包保关系: a cadre packages a business from a date (to a date)."""

    __tablename__ = "assignment"
    id: int | None = Field(default=None, primary_key=True)
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    start_date: dt.date
    end_date: dt.date | None = None
    __table_args__ = (
        UniqueConstraint("cadre_id", "business_id", "start_date", name="uq_assignment"),
    )


class Visit(Lineage, table=True):
    """督导记录."""

    __tablename__ = "visit"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # 记录编号, else date|cadre|business|method|order
    record_no: str | None = None
    visit_date: dt.date = Field(index=True)
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    business_id: int = Field(foreign_key="business.id")  # indexed by ix_visit_business_date, which leads with it
    method: str
    problems_found: int = 0
    note: str | None = None
    __table_args__ = (Index("ix_visit_business_date", "business_id", "visit_date"),)


class Problem(Lineage, table=True):
    """A problem found on a visit, open until closed (清单制 + 销号制)."""

    __tablename__ = "problem"
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    seq: int
    description: str
    deadline: dt.date | None = Field(default=None, index=True)  # the overdue list and counts start here
    status: str = "待整改"
    closed_date: dt.date | None = None
    __table_args__ = (UniqueConstraint("visit_id", "seq", name="uq_problem"),)


# --- rules and settings -------------------------------------------------------------------


class VisitRule(Lineage, table=True):
    """How often a cadre must visit: the most specific matching row applies ('*' = any)."""

    __tablename__ = "visit_rule"
    id: int | None = Field(default=None, primary_key=True)
    cadre_level: str = "*"
    tier: str = "*"
    risk_level: str = "*"
    period: str = "quarter"
    min_visits: int = 1
    onsite_required: bool = False
    note: str | None = None
    __table_args__ = (
        UniqueConstraint("cadre_level", "tier", "risk_level", "period", name="uq_visit_rule"),
    )


class AppSetting(SQLModel, table=True):
    """Key/value settings kept in the database (as-of date of the demo, tolerances…)."""

    __tablename__ = "app_setting"
    key: str = Field(primary_key=True)
    value: str
    help: str | None = None


class DataVersion(SQLModel, table=True):
    """A counter every committed write bumps, so caches in any process see that data changed."""

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    version: int = 0


# --- imports ------------------------------------------------------------------------------


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(index=True)
    kind: str
    sheet: str | None = None
    year: int | None = None
    month: int | None = None
    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_warnings: int = 0
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    user: str | None = None
    status: str = "已导入"  # 已导入 / 已撤销
    undone_at: dt.datetime | None = None
    group_id: str | None = Field(default=None, index=True)  # files imported in one transaction
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ImportChange(SQLModel, table=True):
    """One row written by a batch: before and after, so the batch can be undone."""

    __tablename__ = "import_change"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    table_name: str
    row_id: int
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    __table_args__ = (Index("ix_import_change_row", "table_name", "row_id"),)


# --- accounts and audit -------------------------------------------------------------------

ROLES = ("领导", "食安办", "监管所", "管理员")
STATION_ROLE = "监管所"  # the one role bound to a station


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AppUser(SQLModel, table=True):
    """A local account: who may log in, with which role (and, for 监管所, which station)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)  # stored lower-case and stripped
    display_name: str | None = None
    role: str  # 领导 / 食安办 / 监管所 / 管理员
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)  # required for 监管所
    password_hash: str  # bcrypt; never the password
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=_utcnow)
    password_changed_at: dt.datetime = Field(default_factory=_utcnow)  # cookies issued before it are void


class KioskToken(SQLModel, table=True):
    """A 大屏 token: opens the kiosk view and nothing else. Only its sha256 is kept."""

    __tablename__ = "kiosk_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)  # sha256 hex of the token
    label: str
    created_at: dt.datetime = Field(default_factory=_utcnow)
    is_active: bool = True


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, kept to compute lockouts (per username and client) and the per-client rate limit."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    username: str  # as typed, lower-cased and stripped; the account need not exist
    client: str
    at: dt.datetime = Field(default_factory=_utcnow)
    success: bool = False
    reason: str | None = None  # why it failed: 密码错误 / 用户不存在 / 账号已停用 / 已锁定 / 尝试过频
    __table_args__ = (
        Index("ix_login_attempt_user_client_at", "username", "client", "at"),
        Index("ix_login_attempt_client_at", "client", "at"),
    )


class AccountUnlock(SQLModel, table=True):
    """An administrator lifted a lockout: failures before `at` no longer count ('*' = every client)."""

    __tablename__ = "account_unlock"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    client: str = "*"
    at: dt.datetime = Field(default_factory=_utcnow)
    by: str | None = None


class AuditLog(SQLModel, table=True):
    """Who did what, when, from where: logins (also failed), imports, undos, edits, exports, user management."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=_utcnow, index=True)
    username: str | None = None  # None = anonymous (or the command line)
    role: str | None = None
    client: str | None = None
    action: str = Field(index=True)  # 登录 / 登录失败 / 退出 / 导入 / 撤销 / 编辑 / 导出 / 用户管理 / 解锁 …
    target: str | None = None
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


# Tables that carry the demo flag, in an order that respects foreign keys (parents first).
DATA_TABLES: tuple[type[SQLModel], ...] = (
    District,
    Station,
    Township,
    MemberUnit,
    PlanDocument,
    PlanTask,
    TaskUnit,
    PlanTaskStatus,
    ScheduleMilestone,
    TaskIndicator,
    StationTarget,
    StationProgress,
    MonthlySubmission,
    TaskItem,
    Kpi,
    KpiReading,
    Business,
    Cadre,
    Assignment,
    Visit,
    Problem,
    VisitRule,
    HazardReport,
    Hazard,
)
TABLES_BY_NAME: dict[str, type[SQLModel]] = {t.__tablename__: t for t in DATA_TABLES}
