"""The dashboard's figures: combine the query frames, roll them up by station and district, and pace them.

One module per domain: tasks (任务清单, 配档表), baobao (包保督导), hazards (风险隐患排查整治), timeliness (月报按时上报率),
kpis and workshops (食品小作坊); common holds what they share. Every name is re-exported here, so `metrics.<name>` reads as before (the
pages' data layer looks figures up here). A function taking `session` opens its own unit of work when given none."""

from __future__ import annotations

from services.metrics.baobao import (
    add_baobao_rates,
    baobao,
    baobao_by_cadre_level,
    baobao_total,
    high_risk_label,
    jurisdiction_kind,
    not_visited,
    overdue_problems,
    problem_aging,
)
from services.metrics.common import DeadlineFn
from services.metrics.hazards import (
    HAZARD_COLUMNS,
    HazardRates,
    hazard_rates,
    hazard_totals,
    hazard_totals_frame,
    hazards,
    rates_of,
)
from services.metrics.kpis import (
    KPI_COLUMNS,
    kpi_gauges,
    kpi_reference,
    kpi_trend,
    kpi_trend_of,
    kpi_trends,
)
from services.metrics.oversight import (
    CHECK_COLUMNS,
    SAMPLE_COLUMNS,
    STAFFING_COLUMNS,
    duty_completion,
    duty_staffing,
    population,
    register_figures,
    sampling,
)
from services.metrics.problems import OTHERS_COLUMNS, others_problem_counts, others_problems
from services.metrics.tasks import (
    TASK_COLUMNS,
    rollup_tasks,
    schedule,
    station_lag,
    station_lag_frame,
    task_progress,
    task_totals,
    task_trend,
    task_window,
)
from services.metrics.timeliness import report_start, report_timeliness
from services.metrics.workshops import (
    NORM_COLUMNS,
    WORKSHOP_COLUMNS,
    award_list,
    norm_rates,
    sweep_list,
    workshop_list,
    workshop_rates,
    workshop_totals,
    workshop_totals_frame,
)

__all__ = [
    "HAZARD_COLUMNS", "KPI_COLUMNS", "TASK_COLUMNS", "DeadlineFn", "HazardRates",
    "add_baobao_rates", "baobao", "baobao_by_cadre_level", "baobao_total",
    "hazard_rates", "hazard_totals", "hazard_totals_frame", "hazards", "rates_of",
    "high_risk_label", "jurisdiction_kind", "kpi_gauges", "kpi_reference", "kpi_trend", "kpi_trend_of", "kpi_trends",
    "not_visited", "overdue_problems", "problem_aging", "report_start", "report_timeliness", "rollup_tasks",
    "schedule", "station_lag", "station_lag_frame", "task_progress", "task_totals", "task_trend", "task_window",
    "NORM_COLUMNS", "WORKSHOP_COLUMNS", "award_list", "norm_rates", "sweep_list", "workshop_list", "workshop_rates",
    "workshop_totals", "workshop_totals_frame",
    "OTHERS_COLUMNS", "others_problem_counts", "others_problems",
    "CHECK_COLUMNS", "SAMPLE_COLUMNS", "STAFFING_COLUMNS", "duty_completion", "duty_staffing", "population",
    "register_figures", "sampling",
]
