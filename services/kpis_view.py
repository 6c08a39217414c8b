"""指标 page tables: the reference KPIs of other districts and a KPI's trend up to the month shown. Streamlit-free;
inputs are services.metrics.kpi_reference and kpi_trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from services import narrative
from services.rules import fmt
from services.rules.style import STATUS_ORDER

PACING = {"ramp": "按时序递增", "level": "全年保持", "once": "到期一次完成"}
# What a KPI's expected line is called in its trend: only a ramp has a 时序进度.
PACE_LINE = {"ramp": "时序进度", "level": "目标", "once": "应达"}


def headline(row: dict, *, as_of: dt.date | None = None) -> str:
    """The line beside a gauge (plain text): "目标 ≥100.0%（全年保持）｜本年累计 94.1%｜低于目标5.9个百分点｜无基线"; a ramp adds
    its 时序进度 and window: "｜时序进度83.3%（2022年1月1日至12月31日，按全年计）"."""
    is_rate = row["unit"] == "%"
    sign = "≤" if row.get("direction") == "<=" else "≥"
    target, actual = fmt.with_unit(row["target"], row["unit"]), fmt.with_unit(row["actual"], row["unit"])
    parts = [f"目标 {sign}{target}（{PACING.get(row['pacing'], row['pacing'])}）", f"本年累计 {actual}"]
    if row["pacing"] == "ramp":
        window = narrative.kpi_window(row)
        expected = fmt.pct(row["expected_rate"]) if is_rate else (
            f"{fmt.num(row['expected'])}{row['unit']}（{fmt.pct(row['expected_rate'])}）")
        parts.append(f"应达 {expected}")
        parts.append(f"时序进度{fmt.pct(row.get('time_progress'))}（{narrative.window_text(window)}，"
                     f"{narrative.basis(window)}）")
    parts += [narrative.comparison(row, as_of=as_of), narrative.baseline_text(row)]
    return "｜".join(parts)


def status_rows(gauges: pd.DataFrame) -> pd.DataFrame:
    """Every gauged KPI worst first: status (明显滞后, 略有滞后, 未报, 达到进度), then the furthest behind.
    Columns: 指标, 状态 (status code, for views.with_chips), 本年累计, 目标, 应达, 进度差 (signed 百分点)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    rows = gauges.assign(_rank=gauges["status"].map(lambda s: rank.get(s, len(rank)))).sort_values(
        ["_rank", "lag_pp"], kind="stable", na_position="last")
    signs = rows["direction"].map(lambda d: "≤" if d == "<=" else "≥")
    return pd.DataFrame({
        "指标": rows["name"].tolist(),
        "状态": rows["status"].tolist(),
        "本年累计": [fmt.with_unit(a, u) for a, u in zip(rows["actual"], rows["unit"], strict=True)],
        "目标": [f"{s}{fmt.with_unit(t, u)}" for s, t, u in zip(signs, rows["target"], rows["unit"], strict=True)],
        "应达": [fmt.with_unit(e, u) for e, u in zip(rows["expected"], rows["unit"], strict=True)],
        "进度差": rows["lag_pp"].map(narrative.signed_pp).tolist(),
    })


def reference_rows(reference: pd.DataFrame) -> pd.DataFrame:
    """Columns: 指标, 目标, 辖区, 年度, 说明, 来源 (reference rows: never paced, never 章丘's)."""
    return pd.DataFrame({
        "指标": reference["name"],
        "目标": [fmt.with_unit(t, u) for t, u in zip(reference["target"], reference["unit"], strict=True)],
        "辖区": reference["jurisdiction"], "年度": reference["year"].astype(str),
        "说明": reference["rule_text"].fillna(""),
        "来源": (reference["source_doc"].fillna("") + " " + reference["source_article"].fillna("")).str.strip(),
    })


def trend_to(trend: pd.DataFrame, month: int) -> pd.DataFrame:
    """The trend rows up to and including `month` (the period shown)."""
    return trend[trend["month"] <= month]
