"""Vocabulary every table shares: the enumerations the importer checks and the lineage columns."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

# Enumerations are plain strings checked by the importer; the values are the UI's words.
PLAN_STATUSES = ("未开始", "进行中", "已完成", "已延期")
MILESTONE_STATUSES = PLAN_STATUSES  # a 配档表 row is recorded like a plan task
ITEM_STATUSES = ("计划", "推进中", "已完成", "已验收")
ITEM_DONE = ("已完成", "已验收")
UNIT_ROLES = ("牵头", "负责", "分别负责", "配合", "统筹", "落实")  # 统筹 / 落实: 004 四(一)'s own words
DEADLINE_KINDS = ("日期", "全年", "长期", "未定")
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
