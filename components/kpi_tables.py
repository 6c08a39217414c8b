"""指标's tables and trend charts, each made once per data_version from the cached figures and cached itself
(`data.cached(kpi_tables.trend_specs, year=…, month=…)`), as components/task_tables.py does for 任务清单: a rerun
reads them instead of formatting every KPI's rows and charts again."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import data, views
from services import kpis_view, metrics


def status(*, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """Every gauged KPI's status row (kpis_view.status_rows, its chip included)."""
    return kpis_view.status_rows(data.cached(metrics.kpi_gauges, year=year, month=month, as_of=as_of))


def trend_specs(*, year: int, month: int, as_of: dt.date) -> dict[int, dict]:
    """Each gauged KPI's trend chart up to `month` (views.kpi_trend_specs); a KPI with nothing reported has none."""
    gauges = data.cached(metrics.kpi_gauges, year=year, month=month, as_of=as_of)
    trends = data.cached(metrics.kpi_trends, year=year, as_of=as_of)  # every KPI's trend in one read
    return views.kpi_trend_specs(trends, month, tuple(
        (int(r["kpi_id"]), "数值" if r["unit"] == "%" else "完成率", kpis_view.PACE_LINE.get(r["pacing"], "应达"))
        for r in gauges.to_dict("records")))


def staffing() -> pd.DataFrame:
    """食品安全总监、安全员配备率 by sector (kpis_view.staffing_rows)."""
    return kpis_view.staffing_rows(data.cached(metrics.duty_staffing, by="sector"))


def completion(*, year: int, month: int) -> pd.DataFrame:
    """日管控、周排查、月调度 (kpis_view.completion_rows)."""
    return kpis_view.completion_rows(data.cached(metrics.duty_completion, year=year, month=month))


def sampling(*, year: int, month: int, as_of: dt.date) -> pd.DataFrame:
    """抽检与不合格食品核查处置 (kpis_view.sampling_rows)."""
    return kpis_view.sampling_rows(data.cached(metrics.sampling, year=year, month=month, as_of=as_of))
