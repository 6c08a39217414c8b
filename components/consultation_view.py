"""The 季度风险会商 part of the 会议材料 page: the year and quarter to draft for, and the two downloads of the pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components import auth
from services.rules import consultation as rules

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pick_quarter(as_of: dt.date, years: list[int]) -> tuple[int | None, int | None]:
    """Year and quarter selects, by default the latest quarter begun by as_of; a quarter not begun is not offered.
    (None, …) while a select is cleared."""
    latest_year, latest_quarter = rules.latest_quarter(as_of)
    options = sorted({y for y in years if y <= latest_year} | {latest_year}, reverse=True)
    c1, c2 = st.columns(2)
    year = c1.selectbox("会商年度", options, index=options.index(latest_year), format_func=lambda y: f"{y}年",
                        placeholder="请选择年度", key="consult-year")
    quarters = list(rules.QUARTERS) if year is None or year < latest_year else list(range(1, latest_quarter + 1))
    default = len(quarters) - 1 if year == latest_year else 0
    quarter = c2.selectbox("季度", quarters, index=default, format_func=lambda q: f"第{q}季度",
                           placeholder="请选择季度", key="consult-quarter")
    return year, quarter


def downloads(made: Mapping[str, Any], names: Mapping[str, str]) -> None:
    """The pack's Word and Excel side by side (names: suffix → file name), each download audited as 导出."""
    labels = {".docx": ("下载风险会商材料（Word）", DOCX_MIME), ".xlsx": ("下载风险会商统计表（Excel）", XLSX_MIME)}
    for column, (suffix, (label, mime)) in zip(st.columns(2), labels.items(), strict=True):
        name = names[suffix]
        column.download_button(label, data=made[suffix[1:]], file_name=name, mime=mime, key=f"consult{suffix}",
                               on_click=auth.audit_export, args=(name, made["rows"]), icon=":material/download:")
