"""数据来源: the lineage of a page's figures (services.lineage) as a small table — figure, value, month and source."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components import data
from services.rules import fmt


def show(source: Callable[..., pd.DataFrame], *, key: str, value_format: Callable[[float], str] = fmt.num,
         indicator_label: str = "指标", **kwargs) -> None:
    """A lineage list checked against the viewer (services.lineage.station_figures or kpi_figure, through
    components.data.listing) as a table; a refusal or nothing to show as a caption. value_format writes a value
    (e.g. fmt.pct for a rate); indicator_label heads the figure's name (任务项 on 任务清单, 指标 for a KPI)."""
    try:
        df = data.listing(source, **kwargs)
    except PermissionError as e:
        st.caption(fmt.md_escape(str(e)))
        return
    if df.empty:
        st.caption("没有可追溯的数据")
        return
    view = pd.DataFrame({
        **({indicator_label: df["indicator"]} if "indicator" in df else {}),
        "数据项": df["figure"], "数值": df["value"].map(lambda v: "" if pd.isna(v) else value_format(v)), "月份": df["month"], "来源": df["source"],
    })
    st.dataframe(view, hide_index=True, key=key)


def expander(label: str, source: Callable[..., pd.DataFrame], *, key: str, value_format: Callable[[float], str] = fmt.num,
             indicator_label: str = "指标", **kwargs) -> None:
    """A collapsed 数据来源 expander whose list is read only while it is open: opening it reruns the page
    (on_change="rerun"), so a page with a dozen of them reads none until one is opened. Its open state is kept under
    f"{key}-open" in session state."""
    box = st.expander(label, key=f"{key}-open", on_change="rerun")
    with box:
        if box.open:
            show(source, key=key, value_format=value_format, indicator_label=indicator_label, **kwargs)
