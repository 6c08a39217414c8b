"""企业主体责任 (002 流通 1–2): who an enterprise names as 食品安全总监 and 食品安全员, and whether its 日管控、周排查、
月调度 records were kept each month (from the enterprise's own records or from a 包保 visit's check)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from db.models.base import Lineage

DUTY_ROLES = ("食品安全总监", "食品安全员")
DUTY_RECORDS = (("daily", "日管控"), ("weekly", "周排查"), ("monthly", "月调度"))  # (column, label)
DUTY_SOURCES = ("企业自查", "包保督导")  # where a month's record comes from


class BusinessDuty(Lineage, table=True):
    """The staff an enterprise names (one row per business): 食品安全总监 and 食品安全员, each trained and
    assessed (True / False, None = not recorded)."""

    __tablename__ = "business_duty"
    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", unique=True)
    director_name: str | None = None  # 食品安全总监
    director_trained: bool | None = None
    director_assessed: bool | None = None
    officer_name: str | None = None  # 食品安全员 (several names joined by "、")
    officer_trained: bool | None = None
    officer_assessed: bool | None = None


class DutyCheck(Lineage, table=True):
    """One enterprise's month: whether its 日管控 / 周排查 / 月调度 records were kept (True / False, None = not
    checked), and who says so (企业自查, or 包保督导 with the visit that checked)."""

    __tablename__ = "duty_check"
    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    year: int = Field(index=True)
    month: int
    daily: bool | None = None
    weekly: bool | None = None
    monthly: bool | None = None
    source: str = DUTY_SOURCES[0]
    # indexed: deleting a visit (undo of its import) checks its duty records through it, not by reading them all
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    __table_args__ = (UniqueConstraint("business_id", "year", "month", name="uq_duty_check"),)
