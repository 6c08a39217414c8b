"""The short narrative in the office's style, generated from the same frames the pages show."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from services.rules import fmt


def _ok(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def task_lines(totals: pd.DataFrame, *, year: int, month: int, as_of: dt.date) -> list[str]:
    """One sentence per task-list indicator: "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点"."""
    lines = []
    for row in totals.itertuples():
        lines.append(fmt.narrative_task_line(year=year, month=month, indicator=row.indicator, unit=row.unit,
                                             actual=row.actual, target=row.target,
                                             expected_rate=row.expected_rate, as_of=as_of))
    return lines


def kpi_line(gauges: pd.DataFrame) -> str | None:
    """KPIs behind schedule, most behind first: "监督抽检批次完成率70.1%，低于时序进度13.2个百分点"."""
    behind = gauges[gauges["status"].isin(["red", "amber"])]
    behind = behind.assign(_k=[fmt.behind_first(lag, d) for lag, d in zip(behind["lag_pp"], behind["direction"],
                                                                            strict=True)]).sort_values("_k")
    if behind.empty:
        reported = gauges[gauges["status"] != "grey"]
        return f"{len(reported)}项指标均达到时序进度" if len(reported) else None
    parts = []
    for row in behind.itertuples():
        word = "完成率" if row.unit != "%" else ""
        parts.append(f"{row.name}{word}{fmt.pct(row.rate)}，{fmt.lag_words(row.lag_pp, row.direction)}")
    return f"{len(behind)}项指标滞后：" + "；".join(parts)


def station_line(lags: pd.DataFrame, n: int = 5) -> str | None:
    behind = lags[lags["mean_lag_pp"] < 0].head(n)
    if behind.empty:
        return "各监管所均达到时序进度"
    names = "、".join(f"{r.station}（{fmt.round_half_up(r.mean_lag_pp):.1f}）" for r in behind.itertuples())
    return f"进度滞后的监管所（平均进度差，百分点）：{names}"


def baobao_line(district: pd.DataFrame) -> str | None:
    if district.empty:
        return None
    r = district.iloc[0]
    if not r["n_business"]:
        return None
    parts = [f"包保覆盖率{fmt.pct(r['coverage'])}",
             f"本季度督导完成率{fmt.pct(r['completion_rate'])}（季度时间进度{fmt.pct(r['quarter_progress'])}）"]
    if _ok(r["onsite_rate"]):
        parts.append(f"高风险主体现场督导率{fmt.pct(r['onsite_rate'])}")
    if _ok(r["ytd_close_rate"]):
        parts.append(f"今年发现问题整改率{fmt.pct(r['ytd_close_rate'])}")
    parts.append(f"逾期未整改问题{int(r['n_prob_overdue'])}个")
    return "，".join(parts)


def overview(*, totals, gauges, lags, district, year: int, month: int, as_of: dt.date) -> list[str]:
    lines = task_lines(totals, year=year, month=month, as_of=as_of)
    for extra in (kpi_line(gauges) if not gauges.empty else None, baobao_line(district), station_line(lags)
                  if not lags.empty else None):
        if extra:
            lines.append(extra)
    return lines
