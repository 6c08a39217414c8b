"""数据填报's three forms as frames: what the editors show (from services.entry's frames and the cells edited so
far) and what a save hands back to services.entry. Streamlit-free; the column names are the editors' headings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from services.rules import fmt
from services.rules.localtime import local_time_label

# 任务进度 (累计完成 is cumulative: the month's figure is 本月累计, DOMAIN.md §1)
COL_ITEM, COL_TARGET = "任务项", "年度目标"
COL_VALUE, COL_REASON, COL_LAST, COL_NEW, COL_HINT = "本月累计", "说明", "上月累计", "本月新增", "提示"
# 指标月报 (year-to-date readings: the month's is 本月累计, the latest earlier one 上月累计)
KPI_NAME, KPI_TARGET, KPI_LAST = "指标", "目标", "上月累计"
KPI_VALUE, KPI_NUM, KPI_DEN = "本月累计", "分子", "分母"
# 风险隐患排查整治表 (monthly figures, not cumulative)
HZ_ITEM = "项目"
HZ_VALUE, HZ_BEFORE, HZ_LIST = "本月数", "1月至上月合计", "隐患清单核对数"


def cell(value: Any) -> str:
    """A figure in an editor cell, as text: Streamlit's grid draws an empty number cell as the English "None", an
    empty text cell as nothing. 14.0 → "14", 0.5 → "0.5", NaN → ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value.strip() if isinstance(value, str) else f"{float(value):g}"


def number(value: Any) -> float:
    """A cell's text as a number (NaN when blank or not a number): the live columns follow what can be read."""
    return pd.to_numeric(pd.Series([cell(value)]), errors="coerce").iloc[0]


def progress_view(frame: pd.DataFrame, edits: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """The 任务进度 editor's rows from services.entry.entry_frame: the stored figures, with 本月新增 and 提示
    following the cells edited so far (`edits`: row position → column → value).

    Columns: 任务项, 单位, 年度目标, 上月累计, 本月累计 (stored), 本月新增, 提示, 说明 ("")."""
    view = pd.DataFrame({
        COL_ITEM: frame["indicator_name"], "单位": frame["unit"], COL_TARGET: frame["target"],
        COL_LAST: frame["last_cumulative"].map(cell), COL_VALUE: frame["cumulative"].map(cell), COL_NEW: "",
        COL_HINT: "", COL_REASON: "",
    })
    for row, cells in edits.items():
        if row in view.index:
            for column, value in cells.items():
                if column in (COL_VALUE, COL_REASON):
                    view.at[row, column] = cell(value) if column == COL_VALUE else value
    now = view[COL_VALUE].map(number)
    last = frame["last_cumulative"]
    view[COL_NEW] = (now - last.fillna(0)).map(cell)
    falls, over = now < last, now > view[COL_TARGET]
    view[COL_HINT] = [("低于上月，须填写说明" if f else "") + ("；" if f and o else "") + ("超过年度目标" if o else "")
                      for f, o in zip(falls, over, strict=True)]
    # The editor starts from the stored figures (its own state holds the edits); the derived columns are live.
    return view.assign(**{COL_VALUE: frame["cumulative"].map(cell), COL_REASON: ""})


def progress_rows(frame: pd.DataFrame, edited: pd.DataFrame) -> tuple[dict[int, Any], dict[int, Any]]:
    """(figures, reasons) by indicator_id from the edited 任务进度 rows, for services.entry.save_progress."""
    ids = frame["indicator_id"].tolist()
    return (dict(zip(ids, edited[COL_VALUE].tolist(), strict=True)),
            dict(zip(ids, edited[COL_REASON].tolist(), strict=True)))


def hazard_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The 风险隐患排查整治表 editor's rows from services.entry.hazard_entry_frame.

    Columns: 项目, 单位, 1月至上月合计, 本月数, 隐患清单核对数."""
    return pd.DataFrame({HZ_ITEM: frame["item"], "单位": frame["unit"], HZ_BEFORE: frame["ytd_before"].map(cell),
                         HZ_VALUE: frame["value"].map(cell), HZ_LIST: frame["listed"].map(cell)})


def hazard_rows(frame: pd.DataFrame, edited: pd.DataFrame) -> dict[str, Any]:
    """The month's figures by field, for services.entry.save_hazards."""
    return dict(zip(frame["field"], edited[HZ_VALUE].tolist(), strict=True))


def as_typed(value: Any, unit: str) -> str | None:
    """A cell's text for the importer's parser; a rate typed as a percentage goes with its % sign, as in a
    spreadsheet ("96" → "96%"); text that is no number goes as typed, for the parser's own Chinese message."""
    text = cell(value)
    if not text:
        return None
    return f"{text}%" if unit == "%" and not pd.isna(number(text)) else text


def kpi_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The 指标月报 editor's rows from services.entry.kpi_entry_frame; rates in percent.

    Columns: 指标, 单位, 目标 (text, ≥/≤), 上月累计 (text), 本月累计, 分子, 分母."""
    is_rate = frame["unit"].eq("%")
    return pd.DataFrame({
        KPI_NAME: frame["name"], "单位": frame["unit"],
        KPI_TARGET: [("≤" if d == "<=" else "≥") + fmt.with_unit(t, u)
               for t, u, d in zip(frame["target"], frame["unit"], frame["direction"], strict=True)],
        KPI_LAST: [fmt.with_unit(v, u) if not pd.isna(v) else fmt.MISSING
                for v, u in zip(frame["last_value"], frame["unit"], strict=True)],
        KPI_VALUE: frame["value"].where(~is_rate, frame["value"] * 100).map(cell),
        KPI_NUM: frame["numerator"].map(cell), KPI_DEN: frame["denominator"].map(cell),
    })


def kpi_rows(frame: pd.DataFrame, edited: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """{kpi_id: {value, numerator, denominator}} of the 指标月报 rows whose cells were edited, for
    services.kpi_entry.save_kpi_values. A row left as shown is not handed back, and a value cell left as shown goes
    back as the stored figure (a fraction for rates), not as its shortened text: neither counts as a change."""
    shown = kpi_view(frame)
    out: dict[int, dict[str, Any]] = {}
    for i, kid, unit, stored in zip(frame.index, frame["kpi_id"], frame["unit"], frame["value"], strict=True):
        now = {c: cell(edited.at[i, c]) for c in (KPI_VALUE, KPI_NUM, KPI_DEN)}
        if all(now[c] == shown.at[i, c] for c in now):
            continue
        value = float(stored) if now[KPI_VALUE] == shown.at[i, KPI_VALUE] and now[KPI_VALUE] else as_typed(
            now[KPI_VALUE], unit)
        out[int(kid)] = {"value": value, "numerator": now[KPI_NUM] or None, "denominator": now[KPI_DEN] or None}
    return out


def history_view(batches: pd.DataFrame) -> pd.DataFrame:
    """The month's saves (services.entry.*_batches) for the 本月填报记录 table.

    Columns: 批次, 保存时间, 填报人, 状态, 新增, 更新, 提示."""
    return pd.DataFrame({
        "批次": batches["batch_id"].map(lambda b: f"#{b}"),
        "保存时间": batches["created_at"].map(local_time_label),
        "填报人": batches["user"].fillna(""),
        "状态": batches["status"],
        "新增": batches["n_new"], "更新": batches["n_updated"],
        "提示": batches["warnings"].map(lambda w: "；".join(w or [])),
    })
