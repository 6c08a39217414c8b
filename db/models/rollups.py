"""Rollups (issue 21): summary rows a page reads in proportion to stations, not to visits. Each is a figure at a
day (`ref_date`, a month's last day or the as-of day) per cell, the finest group a page asks for; a page's group is a
sum of cells. `RollupRef` says at which data_version and under which rules a day's rows were computed: rows of
another version are stale and never read (db/rollups.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class RollupRef(SQLModel, table=True):
    """One rollup's rows at one day: built at data_version, under rules_key (baobao: a fingerprint of the visit rules
    and the high-risk levels; duty and staffing: the sectors and 总监 tiers counted, as JSON)."""

    __tablename__ = "rollup_ref"
    name: str = Field(primary_key=True)  # the rollup: "baobao", "duty" or "staffing"
    ref_date: dt.date = Field(primary_key=True)
    data_version: int
    rules_key: str
    n_rows: int = 0
    built_at: dt.datetime


class BaobaoRollup(SQLModel, table=True):
    """包保 figures at ref_date per station × township × sector × tier × risk level, over in-operation businesses
    (coverage, completion, 现场) and problems found by ref_date (db/queries/baobao.py's definitions, computed by the
    same SQL): the counts of services/metrics/baobao.BAOBAO_COUNTS except n_assigned (= n_covered)."""

    __tablename__ = "baobao_rollup"
    id: int | None = Field(default=None, primary_key=True)
    ref_date: dt.date
    station_id: int
    township_id: int | None = None
    sector: str
    tier: str
    risk_level: str
    n_business: int = 0
    n_covered: int = 0
    n_done: int = 0
    n_high_risk: int = 0
    n_high_risk_onsite: int = 0
    n_prob_period: int = 0
    n_prob_period_closed: int = 0
    n_prob_ytd: int = 0
    n_prob_ytd_closed: int = 0
    n_prob_due: int = 0
    n_prob_due_ontime: int = 0
    n_prob_overdue: int = 0
    n_prob_open: int = 0
    is_demo: bool = False
    __table_args__ = (Index("ix_baobao_rollup_ref_station", "ref_date", "station_id"),)


class DutyRollup(SQLModel, table=True):
    """日管控 / 周排查 / 月调度 records of a year per station and month, over in-operation enterprises of the sectors
    in the RollupRef's rules_key (db/queries/oversight.duty_checks, the same SQL). ref_date is the year's 1 January:
    one stored day holds all of that year's months."""

    __tablename__ = "duty_rollup"
    id: int | None = Field(default=None, primary_key=True)
    ref_date: dt.date
    station_id: int
    month: int
    records: int = 0
    daily_checked: int = 0
    daily_kept: int = 0
    weekly_checked: int = 0
    weekly_kept: int = 0
    monthly_checked: int = 0
    monthly_kept: int = 0
    onsite: int = 0
    is_demo: bool = False
    __table_args__ = (Index("ix_duty_rollup_ref_station", "ref_date", "station_id"),)


class StaffingRollup(SQLModel, table=True):
    """The 食品安全总监 / 食品安全员 of in-operation enterprises per station, sector and required (1: a 总监 is
    required, the tier is in the RollupRef's director_tiers), as db/queries/oversight.duty_staffing counts them.
    Staffing has no date: ref_date is always db/rollups.UNDATED, and data_version alone says whether it is fresh."""

    __tablename__ = "staffing_rollup"
    id: int | None = Field(default=None, primary_key=True)
    ref_date: dt.date
    station_id: int
    sector: str
    required: int
    enterprises: int = 0
    director_named: int = 0
    director_trained: int = 0
    director_assessed: int = 0
    officer_named: int = 0
    officer_trained: int = 0
    officer_assessed: int = 0
    is_demo: bool = False
    __table_args__ = (Index("ix_staffing_rollup_ref_station", "ref_date", "station_id"),)
