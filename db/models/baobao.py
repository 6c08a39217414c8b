"""包保督导: businesses, cadres, their assignments, visits and problems, and the visit rules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from db.models.base import Lineage

# Where a problem came from. 包保督导 problems drive the 包保 page's 问题整改率; 未整改 counts every source.
PROBLEM_SOURCES = ("包保督导", "风险隐患", "执法", "抽检")
PROBLEM_SOURCE_DEFAULT = PROBLEM_SOURCES[0]

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
    level: str = Field(index=True)  # code 市 / 县 / 乡 / 村; shown in the jurisdiction's words (services/rules/levels.py)
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
    is_demo: bool = False  # not indexed: no query filters visits by it (Lineage's index was a write per visit)
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
    """A problem at a business, open until closed (清单制 + 销号制): found on a 包保 visit (visit_id), or by 执法 or
    抽检 (no visit; sample_id names a 不合格 抽检 batch). business_id and found_date are set for every source, so
    the cadre packaging the business sees problems found by others, and each 整改 counts once."""

    __tablename__ = "problem"
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    business_id: int = Field(foreign_key="business.id")  # indexed by ix_problem_business_found, which leads with it
    found_date: dt.date = Field(index=True)
    seq: int = 1
    description: str
    deadline: dt.date | None = Field(default=None, index=True)  # the overdue list and counts start here
    status: str = "待整改"
    closed_date: dt.date | None = None
    source: str = Field(default=PROBLEM_SOURCE_DEFAULT, sa_column_kwargs={"server_default": PROBLEM_SOURCE_DEFAULT})
    sample_id: int | None = Field(default=None, foreign_key="sample.id", unique=True)
    outcome: str | None = None  # 处置结果 (抽检: 立案查处 / 责令整改 …)
    __table_args__ = (
        UniqueConstraint("visit_id", "seq", name="uq_problem"),
        # A business's problems by day: the problem loop matches a 隐患清单 row to the Problem found the same day.
        Index("ix_problem_business_found", "business_id", "found_date"),
    )


# --- visit rules ---------------------------------------------------------------------------


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
