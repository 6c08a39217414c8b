"""数据填报's renderers: the three editors (任务进度, 风险隐患排查整治表, 指标月报), the save's outcome and the month's
saves. They take frames (services.entry_forms) and hand back the edited rows; the page calls the savers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from services import entry
from services import entry_forms as ef
from services.rules import fmt

log = logging.getLogger(__name__)

FLASH = "entry_flash"  # (message, warnings) of the last save, shown on the next run (st.rerun drops what is shown now)
GEN = "entry_gen"  # bumped after a save so the editors start again from the stored figures


def generation() -> int:
    """The editors' generation: a save moves it on, so they start again from the stored figures."""
    return st.session_state.setdefault(GEN, 0)


def show_flash() -> None:
    """The last save's message and warnings, kept across its rerun."""
    if flash := st.session_state.pop(FLASH, None):
        message, warnings = flash
        st.success(fmt.md_escape(message))
        if warnings:
            st.warning("\n".join(f"- {fmt.md_escape(w)}" for w in warnings))


def show_errors(errors: list[str]) -> None:
    st.error("未保存，请修改以下问题后重新保存：\n" + "\n".join(f"- {fmt.md_escape(e)}" for e in errors))


def attempt(save: Callable[[], Any]) -> None:
    """Run one save; a refusal or a check that failed is shown in its own words, anything else without a trace."""
    try:
        result = save()
    except (PermissionError, LookupError) as e:
        st.error(fmt.md_escape(e))
        return
    except Exception:
        log.exception("数据填报保存失败")
        st.error("保存失败，数据未写入。请稍后重试，或联系管理员。")
        return
    if result.errors:
        show_errors(result.errors)
        return
    if not result.changed:
        st.info(result.message)
        return
    st.session_state[FLASH] = (result.message + "。如需撤销，可在“导入记录”中撤销该批次。", result.warnings)
    st.session_state[GEN] = generation() + 1
    st.rerun()


def edits(key: str) -> dict[int, dict]:
    """The editor's cell edits so far (row position → column → value), to compute the derived columns."""
    state = st.session_state.get(key)
    rows = state.get("edited_rows") if isinstance(state, Mapping) else None
    return {int(r): dict(cells) for r, cells in (rows or {}).items()}


def save_button(kind: str) -> bool:
    return st.button("保存", type="primary", key=f"entry-save-{kind}-{generation()}", icon=":material/save:")


def history(batches: pd.DataFrame, key: str) -> None:
    with st.expander("本月填报记录", expanded=False):
        if batches.empty:
            st.caption("本月尚无填报记录。")
            return
        st.dataframe(ef.history_view(batches), hide_index=True, key=key)


def progress_editor(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The 任务进度 editor (derived columns following the edits so far); the edited rows."""
    return st.data_editor(
        ef.progress_view(frame, edits(key)), key=key, hide_index=True,
        num_rows="fixed", disabled=["指标", "单位", "目标", ef.COL_LAST, ef.COL_NEW, ef.COL_HINT],
        column_config={
            "目标": st.column_config.NumberColumn(format="%d"),
            ef.COL_LAST: st.column_config.NumberColumn(format="%d"),
            ef.COL_VALUE: st.column_config.NumberColumn(min_value=0, step=1, format="%d",
                                                        help="截至本月底的累计完成数，整数，不能为负"),
            ef.COL_NEW: st.column_config.NumberColumn(format="%d", help="本月累计完成 − 上月累计"),
            ef.COL_REASON: st.column_config.TextColumn(max_chars=entry.REASON_MAX,
                                                       help="累计数低于上月时必须填写原因，随本次填报一并记录"),
        },
    )


def hazard_editor(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The 风险隐患排查整治表 editor; the edited rows."""
    return st.data_editor(
        ef.hazard_view(frame), key=key, hide_index=True, num_rows="fixed",
        disabled=["项目", "单位", ef.HZ_BEFORE, ef.HZ_LIST],
        column_config={
            ef.HZ_BEFORE: st.column_config.NumberColumn(format="%d", help="1月至上月各月上报数之和"),
            ef.HZ_VALUE: st.column_config.NumberColumn(min_value=0, step=1, format="%d",
                                                       help="本月数字，整数，不能为负"),
            ef.HZ_LIST: st.column_config.NumberColumn(format="%d",
                                                      help="隐患清单中本月发现的隐患数，及其中截至上报日已整改的数"),
        },
    )


def kpi_editor(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The 指标月报 editor (rates in percent); the edited rows."""
    return st.data_editor(
        ef.kpi_view(frame), key=key, hide_index=True, num_rows="fixed",
        disabled=["指标", "单位", "目标", "上月值"],
        column_config={
            ef.KPI_VALUE: st.column_config.NumberColumn(min_value=0, help="比率填百分数（0–100），其他填数量"),
            ef.KPI_NUM: st.column_config.NumberColumn(min_value=0),
            ef.KPI_DEN: st.column_config.NumberColumn(min_value=0),
        },
    )
