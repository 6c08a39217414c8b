"""Named, bounded SQL: every count per group is done here, and every function returns a DataFrame (or plain rows).

One module per domain: org (stations, townships), tasks (任务清单 and 月报 submissions), baobao (包保督导), hazards
(风险隐患排查整治) and kpis. Import the domain module (`from db.queries import baobao`); the names are re-exported
here as well, so `from db import queries` keeps working for callers not moved yet."""

from __future__ import annotations

from db.queries.baobao import (
    AGING_BUCKETS,
    BAOBAO_GROUPS,
    DEFAULT_HIGH_RISK,
    HIGH_RISK_KEY,
    IN_OPERATION,
    ONSITE,
    assignment_counts_by_cadre_level,
    baobao_business_counts,
    baobao_problem_counts,
    high_risk_levels,
    open_problem_aging,
    overdue_problem_rows,
    unvisited_businesses,
    visit_rules,
)
from db.queries.hazards import HAZARD_COUNTS, hazard_list_rows, hazard_open_counts, hazard_report_sums
from db.queries.kpis import kpi_readings_asof, kpi_rows
from db.queries.org import station_count, stations, townships
from db.queries.tasks import (
    PROGRESS_KIND,
    schedule_rows,
    station_progress_asof,
    station_targets,
    submission_counts,
    task_item_counts,
)
from db.sql import LIST_LIMIT, MAX_ROWS

__all__ = [
    "AGING_BUCKETS", "BAOBAO_GROUPS", "DEFAULT_HIGH_RISK", "HAZARD_COUNTS", "HIGH_RISK_KEY", "IN_OPERATION",
    "LIST_LIMIT", "MAX_ROWS", "ONSITE", "PROGRESS_KIND", "assignment_counts_by_cadre_level", "baobao_business_counts",
    "baobao_problem_counts", "hazard_list_rows", "hazard_open_counts", "hazard_report_sums", "high_risk_levels",
    "kpi_readings_asof", "kpi_rows", "open_problem_aging", "overdue_problem_rows", "schedule_rows", "station_count",
    "station_progress_asof", "station_targets", "stations", "submission_counts", "task_item_counts", "townships",
    "unvisited_businesses", "visit_rules",
]
