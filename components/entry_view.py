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


def _run(action: Callable[[], Any], *, failure: str, logged: str) -> Any | None:
    """The saver's result, or None once a refusal, a check that failed or an unexpected error is shown in Chinese
    (the last without a trace; the log has it)."""
    try:
        result = action()
    except (PermissionError, LookupError) as e:
        st.error(fmt.md_escape(e))
        return None
    except Exception:
        log.exception(logged)
        st.error(failure)
        return None
    if result.errors:
        show_errors(result.errors)
        return None
    return result


def preview(check: Callable[[], Any], key: str) -> None:
    """The dry run of the edits so far (the saver with dry_run=True): what 保存 would change, named, or why not.
    Nothing is shown before the first edit."""
    if not edits(key):
        return
    result = _run(check, failure="检查失败，请稍后重试，或联系管理员。", logged="数据填报检查失败")
    if result is None:
        return
    (st.info if result.would_change else st.caption)(fmt.md_escape(result.message))
    if result.warnings:
        st.warning("\n".join(f"- {fmt.md_escape(w)}" for w in result.warnings))


def attempt(save: Callable[[], Any]) -> None:
    """Run one save; a refusal or a check that failed is shown in its own words, anything else without a trace."""
    result = _run(save, failure="保存失败，数据未写入。请稍后重试，或联系管理员。", logged="数据填报保存失败")
    if result is None:
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


def check_and_save(kind: str, key: str, save: Callable[..., Any]) -> None:
    """The dry run of the edits so far above the 保存 button (save(dry_run=True)), or, once it is pressed, the save."""
    slot = st.container()
    if save_button(kind):
        attempt(save)
    else:
        with slot:
            preview(lambda: save(dry_run=True), key)


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
        ef.progress_view(frame, edits(key)), key=key, hide_index=True, width="stretch",
        num_rows="fixed", disabled=[ef.COL_ITEM, "单位", ef.COL_TARGET, ef.COL_LAST, ef.COL_NEW, ef.COL_HINT],
        column_config={
            ef.COL_ITEM: st.column_config.TextColumn(help="任务清单中的任务项"),
            ef.COL_TARGET: st.column_config.NumberColumn(format="%d", help="本所本年度的任务目标"),
            ef.COL_LAST: st.column_config.TextColumn(help="截至上月底的累计完成数（本月之前最近一次上报的数）"),
            ef.COL_VALUE: st.column_config.TextColumn(help="截至本月底的累计完成数（含以前各月），整数，不能为负"),
            ef.COL_NEW: st.column_config.TextColumn(help="本月累计 − 上月累计"),
            ef.COL_REASON: st.column_config.TextColumn(max_chars=entry.REASON_MAX, width="medium",
                                                       help="本月累计低于上月累计时必须填写原因，随本次填报一并记录"),
        },
    )


def hazard_editor(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The 风险隐患排查整治表 editor; the edited rows."""
    return st.data_editor(
        ef.hazard_view(frame), key=key, hide_index=True, num_rows="fixed", width="stretch",
        disabled=[ef.HZ_ITEM, "单位", ef.HZ_BEFORE, ef.HZ_LIST],
        column_config={
            ef.HZ_BEFORE: st.column_config.TextColumn(help="1月至上月各月上报数之和"),
            ef.HZ_VALUE: st.column_config.TextColumn(help="本月的数字（不是累计），整数，不能为负；没有请填0"),
            ef.HZ_LIST: st.column_config.TextColumn(help="隐患清单中本月发现的隐患数，及其中截至上报日已整改的数"),
        },
    )


def kpi_editor(frame: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The 指标月报 editor (rates in percent); the edited rows."""
    return st.data_editor(
        ef.kpi_view(frame), key=key, hide_index=True, num_rows="fixed", width="stretch",
        disabled=[ef.KPI_NAME, "单位", ef.KPI_TARGET, ef.KPI_LAST],
        column_config={
            ef.KPI_NAME: st.column_config.TextColumn(width="large"),
            ef.KPI_TARGET: st.column_config.TextColumn(help="本年度目标：≥ 不低于，≤ 不高于"),
            ef.KPI_LAST: st.column_config.TextColumn(help="截至上月底的本年累计值（本月之前最近一次填报的数）"),
            ef.KPI_VALUE: st.column_config.TextColumn(
                help="截至本月底的本年累计值；比率填百分数（如 96 表示96%），其他填数量"),
            ef.KPI_NUM: st.column_config.TextColumn(help="比率的分子，如合格批次数（可不填）"),
            ef.KPI_DEN: st.column_config.TextColumn(help="比率的分母，如抽检批次数（可不填）"),
        },
    )
