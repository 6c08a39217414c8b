"""The figures of the 食安委 meeting pack (reports.briefing) for a period: the same services the dashboard pages call,
read in one unit of work, with the day the data stand at and whether they are the demo figures.

Each section of the briefing reads one field of PackFigures:
  任务清单进度      totals, progress, red_stations (stations whose worst indicator is red, that indicator named)
  包保督导          district, by_station
  风险隐患排查整治  hazards (district: found / rectified / overdue, 隐患整改率 running and cohort), hazard_stations
  月报上报          reports (per station: 任务进度 and 风险隐患排查整治表 status of the month), report_rate
  工作要点与配档表  own_plan (章丘's own plan tasks, shown status), schedule (配档表, shown status)
  督办建议          built by reports.briefing from the fields above
  附录 参考资料     reference_plans (other districts' plans: listed, never counted)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from db import engine as dbe
from services import accounts, catalog, metrics, plans, reference_plans, submissions
from services.metrics import timeliness
from services.rules import deadlines as dl_rules
from services.rules import pacing, plan_status
from services.rules.permissions import ACT, require
from services.rules.viewer import SYSTEM, Viewer
from services.unit import unit_of_work

DEMO_NOTE = dbe.DEMO_NOTE  # said under the title of every document drawn from the demo database
# app_setting keys naming who writes the pack (the documents' author and company); see organisation().
ORGANISATION_KEY = "organisation"
SETTINGS_PAGE = "系统设置"  # the capability that may change them (services.rules.permissions), as for the 大屏
OFFICE_KEY = "organisation_office"

# The status shown for a 工作要点 or a 配档表 row (DOMAIN.md §2): 已完成; else 逾期未完成 once its deadline or
# window has passed (已延期 included); else the recorded status (未开始 / 进行中).
DONE, OVERDUE, DELAYED, IN_PROGRESS, NOT_STARTED = (plan_status.DONE, plan_status.OVERDUE, plan_status.DELAYED,
                                                   plan_status.IN_PROGRESS, plan_status.NOT_STARTED)
SHOWN_STATUSES = (DONE, OVERDUE, DELAYED, IN_PROGRESS, NOT_STARTED)  # the order the briefing counts them in
# 月报按时上报率 counts the 风险隐患排查整治表 from the month its rule starts (金山 2024 三(一) "5月起"; the setting
# monthly_report_start, 2022-05 in the demo: services/metrics/timeliness.report_start).
MONTHLY_REPORT_KIND = dl_rules.HAZARD_KIND
PROGRESS_REPORT_KIND = dl_rules.PROGRESS_KIND
RED_STATION_COLUMNS = ["station_id", "station", "worst_status", "worst_indicator", "worst_lag_pp", "worst_rate",
                       "expected_rate", "n_red", "red_indicators", "mean_lag_pp"]
REPORT_COLUMNS = ["station", "kind", "status", "deadline", "report_date", "days_late"]


@dataclass(frozen=True)
class HazardSummary:
    """隐患整改率 by DOMAIN.md §5, district-wide, for month M (ref = M's end or as_of): running = found 1 Jan…ref
    and rectified by ref ÷ found 1 Jan…ref; cohort = the same for hazards found in M. Open hazards as of ref:
    n_pending (not yet due), n_overdue (past their deadline)."""

    found_ytd: int
    rectified_ytd: int
    found_month: int
    rectified_month: int
    n_pending: int
    n_overdue: int
    n_stations: int
    n_reported: int
    basis: str | None  # 隐患清单 / 排查整治表, when the metric says


@dataclass(frozen=True)
class ReportRate:
    """月报按时上报率 year to date: reports in by their deadline ÷ reports due, from month `start`."""

    start: int | None  # None: the rule does not apply in the year
    n_ontime: int
    n_due: int


@dataclass(frozen=True)
class PackFigures:
    """The frames a meeting pack is written from; trend is None when no charts were asked for."""

    as_of: dt.date
    district_name: str
    progress: pd.DataFrame
    totals: pd.DataFrame
    gauges: pd.DataFrame
    lags: pd.DataFrame
    red_stations: pd.DataFrame
    task_window: pacing.Window  # the 任务清单's window (its due day is the red stations' 督办 term) and clause
    district: pd.DataFrame
    by_station: pd.DataFrame
    hazards: HazardSummary
    hazard_stations: pd.DataFrame
    reports: pd.DataFrame
    report_rate: ReportRate
    own_plan: pd.DataFrame
    schedule: pd.DataFrame
    reference_plans: pd.DataFrame
    trend: pd.DataFrame | None
    is_demo: bool
    organisation: str = ""  # who writes the pack: the documents' author (ORGANISATION_KEY)
    office: str = ""  # the documents' company (OFFICE_KEY)
    workshops: pd.DataFrame | None = None  # metrics.workshop_rates: the 小作坊 registers behind the task list


# --- 任务清单进度 ------------------------------------------------------------------------------------


def station_worst(lags: pd.DataFrame, progress: pd.DataFrame) -> pd.DataFrame:
    """Per red station (metrics.station_lag: a station's status is its worst indicator's): that indicator with its
    rate, expected rate and lag, how many indicators are red and their names — most behind first."""
    red_st = lags[lags["worst_status"] == "red"]
    if red_st.empty:
        return pd.DataFrame(columns=RED_STATION_COLUMNS)
    red = progress[progress["status"] == "red"].sort_values(["station_id", "lag_pp"])
    names = red.groupby("station_id")["indicator"].agg("、".join)
    worst = red_st.merge(
        progress[["station_id", "indicator", "rate", "expected_rate"]],
        left_on=["station_id", "worst_indicator"], right_on=["station_id", "indicator"], how="left")
    out = pd.DataFrame({
        "station_id": worst["station_id"], "station": worst["station"], "worst_status": worst["worst_status"],
        "worst_indicator": worst["worst_indicator"], "worst_lag_pp": worst["worst_lag_pp"].astype("float64"),
        "worst_rate": worst["rate"], "expected_rate": worst["expected_rate"],
        "n_red": worst["station_id"].map(red.groupby("station_id").size()).astype("int64"),
        "red_indicators": worst["station_id"].map(names), "mean_lag_pp": worst["mean_lag_pp"],
        "_order": worst["sort_order"],
    })
    return out.sort_values(["worst_lag_pp", "_order"], kind="stable")[RED_STATION_COLUMNS].reset_index(drop=True)


# --- 风险隐患排查整治 --------------------------------------------------------------------------------


def hazard_summary(totals: pd.DataFrame) -> HazardSummary:
    """The district's hazard figures from metrics.hazard_totals(_frame) for M: 隐患整改率 by DOMAIN.md §5 (found_ytd …
    rectified_month, from the 隐患清单 where present, else each station's reports), open and overdue hazards."""
    t = totals.iloc[0]
    return HazardSummary(found_ytd=int(t["found_ytd"]), rectified_ytd=int(t["rectified_ytd"]),
                         found_month=int(t["found_month"]), rectified_month=int(t["rectified_month"]),
                         basis=t.get("basis"), n_pending=int(t["n_pending"]), n_overdue=int(t["n_overdue"]),
                         n_stations=int(t["n_stations"]), n_reported=int(t["n_reported"]))


# --- 月报上报 -----------------------------------------------------------------------------------------


def _reports(session: Session, *, year: int, month: int, as_of: dt.date) -> tuple[pd.DataFrame, ReportRate]:
    """The month's row per station and kind (任务进度, 风险隐患), and 月报按时上报率 of the 风险隐患排查整治表
    from the rule's start month through the month (due months only)."""
    frames = []
    for kind in (PROGRESS_REPORT_KIND, MONTHLY_REPORT_KIND):
        grid = submissions.submission_grid(session=session, viewer=SYSTEM, year=year, month=month, as_of=as_of,
                                           kind=kind)
        frames.append(grid[grid["month"] == month].assign(kind=kind)[REPORT_COLUMNS])
    # The rate the 月报按时上报率 KPI reads (metrics.report_timeliness): on time ÷ due, year to date.
    ytd = metrics.report_timeliness(session=session, year=year, month=month, as_of=as_of,
                                    kind=MONTHLY_REPORT_KIND).iloc[-1]
    rate = ReportRate(timeliness.first_required_month(session, year, MONTHLY_REPORT_KIND), int(ytd["cum_ontime"]),
                      int(ytd["cum_expected"]))
    return pd.concat(frames, ignore_index=True), rate


# --- the pack ------------------------------------------------------------------------------------------


@unit_of_work
def pack_figures(
    *, session: Session | None = None, year: int, month: int, as_of: dt.date | None = None, charts: bool = True
) -> PackFigures:
    """Every figure of the pack for a period, as of `as_of` (default: the database's clock, db.engine.as_of)."""
    as_of = as_of or dbe.as_of(session.get_bind())
    kw = {"session": session, "year": year, "month": month, "as_of": as_of}
    district = catalog.district_name(session=session)
    progress = metrics.task_progress(**kw)
    lags = metrics.station_lag_frame(progress)
    window = metrics.task_window(session=session, year=year)  # the task list's window (2022: 004 三(二))
    reports, report_rate = _reports(session, year=year, month=month, as_of=as_of)
    own = plans.plan_tasks(**kw)  # the district's own plans only: other districts' are reference_plans
    own["shown"] = own["shown_status"]
    sched = metrics.schedule(session=session, year=year, as_of=as_of, month=month)
    sched["shown"] = sched["status"]
    hazard_stations = metrics.hazards(**kw)
    return PackFigures(
        as_of=as_of,
        district_name=district,
        progress=progress,
        totals=metrics.rollup_tasks(progress),  # task_totals, from the progress already read
        gauges=metrics.kpi_gauges(**kw),
        lags=lags,
        red_stations=station_worst(lags, progress),
        task_window=window,
        district=metrics.baobao(by="district", **kw),
        by_station=metrics.baobao(by="station", **kw),
        hazards=hazard_summary(metrics.hazard_totals_frame(hazard_stations)),
        hazard_stations=hazard_stations,
        reports=reports,
        report_rate=report_rate,
        own_plan=own,
        schedule=sched,
        reference_plans=reference_plans.reference_plans(session=session),
        trend=metrics.task_trend(session=session, year=year, as_of=as_of) if charts else None,
        is_demo=dbe.is_demo_database(session),
        workshops=metrics.workshop_rates(session=session, year=year, as_of=as_of),
        **organisation(session, district),
    )


MAX_NAME = 60  # characters of an organisation's name


@unit_of_work
def signature(*, session: Session | None = None) -> dict[str, str]:
    """Who the meeting pack names as its author and company now: {"organisation": …, "office": …} (organisation())."""
    return organisation(session, catalog.district_name(session=session))


@unit_of_work
def save_signature(*, session: Session | None = None, viewer: Viewer, organisation_name: str,
                   office_name: str) -> dict[str, str]:
    """Store who writes the meeting pack (committed, audited as 系统设置). PermissionError for a viewer whose role may
    not act on 系统设置; ValueError (in Chinese) for an empty or over-long name. Nothing is written on refusal."""
    require(viewer, SETTINGS_PAGE, ACT)
    new = {"organisation": " ".join(organisation_name.split()), "office": " ".join(office_name.split())}
    for label, value in (("单位名称", new["organisation"]), ("办公室名称", new["office"])):
        if not value:
            raise ValueError(f"{label}不能为空")
        if len(value) > MAX_NAME:
            raise ValueError(f"{label}不能超过{MAX_NAME}个字（现为{len(value)}个字）")
    old = signature(session=session)
    dbe.set_setting(session, ORGANISATION_KEY, new["organisation"], "会议材料的作者（Word/Excel 文档属性）")
    dbe.set_setting(session, OFFICE_KEY, new["office"], "会议材料的单位（Word 文档属性“公司”）")
    accounts.audit(session=session, viewer=viewer, action=SETTINGS_PAGE, target="会议材料署名", detail={
        "单位": f"{old['organisation']}→{new['organisation']}", "办公室": f"{old['office']}→{new['office']}"})
    session.commit()
    return new


def organisation(session: Session, district: str) -> dict[str, str]:
    """The documents' author and company: the app_setting rows ORGANISATION_KEY and OFFICE_KEY, by default the
    district's 市场监督管理局 and its 食品安全委员会办公室 (章丘区市场监督管理局, 章丘区食品安全委员会办公室)."""
    return {"organisation": dbe.get_setting(session, ORGANISATION_KEY) or f"{district}市场监督管理局",
            "office": dbe.get_setting(session, OFFICE_KEY) or f"{district}食品安全委员会办公室"}
