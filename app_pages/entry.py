"""数据填报: a station's monthly 累计完成 and 风险隐患排查整治表 (监管所: its own; 食安办: any station) and the office's
KPI monthly values, checked and saved by services.entry as one batch that 导入记录 can undo."""

import logging

import streamlit as st

from components import auth as web_auth
from components import data
from components import entry_view as ev
from services import entry, kpi_entry
from services import entry_forms as ef
from services.rules import fmt
from services.rules.permissions import ACT, can, station_scope

REPORTS = ("任务进度", "风险隐患排查整治表")  # the two monthly reports a station sends (DOMAIN.md §5)
KPIS = "指标月报"  # the office's own
PICK = "请选择"

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

ev.show_flash()
gen = ev.generation()

as_of = data.as_of()
year = as_of.year
months = list(range(1, as_of.month + 1))
stations = data.stations()
station_names = {int(i): name for i, name in zip(stations["station_id"], stations["station"], strict=True)}

contents = REPORTS if own is not None else (*REPORTS, KPIS)
report = st.segmented_control("填报内容", contents, default=REPORTS[0], key="entry_report",
                              help="监管所每月23日前上报任务进度和风险隐患排查整治表；指标月报由食安办填报") or REPORTS[0]
# One row of boxes, each as wide as its longest choice needs, with room to spare at 1366×768 (issue 16).
left, right, _ = st.columns([1, 1, 1])
month = left.selectbox("填报月份", months, index=len(months) - 1, format_func=lambda mo: fmt.month_label(year, mo),
                       key="entry_month", placeholder=PICK)
station_id: int | None = None
if own is not None:
    station_id = own
    right.selectbox("监管所", [station_names.get(own, f"编号 {own}")], disabled=True, key="entry_station_own",
                    help="监管所账号只能填报本所的数据", placeholder=PICK)
elif report != KPIS and station_names:
    by_name = {name: i for i, name in station_names.items()}
    picked = right.selectbox("监管所", list(by_name), key="entry_station", placeholder=PICK)
    station_id = by_name.get(picked) if picked else None

def progress_form(station_id: int) -> None:
    name = station_names.get(station_id, "")
    frame = entry.entry_frame(viewer=user, station_id=station_id, year=year, month=month)
    saves = entry.entry_batches(viewer=user, station_id=station_id, year=year, month=month)
    if frame.empty:
        st.info(f"{fmt.md_escape(name)}{year}年尚无任务清单，请先在“数据导入”中导入任务清单。")
        return
    st.caption(f"{fmt.md_escape(name)} · {fmt.month_label(year, month)}：在“本月累计”列填写截至本月底的累计完成数"
               "（含以前各月，不是本月新增）。“上月累计”为本月之前最近一次上报的数；本月累计低于上月累计须在“说明”中"
               "写明原因，超过年度目标会提示。改动后表格下方列出将要保存的变化，确认无误再点“保存”。")
    key = f"entry-progress-{station_id}-{year}-{month}-{gen}"
    rows, reasons = ef.progress_rows(frame, ev.progress_editor(frame, key=key))

    def save(dry_run: bool = False) -> entry.SaveResult:
        return entry.save_progress(viewer=user, station_id=station_id, year=year, month=month, rows=rows,
                                   reasons=reasons, today=as_of, dry_run=dry_run)
    ev.check_and_save("progress", key, save)
    ev.history(saves, key=f"entry-history-{station_id}")


def hazard_form(station_id: int) -> None:
    name = station_names.get(station_id, "")
    frame = entry.hazard_entry_frame(viewer=user, station_id=station_id, year=year, month=month)
    saves = entry.hazard_entry_batches(viewer=user, station_id=station_id, year=year, month=month)
    reported = frame.attrs.get("report_date")
    st.caption(f"{fmt.md_escape(name)} · {fmt.month_label(year, month)}风险隐患排查整治表："
               "填写本月的数字（不是累计），四项都要填，没有请填0。整改隐患数为本月发现的隐患中截至上报时已整改的数量，"
               "不能大于发现隐患数。“隐患清单核对数”列为已导入清单中的条数，仅供核对，不一致时保存后会提示。"
               + (f"本月已于{fmt.date_label(reported)}上报，更正不改变上报日期。" if reported else ""))
    key = f"entry-hazard-{station_id}-{year}-{month}-{gen}"
    rows = ef.hazard_rows(frame, ev.hazard_editor(frame, key=key))

    def save(dry_run: bool = False) -> entry.SaveResult:
        return entry.save_hazards(viewer=user, station_id=station_id, year=year, month=month, rows=rows,
                                  today=as_of, dry_run=dry_run)
    ev.check_and_save("hazard", key, save)
    ev.history(saves, key=f"entry-hazard-history-{station_id}")


def station_form(station_id: int) -> None:
    """The chosen monthly report of the station: 任务进度 or 风险隐患排查整治表."""
    if report == REPORTS[1]:
        hazard_form(station_id)
    else:
        progress_form(station_id)


def kpi_form() -> None:
    frame = kpi_entry.kpi_entry_frame(viewer=user, year=year, month=month)
    saves = kpi_entry.kpi_entry_batches(viewer=user, year=year, month=month)
    if frame.empty:
        st.info(f"{year}年尚无需要填报的指标，请先在“数据导入”中导入指标表。")
        return
    st.caption(f"{fmt.month_label(year, month)}：在“本月累计”列填写各指标截至本月底的本年累计值；比率按百分数填写"
               "（如 96 表示96%）。月报按时上报率由系统根据上报记录自动计算，无须填报。")
    key = f"entry-kpi-{year}-{month}-{gen}"
    rows = ef.kpi_rows(frame, ev.kpi_editor(frame, key=key))

    def save(dry_run: bool = False) -> entry.SaveResult:
        return kpi_entry.save_kpi_values(viewer=user, year=year, month=month, rows=rows, today=as_of,
                                         dry_run=dry_run)
    ev.check_and_save("kpi", key, save)
    ev.history(saves, key="entry-kpi-history")


try:
    if month is None:
        st.info("请选择填报月份。")
    elif report == KPIS:
        kpi_form()
    elif station_id is not None:
        station_form(int(station_id))
    elif station_names:
        st.info("请选择监管所。")
    else:
        st.info("尚无监管所，请先导入监管所表。")
except (PermissionError, LookupError) as e:  # the services' own words (e.g. another station's data)
    st.error(fmt.md_escape(e))
except Exception:
    logging.getLogger(__name__).exception("数据填报页面出错")
    st.error("页面加载失败，请刷新后重试，或联系管理员。")
