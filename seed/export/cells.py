"""Cells, widths and names of the exports: formula escapes, whole numbers, rates as text, file names."""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from services.rules.text import column_width, text_width  # noqa: F401 - re-exported for seed.export

EXPORT_VERSION = "1"
FONT = "宋体"
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
NO_YEAR = ("区县", "监管所", "包保主体", "包保干部", "小作坊")  # the export ignores the year
COUNT = "count"  # column type of an indicator column of the wide kinds
DEMO_COLUMN = "示例"  # the last column of an export with include_demo: 是 for a 示例 row, 否 for a real one


# --- small helpers ------------------------------------------------------------------------


def needs_escape(text: str) -> bool:
    """True when a spreadsheet opening this text from a CSV would treat it as a formula."""
    if not text:
        return False
    first = unicodedata.normalize("NFKC", text[0])[:1]
    return text[0] in FORMULA_LEADERS or first in FORMULA_LEADERS


def csv_escape(value: object) -> object:
    """A text cell with a formula leader gets a leading apostrophe (OWASP); everything else is unchanged."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def whole(value: float | int | None) -> float | int | None:
    """An int when the number is whole (targets, counts), else the float."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value


def percent_text(fraction: float | None) -> str | None:
    """0.95 -> "95%": how the bureau writes rates, and what the importer reads back to the same fraction."""
    if fraction is None:
        return None
    number = round(fraction * 100, 9)
    return format(number, ".12g") + "%"


def blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def join_list(items: list[str]) -> str | None:
    return "、".join(items) if items else None


def export_filename(kind: str, year: int | None = None, fmt: str = "xlsx", *, include_demo: bool = False) -> str:
    """A file name that keeps the year (the importer reads "2022年" from a CSV's name when it has no title)."""
    prefix = f"{year}年度" if year and kind not in NO_YEAR else ""
    return f"{prefix}{kind}（导出{'，含示例数据' if include_demo else ''}）.{fmt}"


def export_title(kind: str, year: int | None) -> str:
    if year and kind not in NO_YEAR:
        return f"{year}年度{kind}（导出）"
    return f"{kind}（导出）"
