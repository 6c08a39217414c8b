"""数据填报: a station's monthly 累计完成 and 风险隐患排查整治表 (监管所: its own; 食安办: any station) and the office's
KPI monthly values, checked and saved by db.entry as one batch that 导入记录 can undo."""

import logging
from collections.abc import Mapping

import pandas as pd
import streamlit as st
from sqlmodel import Session

from components import auth as web_auth
from components import data
from services import entry, kpi_entry
from services.rules import fmt
from services.rules.localtime import local_time_label
from services.rules.permissions import ACT, can, station_scope

log = logging.getLogger(__name__)

FLASH = "entry_flash"  # (message, warnings) of the last save, shown on the next run (st.rerun drops what is shown now)
GEN = "entry_gen"  # bumped after a save so the editors start again from the stored figures
COL_VALUE, COL_REASON, COL_LAST, COL_NEW, COL_HINT = "本月累计完成", "说明", "上月累计", "本月新增", "提示"
KPI_VALUE, KPI_NUM, KPI_DEN = "本年累计", "分子", "分母"
HZ_VALUE, HZ_BEFORE, HZ_LIST = "本月", "本年此前累计", "隐患清单"
REPORTS = ("任务进度", "风险隐患排查整治表")  # the two monthly reports a station sends (DOMAIN.md §5)

user = web_auth.current_user()
st.title("数据填报")
if not can(user.role, entry.ENTRY_PAGE, ACT):
    st.error("当前账号无权操作“数据填报”")
    st.stop()
try:
    own = station_scope(user)
except PermissionError as e:  # a 监管所 account without a station
    st.error(fmt.md_escape(e))
    st.stop()

if flash := st.session_state.pop(FLASH, None):
    message, warnings = flash
    st.success(fmt.md_escape(message))
    if warnings:
        st.warning("\n".join(f"- {fmt.md_escape(w)}" for w in warnings))
gen = st.session_state.setdefault(GEN, 0)

as_of = data.as_of()
year = as_of.year
months = list(range(1, as_of.month + 1))
stations = data.stations()
station_names = {int(i): name for i, name in zip(stations["station_id"], stations["station"], strict=True)}

left, right = st.columns(2)
month = left.selectbox("填报月份", months, index=len(months) - 1, format_func=lambda mo: fmt.month_label(year, mo),
                       key="entry_month")
if own is not None:
    station_id = own
    right.selectbox("监管所", [station_names.get(own, f"编号 {own}")], disabled=True, key="entry_station_own",
                    help="监管所账号只能填报本所的数据")
elif station_names:
    by_name = {name: i for i, name in station_names.items()}
    station_id = by_name[right.selectbox("监管所", list(by_name), key="entry_station")]
else:
    station_id = None
report = st.segmented_control("填报内容", REPORTS, default=REPORTS[0], key="entry_report",
                              help="监管所每月23日前上报任务进度和风险隐患排查整治表") or REPORTS[0]

def show_errors(errors: list[str]) -> None:
    st.error("未保存，请修改以下问题后重新保存：\n" + "\n".join(f"- {fmt.md_escape(e)}" for e in errors))


def attempt(save) -> None:
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
    st.session_state[GEN] = gen + 1
    st.rerun()


def edits(key: str) -> dict[int, dict]:
    """The editor's cell edits so far (row position → column → value), to compute the derived columns."""
    state = st.session_state.get(key)
    rows = state.get("edited_rows") if isinstance(state, Mapping) else None
    return {int(r): dict(cells) for r, cells in (rows or {}).items()}


def history(frame: pd.DataFrame, key: str) -> None:
    if frame.empty:
        st.caption("本月尚无填报记录。")
        return
    st.dataframe(pd.DataFrame({
        "批次": frame["batch_id"].map(lambda b: f"#{b}"),
        "保存时间": frame["created_at"].map(local_time_label),
        "填报人": frame["user"].fillna(""),
        "状态": frame["status"],
        "新增": frame["n_new"], "更新": frame["n_updated"],
        "提示": frame["warnings"].map(lambda w: "；".join(w or [])),
    }), hide_index=True, key=key)


def progress_form(station_id: int) -> None:
    name = station_names.get(station_id, "")
    with Session(data.engine()) as session:
        frame = entry.entry_frame(session=session, viewer=user, station_id=station_id, year=year, month=month)
        saves = entry.entry_batches(session=session, viewer=user, station_id=station_id, year=year, month=month)
    if frame.empty:
        st.info(f"{fmt.md_escape(name)}{year}年尚无任务清单，请先在“数据导入”中导入任务清单。")
        return
    key = f"entry-progress-{station_id}-{year}-{month}-{gen}"
    view = pd.DataFrame({
        "指标": frame["indicator_name"], "单位": frame["unit"], "目标": frame["target"],
        COL_LAST: frame["last_cumulative"], COL_VALUE: frame["cumulative"], COL_NEW: frame["increment"],
        COL_HINT: "", COL_REASON: "",
    })
    # The derived columns follow the cells edited so far, so the increment is shown as soon as a figure is typed.
    for row, cells in edits(key).items():
        if row in view.index:
            for column, value in cells.items():
                if column in (COL_VALUE, COL_REASON):
                    view.at[row, column] = value
    view[COL_NEW] = view[COL_VALUE].astype("float64") - view[COL_LAST].fillna(0)
    falls = view[COL_VALUE] < view[COL_LAST]
    over = view[COL_VALUE] > view["目标"]
    view[COL_HINT] = [("低于上月，须填写说明" if f else "") + ("；" if f and o else "") + ("超过年度目标" if o else "")
                      for f, o in zip(falls, over, strict=True)]
    base = view.assign(**{COL_VALUE: frame["cumulative"], COL_REASON: ""})
    st.caption(f"{fmt.md_escape(name)} · {fmt.month_label(year, month)}：填写截至本月底的累计完成数（不是本月新增）。"
               "上月累计为本月之前最近一次上报的数；低于上月须在“说明”中写明原因，超过年度目标会提示。")
    edited = st.data_editor(
        base.assign(**{COL_NEW: view[COL_NEW], COL_HINT: view[COL_HINT]}), key=key, hide_index=True,
        num_rows="fixed", disabled=["指标", "单位", "目标", COL_LAST, COL_NEW, COL_HINT],
        column_config={
            "目标": st.column_config.NumberColumn(format="%d"),
            COL_LAST: st.column_config.NumberColumn(format="%d"),
            COL_VALUE: st.column_config.NumberColumn(min_value=0, step=1, format="%d",
                                                     help="截至本月底的累计完成数，整数，不能为负"),
            COL_NEW: st.column_config.NumberColumn(format="%d", help="本月累计完成 − 上月累计"),
            COL_REASON: st.column_config.TextColumn(max_chars=entry.REASON_MAX,
                                                    help="累计数低于上月时必须填写原因，随本次填报一并记录"),
        },
    )
    if st.button("保存", type="primary", key=f"entry-save-progress-{gen}", icon=":material/save:"):
        ids = frame["indicator_id"].tolist()
        rows = dict(zip(ids, edited[COL_VALUE].tolist(), strict=True))
        reasons = dict(zip(ids, edited[COL_REASON].tolist(), strict=True))
        attempt(lambda: entry.save_progress(engine=data.engine(), viewer=user, station_id=station_id, year=year,
                                            month=month, rows=rows, reasons=reasons, today=as_of))
    with st.expander("本月填报记录", expanded=False):
        history(saves, key=f"entry-history-{station_id}")


def hazard_form(station_id: int) -> None:
    name = station_names.get(station_id, "")
    with Session(data.engine()) as session:
        frame = entry.hazard_entry_frame(session=session, viewer=user, station_id=station_id, year=year, month=month)
        saves = entry.hazard_entry_batches(session=session, viewer=user, station_id=station_id, year=year,
                                           month=month)
    view = pd.DataFrame({"项目": frame["item"], "单位": frame["unit"], HZ_BEFORE: frame["ytd_before"],
                         HZ_VALUE: frame["value"], HZ_LIST: frame["listed"]})
    reported = frame.attrs.get("report_date")
    st.caption(f"{fmt.md_escape(name)} · {fmt.month_label(year, month)}风险隐患排查整治表："
               "填写本月的数字（不是累计），四项都要填，没有请填0。整改隐患数为本月发现的隐患中截至上报时已整改的数量，"
               "不能大于发现隐患数。“隐患清单”列为已导入清单中的条数，仅供核对，不一致时保存后会提示。"
               + (f"本月已于{fmt.date_label(reported)}上报，更正不改变上报日期。" if reported else ""))
    edited = st.data_editor(
        view, key=f"entry-hazard-{station_id}-{year}-{month}-{gen}", hide_index=True, num_rows="fixed",
        disabled=["项目", "单位", HZ_BEFORE, HZ_LIST],
        column_config={
            HZ_BEFORE: st.column_config.NumberColumn(format="%d", help="1月至上月各月上报数之和"),
            HZ_VALUE: st.column_config.NumberColumn(min_value=0, step=1, format="%d", help="本月数字，整数，不能为负"),
            HZ_LIST: st.column_config.NumberColumn(format="%d", help="隐患清单中本月发现的隐患数，及其中截至上报日已整改的数"),
        },
    )
    if st.button("保存", type="primary", key=f"entry-save-hazard-{gen}", icon=":material/save:"):
        rows = dict(zip(frame["field"], edited[HZ_VALUE].tolist(), strict=True))
        attempt(lambda: entry.save_hazards(engine=data.engine(), viewer=user, station_id=station_id, year=year,
                                           month=month, rows=rows, today=as_of))
    with st.expander("本月填报记录", expanded=False):
        history(saves, key=f"entry-hazard-history-{station_id}")


def station_form(station_id: int) -> None:
    """The chosen monthly report of the station: 任务进度 or 风险隐患排查整治表."""
    if report == REPORTS[1]:
        hazard_form(station_id)
    else:
        progress_form(station_id)


def _rate_text(value: float, unit: str) -> str:
    return fmt.pct(value) if unit == "%" else f"{fmt.num(value)}{unit}"


def _as_typed(value, unit: str):
    """A rate typed as a percentage goes to the importer's parser with its % sign, as in a spreadsheet."""
    if value is None or pd.isna(value):
        return None
    return f"{format(round(float(value), 10), 'f').rstrip('0').rstrip('.')}%" if unit == "%" else float(value)


def kpi_form() -> None:
    with Session(data.engine()) as session:
        frame = kpi_entry.kpi_entry_frame(session=session, viewer=user, year=year, month=month)
        saves = kpi_entry.kpi_entry_batches(session=session, viewer=user, year=year, month=month)
    if frame.empty:
        st.info(f"{year}年尚无需要填报的指标，请先在“数据导入”中导入指标表。")
        return
    is_rate = frame["unit"].eq("%")
    view = pd.DataFrame({
        "指标": frame["name"], "单位": frame["unit"],
        "目标": [("≤" if d == "<=" else "≥") + _rate_text(t, u)
               for t, u, d in zip(frame["target"], frame["unit"], frame["direction"], strict=True)],
        "上月值": [_rate_text(v, u) if not pd.isna(v) else fmt.MISSING
                for v, u in zip(frame["last_value"], frame["unit"], strict=True)],
        KPI_VALUE: frame["value"].where(~is_rate, frame["value"] * 100),
        KPI_NUM: frame["numerator"], KPI_DEN: frame["denominator"],
    })
    st.caption(f"{fmt.month_label(year, month)}：填写各指标截至本月底的本年累计值；比率按百分数填写（如 96 表示96%）。"
               "月报按时上报率由系统根据上报记录自动计算，无须填报。")
    edited = st.data_editor(
        view, key=f"entry-kpi-{year}-{month}-{gen}", hide_index=True, num_rows="fixed",
        disabled=["指标", "单位", "目标", "上月值"],
        column_config={
            KPI_VALUE: st.column_config.NumberColumn(min_value=0,
                                                     help="比率填百分数（0–100），其他填数量"),
            KPI_NUM: st.column_config.NumberColumn(min_value=0), KPI_DEN: st.column_config.NumberColumn(min_value=0),
        },
    )
    if st.button("保存", type="primary", key=f"entry-save-kpi-{gen}", icon=":material/save:"):
        rows = {
            int(kid): {"value": _as_typed(v, unit), "numerator": None if pd.isna(n) else float(n),
                       "denominator": None if pd.isna(d) else float(d)}
            for kid, unit, v, n, d in zip(frame["kpi_id"], frame["unit"], edited[KPI_VALUE], edited[KPI_NUM],
                                          edited[KPI_DEN], strict=True)
        }
        attempt(lambda: kpi_entry.save_kpi_values(engine=data.engine(), viewer=user, year=year, month=month, rows=rows,
                                              today=as_of))
    with st.expander("本月填报记录", expanded=False):
        history(saves, key="entry-kpi-history")


if station_id is None:
    st.info("尚无监管所，请先导入监管所表。")
elif own is None:
    t_station, t_kpi = st.tabs([report, "指标月报"])
    with t_station:
        station_form(int(station_id))
    with t_kpi:
        kpi_form()
else:
    station_form(int(station_id))
