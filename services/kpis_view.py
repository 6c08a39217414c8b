"""指标 page tables: the reference KPIs of other districts and a KPI's trend up to the month shown. Streamlit-free;
inputs are services.metrics.kpi_reference and kpi_trend."""

from __future__ import annotations

import pandas as pd

from services.rules import fmt


def reference_rows(reference: pd.DataFrame) -> pd.DataFrame:
    """Columns: 指标, 目标, 辖区, 年度, 说明, 来源."""
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
